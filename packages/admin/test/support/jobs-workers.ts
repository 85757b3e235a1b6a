/**
 * The two-worker jobs suites' fixture (jobs-page.test.ts, jobs-http.test.ts): two "workers" (two
 * fastify apps, each with its own AdminSite and database connection — a SQLite connection on the
 * same file, or a PostgreSQL pool on the same database — each with its own channel-layer
 * instance on the same site) over the demo's shop, with the order admin's actions
 * (./jobs-actions.ts) and seven users; users log in through the real login form, views are
 * driven over the real WebSocket protocol, and the action endpoint is POSTed over HTTP.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { AdminSite } from "../../src/index.js";
import { type ChannelLayer } from "@weft/server/pubsub";
import type { Client } from "../../../server/test/helpers.js";
import { type LayerKind, memoryKind, redisKind } from "../../../server/test/support/layers.js";
import { loginOnce, openView, startAdmin, type Jar } from "../support.js";
import type { Engine } from "./engines.js";
import { openDemoShop, type DemoShop } from "./demo-shop.js";
import { ACTIONS, Stepper, env, useTables } from "./jobs-actions.js";

/** One worker: its app, site and base URL, and the lines its logger wrote (level warn and up). */
export interface Worker {
  app: FastifyInstance;
  site: AdminSite;
  base: string;
  logs: string[];
  close(): Promise<void>;
}

async function startWorker(shop: DemoShop, layer: ChannelLayer): Promise<Worker> {
  const { orders, customers } = shop;
  const conn = await shop.connect();
  // a lease no slow run outlasts: only the lost test lets one expire, on its own record
  const site = await AdminSite.create({ db: conn.db, title: "Jobs test", jobs: { leaseMs: 3_600_000 } });
  site.register(orders, {
    app: "shop",
    relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
    listDisplay: ["number", "customer", "status", "totalCents"],
    searchFields: ["^number"],
    listFilter: ["status"],
    ordering: ["id"],
    listPerPage: 20,
    actions: ACTIONS,
  });
  site.register(customers, { app: "shop", listDisplay: ["name"] });
  const logs: string[] = [];
  const { app, base } = await startAdmin(site, { pubsub: layer, logger: { level: "warn", stream: { write: (line: string) => void logs.push(line) } } });
  return {
    app,
    site,
    base,
    logs,
    async close() {
      await app.close();
      await conn.close();
    },
  };
}

export const LIST = "/admin/shop/order/";
export const ACTION = "/admin/shop/order/action/";
const PASSWORD = "pass-word-123";
const USERS = {
  admin: { isSuperuser: true, perms: [] },
  manager: { isSuperuser: false, perms: ["shop.view_order", "shop.change_order", "orders.refund_order"] },
  manager2: { isSuperuser: false, perms: ["shop.view_order", "shop.change_order", "orders.refund_order"] },
  heavy: { isSuperuser: false, perms: ["shop.view_order", "shop.change_order", "orders.refund_order"] },
  light: { isSuperuser: false, perms: ["shop.view_order", "shop.change_order", "orders.refund_order"] },
  clerk: { isSuperuser: false, perms: ["shop.view_order", "shop.change_order"] },
  viewer: { isSuperuser: false, perms: ["shop.view_order"] },
} as const;
export type Username = keyof typeof USERS;

/** the row keys of a change list, in order */
export const pksIn = (html: string) => [...html.matchAll(/<tr data-pk="(\d+)"/g)].map((m) => Number(m[1]));
/** a job page's status */
export const statusOf = (html: string) => /<span id="job-status" class="[^"]*"[^>]*>([a-z]+)<\/span>/.exec(html)?.[1];
/** a page's flashes, as [level, text] */
export const flashes = (html: string) => [...html.matchAll(/<div class="flash flash-(\w+)"[^>]*><span>([^<]*)<\/span>/g)].map((m) => [m[1], m[2]]);

/**
 * Engines × channel layers: SQLite on both layers, PostgreSQL on Redis (the layer of a
 * deployment whose workers share only PostgreSQL and Redis); the layer is not the engine's
 * concern, so the fourth pair would add time and no coverage. Call it at the top of a test file:
 * the Redis kind starts its private server in that file's `beforeAll`.
 */
export function jobsMatrix(): [Engine, LayerKind][] {
  const redis = redisKind();
  return [
    ["sqlite", memoryKind],
    ["sqlite", redis],
    ["postgres", redis],
  ];
}

/** A view joined by {@link JobWorkers.openLive}. */
export interface Live {
  c: Client;
  ref: number;
  first: string;
  html(): string;
  /** sends an event and waits for its reply (or error frame) */
  event(name: string, payload?: object): Promise<string>;
  redirect(): string | undefined;
  /** delta frames received for this view */
  deltas(): number;
}

/** A suite's workers ({@link useJobWorkers}): `shop`, `A` and `B` are set by its `beforeAll`; read them inside tests. */
export type JobWorkers = ReturnType<typeof useJobWorkers>;

/**
 * Opens the demo's shop on `engine` and two workers on a channel-layer site of `kind` in
 * `beforeAll`, with the seven users of `USERS`; a fresh stepper before each test; in `afterAll`, every step
 * released and everything closed. Returns the workers and what a browser does with them.
 */
export function useJobWorkers(engine: Engine, kind: LayerKind) {
  /**
   * Logs in through the real form (on worker A; the session row is shared, and cookies are per
   * host, not per port: one jar works on both workers), once per user.
   */
  const login: (username: Username) => Promise<Jar> = loginOnce(() => w.A.base, { password: PASSWORD });
  const w = {
    shop: undefined as unknown as DemoShop,
    A: undefined as unknown as Worker,
    B: undefined as unknown as Worker,
    ids: {} as Record<Username, number>,
    login,
    csrfFor,
    post,
    openLive,
    startFromList,
    jobIdOf: (res: Response) => /^\/admin\/jobs\/([^/]+)\/$/.exec(res.headers.get("location") ?? "")?.[1],
    allJobs: () => w.A.site.jobs.list({ limit: 500 }),
  };
  let closeLayers: () => Promise<void>;
  const sockets: Client[] = [];
  let nextRef = 1;

  beforeAll(async () => {
    w.shop = await openDemoShop(engine, { customers: 20, products: 10, orders: 120, tickets: 3, ordersToday: 2, now: new Date(Date.UTC(2026, 10, 1, 12)) }, "admin_jobs");
    useTables(w.shop);
    const layers = kind.newSite();
    closeLayers = () => layers.close();
    w.A = await startWorker(w.shop, layers.open());
    w.B = await startWorker(w.shop, layers.open());
    for (const [username, u] of Object.entries(USERS)) {
      const user = await w.A.site.users.createUser({ username, password: PASSWORD, isStaff: true, isSuperuser: u.isSuperuser });
      for (const p of u.perms) await w.A.site.users.grant(user, p);
      w.ids[username as Username] = user.id;
    }
  });

  afterAll(async () => {
    env.stepper.release(10_000);
    for (const s of sockets) s.close();
    await w.A?.close();
    await w.B?.close();
    await closeLayers?.();
    await w.shop?.close();
  });

  beforeEach(() => {
    env.stepper = new Stepper();
  });

  /** The shell's CSRF token (its logout form) for `username`. */
  async function csrfFor(username: Username): Promise<string> {
    const html = await (await (await login(username)).fetch(`${w.A.base}/admin/`)).text();
    return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  }

  /** POSTs the action endpoint on `on` as `username`. */
  async function post(on: Worker, username: Username, fields: Record<string, string | string[]>, query = "", opts: { csrf?: string | null } = {}): Promise<Response> {
    const body = new URLSearchParams();
    const csrf = opts.csrf === undefined ? await csrfFor(username) : opts.csrf;
    if (csrf !== null) body.set("_csrf", csrf);
    for (const [k, v] of Object.entries(fields)) for (const x of ([] as string[]).concat(v)) body.append(k, x);
    return (await login(username)).fetch(`${on.base}${ACTION}${query}`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  }

  /** GETs `path` on `on` as `username` and joins its view `admin-<view>`. */
  async function openLive(on: Worker, username: Username, path: string, view: string): Promise<Live> {
    const jar = await login(username);
    const ref = nextRef++;
    const { c, first } = await openView(jar, on.base + path, `admin-${view}`, { ref, sockets });
    return {
      c,
      ref,
      first,
      html: () => c.html.get(ref)!,
      async event(name, payload = {}) {
        const seq = c.event(ref, name, payload);
        await c.reply(seq);
        await new Promise((r) => setTimeout(r, 10));
        return c.html.get(ref)!;
      },
      redirect: () => c.find((f) => f[0] === "x" && f[1] === ref)?.[2] as string | undefined,
      deltas: () => c.frames.filter((f) => f[0] === "d" && f[1] === ref).length,
    };
  }

  /** Starts `action` from the change list on worker A with the first `n` rows picked; returns the job URL. */
  async function startFromList(username: Username, action: string, n: number, path = LIST): Promise<{ url: string; id: string; list: Live }> {
    const list = await openLive(w.A, username, path, "changelist");
    for (const pk of pksIn(list.html()).slice(0, n)) await list.event("select", { pk: String(pk) });
    // a job that changes data asks first (Confirm), naming the count
    expect(await list.event("action", { action })).toContain(`${n} orders?</h2>`);
    await list.event("confirm", { action });
    const url = await list.c.until(() => list.redirect(), "the redirect to the job page");
    const m = /^\/admin\/jobs\/([^/]+)\/$/.exec(url);
    expect(m, url).not.toBeNull();
    return { url, id: m![1]!, list };
  }

  return w;
}
