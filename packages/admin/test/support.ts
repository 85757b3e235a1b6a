/**
 * The admin's HTTP tests: a server with the admin on it, and what a browser does there (a cookie
 * jar over fetch, logging in through the real login form, joining a page's view over the
 * protocol client of ../helpers.ts).
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { afterAll, expect } from "vitest";
import { adminPlugin, type AdminSite } from "../src/index.js";
import { weft } from "@weft/server";
import type { AuthorityOptions, Limits } from "@weft/server/transport";
import { type ChannelLayer } from "@weft/server/pubsub";
import { Client, getPage, SECRET, viewRoots, type ViewRoot } from "../../server/test/helpers.js";

/** Options of {@link startAdmin}. */
export interface AdminServerOptions {
  /** weft's channel layer (default: weft's own) */
  pubsub?: ChannelLayer;
  /** fastify's logger (default: none) */
  logger?: FastifyServerOptions["logger"];
  /** more routes (or set-up) once the admin is registered, before listening */
  setup?: (app: FastifyInstance) => void;
  /**
   * weft's limits, over {@link TEST_SESSION_CAPS}; `{}` with `defaults: true` for weft's own
   * defaults (the caps' tests)
   */
  limits?: Partial<Limits>;
  /** start from weft's default limits rather than {@link TEST_SESSION_CAPS} */
  defaults?: boolean;
  /** weft's session authority options (default: weft's own: every frame reloads, a backstop every 30 s) */
  authority?: Partial<AuthorityOptions>;
}

/**
 * The per-session caps of the test servers: the test files log each user in once and open a
 * socket per test on that login, closed at the end of the file, so one session holds dozens of
 * sockets. The caps themselves are tested with weft's defaults (server/test/limits.test.ts, the
 * 40-widget dashboard in limits.test.ts).
 */
export const TEST_SESSION_CAPS: Partial<Limits> = { maxSocketsPerSession: 1_000, maxViewsPerSession: 10_000 };

/**
 * A real fastify server with weft (on the site's sessions) and the admin plugin for `site`,
 * listening on an ephemeral port of 127.0.0.1.
 */
export async function startAdmin(site: AdminSite, o: AdminServerOptions = {}): Promise<{ app: FastifyInstance; base: string }> {
  const app = Fastify({ logger: o.logger ?? false });
  const limits = { ...(o.defaults ? {} : TEST_SESSION_CAPS), ...o.limits };
  await app.register(weft, { secret: SECRET, sessions: site.sessions, limits, ...(o.pubsub ? { pubsub: o.pubsub } : {}), ...(o.authority ? { authority: o.authority } : {}) });
  await app.register(adminPlugin, { site });
  o.setup?.(app);
  await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
}

/**
 * A browser's cookie jar over fetch: sends its cookies, keeps what Set-Cookie sets and drops
 * what it clears, and never follows redirects.
 */
export class Jar {
  cookies = new Map<string, string>();

  /** @param base - prefix of the relative paths given to {@link Jar.fetch} (absolute URLs are fetched as they are) */
  constructor(readonly base = "") {}

  /** the Cookie header */
  get header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  /** Takes the response's Set-Cookie lines. */
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const cleared = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split("=")[1]) < Date.now()));
      if (cleared) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(i + 1).trim());
    }
  }

  async fetch(pathOrUrl: string, init: RequestInit = {}): Promise<Response> {
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : this.base + pathOrUrl;
    const res = await fetch(url, { redirect: "manual", ...init, headers: { ...(this.cookies.size ? { cookie: this.header } : {}), ...(init.headers as Record<string, string>) } });
    this.take(res);
    return res;
  }

  /** POSTs `form` url-encoded. */
  async post(pathOrUrl: string, form: Record<string, string>): Promise<Response> {
    return this.fetch(pathOrUrl, { method: "POST", body: new URLSearchParams(form), headers: { "content-type": "application/x-www-form-urlencoded" } });
  }

  /** GETs a page: the response, its status, its HTML and its view roots. */
  async html(pathOrUrl: string): Promise<{ res: Response; status: number; html: string; roots: ViewRoot[] }> {
    const res = await this.fetch(pathOrUrl);
    const html = await res.text();
    return { res, status: res.status, html, roots: viewRoots(html) };
  }
}

/** The login form, GET with `jar` (with `?next=` when given): the response, its HTML and its CSRF token ("" when it has none). */
export async function loginPage(jar: Jar, next?: string): Promise<{ res: Response; html: string; csrf: string }> {
  const res = await jar.fetch("/admin/login/" + (next === undefined ? "" : `?next=${encodeURIComponent(next)}`));
  const html = await res.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
  return { res, html, csrf };
}

/** POSTs the login form's fields: the CSRF token, the credentials and `next` when given. */
function postLogin(jar: Jar, csrf: string, username: string, password: string, next?: string): Promise<Response> {
  return jar.post("/admin/login/", { _csrf: csrf, username, password, ...(next === undefined ? {} : { next }) });
}

/** Submits the login form as a browser: GETs it for its CSRF token, POSTs the credentials. Returns the POST's response, whatever it is. */
export async function submitLogin(jar: Jar, username: string, password: string, next?: string): Promise<Response> {
  const { csrf } = await loginPage(jar);
  return postLogin(jar, csrf, username, password, next);
}

/** Options of {@link login}. */
export interface LoginOptions {
  /** default: `<username>-pass` */
  password?: string;
  /** the form's `next` field (none by default) */
  next?: string;
}

/**
 * Logs `username` in on `base` through the real login form (GET for the CSRF token and the
 * session cookie, POST the credentials) in a new jar, expecting the redirect that means success.
 */
export async function login(base: string, username: string, opts: LoginOptions = {}): Promise<Jar> {
  const jar = new Jar(base);
  const { csrf } = await loginPage(jar);
  expect(csrf, "the login form's CSRF token").toBeTruthy();
  const res = await postLogin(jar, csrf, username, opts.password ?? `${username}-pass`, opts.next);
  expect(res.status, `login ${username}`).toBe(302);
  return jar;
}

/**
 * {@link login}, once per username: later calls get the same jar (one browser per user).
 * @param base - read at the first login of each user (the server may start after this call)
 */
export function loginOnce(base: () => string, opts: LoginOptions = {}): (username: string) => Promise<Jar> {
  const jars = new Map<string, Jar>();
  return async (username) => {
    const hit = jars.get(username);
    if (hit) return hit;
    const jar = await login(base(), username, opts);
    jars.set(username, jar);
    return jar;
  };
}

/** What {@link joinView} joins. */
export interface JoinOptions {
  /** the server (`http://host:port`) to open the socket on */
  base: string;
  /** the Cookie header to open it with */
  cookie: string;
  /** the view root's join token */
  token: string;
  /** the page's URL, sent with the join */
  url: string;
  /** the view's ref on the socket (default 1) */
  ref?: number;
  /** where the client goes, for the file's afterAll to close it */
  sockets: Client[];
}

/** Opens a protocol client, joins one view on it, and waits for the view's first render. */
export async function joinView(o: JoinOptions): Promise<Client> {
  const ref = o.ref ?? 1;
  const c = await Client.open(o.base, o.cookie);
  o.sockets.push(c);
  c.join(ref, o.token, o.url);
  await c.until(() => c.html.has(ref), "the join render");
  return c;
}

/**
 * GETs the page at `url` (absolute) with `jar`, expecting 200, and joins its root view
 * `view` (its `lv-view` id) on a new client on the same server, as `ref`.
 * @returns the client and the page's first (HTTP) render
 */
export async function openView(jar: Jar, url: string, view: string, o: { ref: number; sockets: Client[] }): Promise<{ c: Client; first: string }> {
  const res = await jar.fetch(url);
  expect(res.status).toBe(200);
  const first = await res.text();
  const root = viewRoots(first).find((r) => r.view === view);
  expect(root, `the ${view} view on ${url}`).toBeDefined();
  const c = await joinView({ base: new URL(url).origin, cookie: jar.header, token: root!.token, url, ref: o.ref, sockets: o.sockets });
  return { c, first };
}

/** A page's root view joined over the protocol after its HTTP render ({@link openLive}). */
export interface Live {
  c: Client;
  ref: number;
  /** the HTTP status of the page (200: openLive expects it) */
  status: number;
  /** the first (HTTP) render */
  page: string;
  html(): string;
  /** sends an event and waits for its reply (or error) */
  event(name: string, payload?: object): Promise<unknown[]>;
  /** where the view redirected to (its `x` frame), if it did */
  redirect(): string | undefined;
  /** the error frames the client received */
  errors(): unknown[][];
}

/**
 * GETs `path` on `base` with `jar`'s cookie, expecting 200, and joins the page's first root
 * view as ref 1 on a new client (pushed to `sockets`, for the suite's afterAll to close).
 */
export async function openLive(base: string, jar: Jar, path: string, sockets: Client[]): Promise<Live> {
  const { res, html, roots } = await getPage(base, path, jar.header);
  expect(res.status, `${path}: ${html.slice(0, 200)}`).toBe(200);
  const ref = 1;
  const c = await joinView({ base, cookie: jar.header, token: roots[0]!.token, url: base + path, ref, sockets });
  return {
    c,
    ref,
    status: res.status,
    page: html,
    html: () => c.html.get(ref)!,
    event: (name, payload = {}) => c.reply(c.event(ref, name, payload)) as Promise<unknown[]>,
    redirect: () => c.find((f) => f[0] === "x" && f[1] === ref)?.[2] as string | undefined,
    errors: () => c.frames.filter((f) => f[0] === "!"),
  };
}

/** What {@link useAdminServer} gives a suite; read it in hooks and tests. */
export interface AdminServerSuite {
  /** `http://127.0.0.1:<port>` once {@link AdminServerSuite.start} ran ("" before) */
  readonly base: string;
  /** every protocol client the suite opens, closed by the afterAll */
  readonly sockets: Client[];
  /** the user's browser, logged in through the real form once ({@link loginOnce}; password `<username>-pass`) */
  login(username: string): Promise<Jar>;
  /** Serves `site` ({@link startAdmin}); call it in the suite's beforeAll. */
  start(site: AdminSite, o?: AdminServerOptions): Promise<void>;
  /** {@link openLive} as `username` */
  live(username: string, path: string): Promise<Live>;
  /** {@link openView} as `username`: GETs `path` and joins its view `view` as ref 1 */
  view(username: string, path: string, view: string): Promise<{ c: Client; first: string }>;
}

/**
 * A suite's admin server over the real HTTP and protocol: registers an afterAll that closes the
 * suite's clients, then the server, then runs `after` (the suite's database: it outlives the
 * server). Call it at the top of the suite, then `start(site)` in its beforeAll.
 */
export function useAdminServer(after?: () => unknown): AdminServerSuite {
  let app: FastifyInstance | undefined;
  let base = "";
  const sockets: Client[] = [];
  const login = loginOnce(() => base);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await after?.();
  });
  return {
    get base() {
      return base;
    },
    sockets,
    login,
    async start(site, o = {}) {
      ({ app, base } = await startAdmin(site, o));
    },
    live: async (username, path) => openLive(base, await login(username), path, sockets),
    view: async (username, path, view) => openView(await login(username), base + path, view, { ref: 1, sockets }),
  };
}
