import type { ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import fastifyCookie, { Signer } from "@fastify/cookie";
import fastifyHelmet, { type FastifyHelmetOptions } from "@fastify/helmet";
import fastifyWebsocket from "@fastify/websocket";
import { A_SOCKET, A_UPLOAD, CLOSE_BAD_VERSION, CLOSE_UNAUTHORIZED, PROTOCOL_VERSION } from "@weft/client/protocol";
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { NotFoundError, UnauthorizedError } from "../live/mount.js";
import { ViewRegistry } from "../live/registry.js";
import type { ViewRuntime } from "../live/runtime.js";
import type { LiveServices } from "../live/services.js";
import type { LiveView, LiveViewClass } from "../live/view.js";
import type { Session } from "../live/types.js";
import { MemoryChannelLayer } from "../pubsub/memory.js";
import type { ChannelLayer } from "../pubsub/channel-layer.js";
import { inlineChildren, newDomId, renderDisconnected } from "../live/page.js";
import { Children } from "../live/children.js";
import { Templates } from "../render/templates.js";
import { clientAsset, hashedAsset, type Asset } from "./assets.js";
import { healthRoute } from "./health.js";
import { LiveSocket } from "./socket.js";
import { KeyedCap } from "./caps.js";
import { IdleSweep } from "./idle.js";
import { AbuseCooldown } from "./cooldown.js";
import { SHUT_GRACE_MS } from "./shut.js";
import { defaultLimits, type Limits } from "./limits.js";
import { cookieSessions, type SessionProvider } from "./session.js";
import { defaultAuthority, SessionAuthority, type AuthorityOptions } from "./authority.js";
import { checkSecret, TokenSigner } from "../live/token.js";
import { LiveRoutes, pageTitleOf, type OnMount, type RouteTitle } from "../live/sessions.js";
import { weftError } from "../errors.js";

/**
 * Options of the Weft fastify plugin. They are checked when the plugin registers: a missing or
 * short `secret` and an option of the wrong type stop the registration with a {@link WeftError}
 * (`WEFT_ERR_SECRET_MISSING`, `WEFT_ERR_SECRET_TOO_SHORT`, `WEFT_ERR_INVALID_OPTION`) whose
 * message names the fix.
 *
 * Registering in an existing app: weft brings @fastify/cookie, @fastify/websocket and
 * @fastify/helmet, and reuses any of them the app registered before it (register them first,
 * or not at all). With the app's @fastify/cookie weft's session cookie is signed by the app's
 * cookie secret when it has one, else weft signs it with `secret`; with the app's
 * @fastify/websocket weft still enforces `limits.maxFrameBytes` itself. Security headers go on
 * weft's own routes only (see {@link WeftOptions.helmet}).
 */
export interface WeftOptions {
  /**
   * HMAC key for view tokens and the session cookie: at least 32 characters, the same on every
   * worker and stable across restarts (e.g. `process.env.WEFT_SECRET`; {@link randomSecret}
   * makes one for development).
   */
  secret: string;
  /** directory for relative template paths (absolute path) */
  views?: string;
  /** the application context every view gets in `this.ctx` (a db handle, services…) */
  context?: object;
  /** the channel layer (default: a new {@link MemoryChannelLayer}, one process only) */
  pubsub?: ChannelLayer;
  /** page layout template (gets `it.title`, `it.head`, `it.body`, `it.liveRender` and `layoutData`); default: a bare HTML5 page */
  layout?: string | URL;
  /** extra data for the layout template (site name…); more can be added later through `app.weft.layoutData` */
  layoutData?: Record<string, unknown>;
  /** where sessions come from (default: anonymous signed-cookie sessions) */
  sessions?: SessionProvider;
  /** per-socket and per-session limits (caps per session are counted in each worker); see docs/protocol.md */
  limits?: Partial<Limits>;
  /** URL prefix of the socket and the client script (default `/live`) */
  prefix?: string;
  /** origins allowed to open the socket, besides the page's own host (e.g. `https://admin.example.com`) */
  allowedOrigins?: string[];
  /** watch templates and re-render connected views on edit (default: NODE_ENV === "development") */
  dev?: boolean;
  /** view token lifetime in ms (default 12 h) */
  tokenTtlMs?: number;
  /**
   * Security headers through @fastify/helmet (default on, with {@link WEFT_CSP_DIRECTIVES}: no
   * inline script or style, same-origin socket, never framed), on weft's routes only: live
   * routes (`app.live`), pages from `app.weft.renderPage`, the socket, the assets, the routes of
   * scopes given to `app.weft.secureRoutes` (the admin's). The app's other routes keep their
   * own headers. `{ global: true }` puts weft's headers on every route of the app instead (then
   * weft must be the one registering @fastify/helmet). `false` leaves headers to the app; an
   * object is merged over weft's helmet options (give `contentSecurityPolicy.directives` to
   * change the policy). When the app registered @fastify/helmet itself, weft's routes get the
   * app's helmet options with weft's merged over them.
   */
  helmet?: false | FastifyHelmetOptions;
  /**
   * Session authority's timing (see docs/reliability.md, "Session authority"): `cacheMs`, how long
   * a socket trusts its copy of the session before a join or an event reloads it (default 0: every
   * join and event reads the current session, as every Django request does, so an event sent after a
   * logout on another worker is never run; raise it only for a `reload` that is expensive);
   * `recheckMs`, the backstop reload of every socket's session (default 30,000 ms).
   */
  authority?: Partial<AuthorityOptions>;
  /**
   * Serves the readiness route `GET <prefix>/health` (default false): this worker's pid,
   * uptime, open sockets and connected views by view id, as JSON. Counts only, no user data.
   */
  health?: boolean;
}

/**
 * The Content-Security-Policy weft sets by default. The browser runtime needs no inline script,
 * no inline style, no eval; its socket is same-origin (`'self'` covers `ws:`/`wss:` on the page's
 * own host in CSP Level 3 browsers).
 */
export const WEFT_CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "script-src-attr": ["'none'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:"],
  "font-src": ["'self'", "data:"],
  "connect-src": ["'self'"],
  "object-src": ["'none'"],
  "frame-ancestors": ["'none'"],
  "form-action": ["'self'"],
  "base-uri": ["'self'"],
});

/**
 * weft's helmet options for its routes: {@link WEFT_CSP_DIRECTIVES}, never framed, no referrer
 * off-site, with the user's `helmet` object merged over them (its `global` taken out).
 */
function helmetOptions(extra: FastifyHelmetOptions | undefined): RouteHelmet {
  const directives = Object.fromEntries(Object.entries(WEFT_CSP_DIRECTIVES).map(([k, v]) => [k, [...v]]));
  const { global: _global, ...rest } = extra ?? {};
  return {
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "same-origin" },
    ...rest,
  } as RouteHelmet;
}

/** @fastify/helmet's per-route options (`config.helmet` of a route). */
type RouteHelmet = Omit<FastifyHelmetOptions, "global">;

/** The fastify servers weft is registered on (once per server, whatever the scope). */
const registeredOn = new WeakSet<object>();

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Checks the options' types at registration, so a mistake stops the start with a message that
 * names the fix instead of failing on the first request.
 * @throws WeftError `WEFT_ERR_SECRET_MISSING`, `WEFT_ERR_SECRET_TOO_SHORT`, `WEFT_ERR_INVALID_OPTION`
 */
function checkOptions(opts: WeftOptions): void {
  if (!isObject(opts)) throw invalid("the options", "an object `{ secret, … }`", opts);
  checkSecret(opts.secret);
  const o = opts as unknown as Record<string, unknown>;
  const optional = (key: keyof WeftOptions, ok: (v: unknown) => boolean, want: string) => {
    if (o[key] !== undefined && !ok(o[key])) throw invalid(`\`${key}\``, want, o[key]);
  };
  const positive = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v > 0;
  optional("views", (v) => typeof v === "string" && v !== "", "the absolute path of the templates directory (a string)");
  optional("context", (v) => typeof v === "object" && v !== null, "an object (it becomes `this.ctx` of every view)");
  optional("pubsub", (v) => isObject(v) && typeof v.publish === "function" && typeof v.subscribe === "function", "a ChannelLayer (e.g. `new RedisChannelLayer(url)` from @weft/server/pubsub)");
  optional("layout", (v) => typeof v === "string" || v instanceof URL, "a template path or a file URL");
  optional("layoutData", isObject, "an object");
  optional("sessions", (v) => isObject(v) && typeof v.ensure === "function" && typeof v.load === "function", "a SessionProvider `{ ensure(req, reply), load(req) }` (the admin's: `site.sessions`)");
  optional("limits", isObject, "an object of limits (see `Limits`)");
  for (const [k, v] of Object.entries(isObject(o.limits) ? o.limits : {})) {
    if (!(k in defaultLimits)) throw invalid(`\`limits.${k}\``, `one of ${Object.keys(defaultLimits).join(", ")}`, k, "an unknown limit");
    if (v !== undefined && !positive(v)) throw invalid(`\`limits.${k}\``, "a positive number", v);
  }
  optional("prefix", (v) => typeof v === "string" && v.startsWith("/"), "a URL path starting with `/` (default `/live`)");
  optional("allowedOrigins", (v) => Array.isArray(v) && v.every((x) => typeof x === "string"), "an array of origins like `https://admin.example.com`");
  for (const origin of (o.allowedOrigins as string[] | undefined) ?? []) {
    let parsed: string | undefined;
    try {
      parsed = new URL(origin).origin;
    } catch {
      parsed = undefined;
    }
    if (parsed !== origin) throw invalid("`allowedOrigins`", `origins only, scheme://host[:port] without a path or a trailing slash${parsed && parsed !== "null" ? ` (\`${parsed}\`)` : ""}`, origin);
  }
  optional("dev", (v) => typeof v === "boolean", "true or false");
  optional("tokenTtlMs", positive, "a positive number of milliseconds");
  optional("authority", isObject, "an object `{ cacheMs?, recheckMs? }`");
  for (const [k, v] of Object.entries(isObject(o.authority) ? o.authority : {})) {
    if (!(k in defaultAuthority)) throw invalid(`\`authority.${k}\``, `one of ${Object.keys(defaultAuthority).join(", ")}`, k, "an unknown option");
    if (v !== undefined && !(k === "cacheMs" ? typeof v === "number" && v >= 0 && Number.isFinite(v) : positive(v))) throw invalid(`\`authority.${k}\``, k === "cacheMs" ? "a number of milliseconds, 0 or more" : "a positive number of milliseconds", v);
  }
  optional("health", (v) => typeof v === "boolean", "true or false");
  optional("helmet", (v) => v === false || isObject(v), "`false` (no headers from weft) or an object of @fastify/helmet options; leave it out for weft's defaults");
}

function invalid(what: string, want: string, got: unknown, gotWhat?: string) {
  const shown = gotWhat ?? (typeof got === "string" ? JSON.stringify(got) : got === null ? "null" : Array.isArray(got) ? "an array" : typeof got);
  return weftError("WEFT_ERR_INVALID_OPTION", `weft: ${what} must be ${want}; got ${shown}`);
}

/** Options of one live route. */
export interface LiveRouteOptions {
  /**
   * page title, or a function of the route params (default: the view's `static title`, else
   * "Weft"); a view's `pageTitle` assign wins over both
   */
  title?: RouteTitle;
  /**
   * the live session the route belongs to (declared with `app.liveSession`); routes without one
   * share an implicit session per layout, as Phoenix's default session
   */
  liveSession?: string;
  /** layout template for this route (default: the plugin's) */
  layout?: string | URL;
  /** per-request layout data (the user, navigation…), merged over the plugin's `layoutData` */
  layoutData?: (req: FastifyRequest, reply: FastifyReply, session: Session) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /**
   * Answers a page whose view refused (`authorize` false or {@link UnauthorizedError}: 403) or
   * whose object is gone ({@link NotFoundError}: 404), e.g. an error page in the app's layout;
   * it sets the status. Default: plain "Forbidden" / "Not found".
   */
  errorPage?: (status: 403 | 404, req: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown;
}

/** Options of a live session (`app.liveSession`); `layout` and `layoutData` are its routes' defaults. */
export interface LiveSessionOptions extends Pick<LiveRouteOptions, "layout" | "layoutData"> {
  /** hooks run before every mount of its routes' views: HTTP render, join, live navigation (see {@link OnMount}) */
  onMount?: OnMount | OnMount[];
}

/** What `app.liveSession`'s callback gets: `live` registers a route of the session. */
export interface LiveSessionScope {
  live(path: string, cls: LiveViewClass, opts?: LiveRouteOptions): void;
}

/** What the plugin adds to the fastify instance as `app.weft`. */
export interface WeftServer {
  services: LiveServices;
  limits: Limits;
  /** where this app's sessions come from: the `sessions` option, or the default cookie sessions */
  readonly sessions: SessionProvider;
  /** data merged into every layout render (e.g. stylesheet URLs from {@link WeftServer.asset}) */
  layoutData: Record<string, unknown>;
  /** registers a view class (for `liveRender("id")` by id); returns its id */
  register(cls: LiveViewClass): string;
  /**
   * Renders a full page around a view, for custom routes. `prepare` runs on the mounted view
   * before its render (e.g. a form POST handled by the view for browsers without JavaScript,
   * as Django's views handle POST); what it throws is thrown here.
   */
  renderPage(req: FastifyRequest, reply: FastifyReply, cls: LiveViewClass, opts?: LiveRouteOptions & { props?: Record<string, string>; prepare?: (view: LiveView) => Promise<void> | void }): Promise<string>;
  /**
   * Serves `body` under a content-hashed URL below the prefix with immutable caching
   * (stylesheets, images). Call before the server starts listening.
   * @returns the URL path to link to
   */
  asset(fileName: string, body: Buffer | string, type: string): string;
  /** views currently connected in this process */
  connectedViews(): number;
  /**
   * Session authority, as Phoenix's `live_socket_id` disconnect broadcast: closes every live
   * socket of the session, on every worker (through the channel layer, within a second), with
   * close code 4403; the page says "You have been signed out" and does not reconnect. Call it
   * after ending the session where it is stored (e.g. on logout).
   * @param sessionId - the ended session's `Session.id`
   * @throws ChannelLayerUnavailableError (a rejection, `WEFT_ERR_CHANNEL_UNAVAILABLE`) when the channel layer is down;
   *   sockets then still find out at their next join or event, or the backstop re-check
   */
  endSession(sessionId: string): Promise<void>;
  /**
   * Session authority: every live socket of the user (or of the session), on every worker, reloads
   * its session through `SessionProvider.reload`: an ended session closes the socket (4403); else
   * every mounted view re-runs its `authorize` with the new session and is stopped with an
   * `unauthorized` error when refused, the others keep running with the new permissions. Call it
   * after writing the change (password, deactivation, groups, permissions).
   * @param who - `userId` (as `Session.userId`) and/or `sessionId`
   * @throws ChannelLayerUnavailableError (a rejection, `WEFT_ERR_CHANNEL_UNAVAILABLE`) when the channel layer is down
   */
  sessionsChanged(who: { userId?: string | number; sessionId?: string }): Promise<void>;
  /**
   * Gives every route registered in `scope` from now on weft's security headers, as weft's own
   * routes have them (nothing when `helmet: false`). For a plugin of yours whose pages are
   * weft's (the admin calls it for its scopes); on the app itself it means every later route.
   */
  secureRoutes(scope: FastifyInstance): void;
}

declare module "fastify" {
  interface FastifyInstance {
    weft: WeftServer;
    /**
     * Mounts a LiveView on a GET route (as Phoenix's `live "/path", View`): the HTTP request
     * gets the full page, the browser then joins over the WebSocket.
     */
    live(path: string, cls: LiveViewClass, opts?: LiveRouteOptions): void;
    /**
     * Declares a live session, as Phoenix's `live_session`: the routes `fn` registers share
     * `onMount` hooks, run on the HTTP render, the join and every live navigation, and live
     * navigation (`<a lv-navigate>`, `pushNavigate`) between them keeps the socket and the
     * layout. Navigating out of the session is a full page load. A route may also name its
     * session with the `liveSession` route option.
     * @param name - unique per app
     * @param opts - `onMount` hooks, the routes' default `layout` and `layoutData`
     * @param fn - registers the routes: `(s) => { s.live("/a", A); s.live("/b", B); }`
     * @throws WeftError `WEFT_ERR_LIVE_SESSION` when `name` was declared already, or a view
     *   class is in two live sessions
     */
    liveSession(name: string, opts: LiveSessionOptions, fn?: (s: LiveSessionScope) => void): void;
  }
}

const DEFAULT_LAYOUT = new URL("../../src/render/layout.eta", import.meta.url);

async function weftPlugin(app: FastifyInstance, opts: WeftOptions): Promise<void> {
  if (app.hasDecorator("weft") || registeredOn.has(app.server)) {
    throw weftError(
      "WEFT_ERR_ALREADY_REGISTERED",
      "weft: the weft plugin is registered twice on this server: register it once, at the top level before your routes (every scope below it can use `app.live` and `app.weft`), and remove the other `app.register(weft, …)`",
    );
  }
  checkOptions(opts);
  registeredOn.add(app.server);
  const prefix = (opts.prefix ?? "/live").replace(/\/$/, "");
  const limits: Limits = { ...defaultLimits, ...opts.limits };
  const dev = opts.dev ?? process.env.NODE_ENV === "development";
  const templates = new Templates(opts.views, dev);
  const routes = new LiveRoutes();
  const services: LiveServices = {
    registry: new ViewRegistry(),
    routes,
    templates,
    signer: new TokenSigner(opts.secret, opts.tokenTtlMs),
    pubsub: opts.pubsub ?? new MemoryChannelLayer((err) => app.log.error({ err }, "weft: subscriber failed")),
    context: opts.context ?? {},
    log: app.log,
  };
  const sessions = opts.sessions ?? cookieSessions;
  const live = new Set<ViewRuntime>();
  const authority = new SessionAuthority(services.pubsub, sessions, { ...defaultAuthority, ...opts.authority }, app.log);
  const caps = { sockets: new KeyedCap(limits.maxSocketsPerSession), views: new KeyedCap(limits.maxViewsPerSession), cooldown: new AbuseCooldown(limits.abuseCooldownMs) };
  const idle = new IdleSweep(limits);
  const layoutData: Record<string, unknown> = { ...opts.layoutData };
  const asset = clientAsset(prefix);
  // the upload chunk: the runtime imports it from this meta's URL on pages with an lv-upload input
  const uploadChunk = clientAsset(prefix, "upload.js");
  const head = `<meta name="${A_SOCKET}" content="${prefix}/websocket">\n<meta name="${A_UPLOAD}" content="${uploadChunk.url}">\n<script defer src="${asset.url}"></script>`;

  // @fastify/cookie: the app's when it registered one (before weft), else weft's with `secret`.
  // The app's without a secret cannot sign: weft then signs (its session cookie and any signed
  // cookie) with `secret`, so `reply.setCookie(…, { signed: true })` and `req.unsignCookie` work.
  if (!app.hasDecorator("parseCookie")) await app.register(fastifyCookie, { secret: opts.secret });
  else if (!app.hasRequestDecorator("unsignCookie") || !app.hasReplyDecorator("signCookie")) {
    const signer = new Signer(opts.secret);
    const sign = (value: string) => signer.sign(value);
    const unsign = (value: string) => signer.unsign(value);
    app.decorateRequest("signCookie", sign);
    app.decorateRequest("unsignCookie", unsign);
    app.decorateReply("signCookie", sign);
    app.decorateReply("unsignCookie", unsign);
  }
  // @fastify/helmet: on weft's routes (route config), unless the user asks for it app-wide
  const routeHelmet = opts.helmet === false ? undefined : helmetOptions(opts.helmet);
  const global = opts.helmet !== false && opts.helmet?.global === true;
  if (routeHelmet && !app.hasReplyDecorator("helmet")) await app.register(fastifyHelmet, { ...routeHelmet, global } as FastifyHelmetOptions);
  else if (global) {
    throw weftError(
      "WEFT_ERR_HELMET_CONFLICT",
      "weft: `helmet: { global: true }` asks weft to put its headers on every route, but the app registered @fastify/helmet itself: configure app-wide headers in your @fastify/helmet registration and leave `global` out of weft's `helmet` (weft's routes still get weft's policy)",
    );
  }
  const routeConfig: FastifyContextConfig = routeHelmet ? ({ helmet: routeHelmet } as FastifyContextConfig) : {};
  // @fastify/websocket: the app's when it registered one; its maxPayload may be larger than
  // `limits.maxFrameBytes`, so LiveSocket checks every frame's size too
  if (!app.hasDecorator("websocketServer")) await app.register(fastifyWebsocket, { options: { maxPayload: limits.maxFrameBytes } });

  templates.onChange(() => {
    for (const v of live) v.rerender();
  });
  app.addHook("onClose", async () => {
    templates.close();
    authority.close();
    idle.close();
    if (!opts.pubsub) await services.pubsub.close();
  });

  const serve = (a: Asset) =>
    app.get(a.url, { config: routeConfig }, (_req, reply) => {
      reply.header("cache-control", "public, max-age=31536000, immutable").type(a.type).send(a.body);
    });
  serve(asset);
  serve(uploadChunk);

  const originAllowed = (req: FastifyRequest): boolean => {
    const origin = req.headers.origin;
    if (!origin) return false;
    try {
      const o = new URL(origin);
      return o.host === req.headers.host || (opts.allowedOrigins ?? []).includes(o.origin);
    } catch {
      return false;
    }
  };

  /** the session each socket upgrade loaded in its preValidation, and the upgrade's reply */
  const upgrading = new WeakMap<FastifyRequest, { session: Session | null; res: ServerResponse }>();
  if (opts.health) healthRoute(app, `${prefix}/health`, live, services.registry, routeConfig);

  app.get(`${prefix}/websocket`, {
    websocket: true,
    config: routeConfig,
    preValidation: async (req, reply) => {
      if (!originAllowed(req)) return reply.code(403).send({ error: "origin not allowed" });
      const session = await sessions.load(req).catch(() => null);
      upgrading.set(req, { session, res: reply.raw });
      // a session cooling down after abuse is refused before the upgrade: no frame of it is read.
      // The answer waits (at most a close grace) so a client reconnecting at once is no faster
      // than one whose socket was refused after the upgrade
      const left = session ? caps.cooldown.left(session.id) : 0;
      if (!left) return;
      await new Promise((r) => setTimeout(r, Math.min(left, SHUT_GRACE_MS)));
      return reply.code(429).header("retry-after", Math.ceil(left / 1000)).send({ error: "too many refused frames: retry later" });
    },
  }, async (socket, req) => {
    const upgrade = upgrading.get(req);
    // @fastify/websocket gave the TCP socket to the upgrade's HTTP reply (assignSocket), which
    // keeps the request, the reply and fastify's closures for the socket's whole life (about
    // 4 KiB per connection): once upgraded, the socket belongs to ws alone
    if (upgrade?.res.socket) upgrade.res.detachSocket(upgrade.res.socket);
    upgrading.delete(req);
    if ((req.query as Record<string, string>).v !== PROTOCOL_VERSION) {
      return socket.close(CLOSE_BAD_VERSION, `protocol version ${PROTOCOL_VERSION} required`);
    }
    const session = upgrade?.session;
    if (!session) return socket.close(CLOSE_UNAUTHORIZED, "no session");
    const proto = req.headers["x-forwarded-proto"] === "https" || req.protocol === "https" ? "https" : "http";
    new LiveSocket(socket, session, `${proto}://${req.headers.host}`, services, limits, live, authority, caps, idle);
  });

  const renderPage: WeftServer["renderPage"] = async (req, reply, cls, ro = {}) => {
    // a page of the app's own route gets weft's headers too (helmet's reply decorator applies them)
    if (routeHelmet && (req.routeOptions.config as { helmet?: unknown } | undefined)?.helmet === undefined && typeof reply.helmet === "function") {
      const { enableCSPNonces: _nonces, ...headers } = routeHelmet;
      reply.helmet(headers as Parameters<FastifyReply["helmet"]>[0]);
    }
    const session = await sessions.ensure(req, reply);
    const url = new URL(req.url, `${req.protocol}://${req.headers.host ?? "localhost"}`);
    let title: string | undefined;
    let assigned = false;
    const props = ro.props ?? {};
    const body = await renderDisconnected(services, cls, {
      session,
      url,
      domId: newDomId(),
      props,
      onView: (v) => {
        title = pageTitleOf(v, ro, props);
        assigned = typeof (v.assigns as { pageTitle?: unknown }).pageTitle === "string";
      },
      prepare: ro.prepare,
    });
    const extra = ro.layoutData ? await ro.layoutData(req, reply, session) : {};
    // layouts may hold nested views too (a status banner, a notifications bell)
    const inLayout = new Children(services, "lv-layout", session, false);
    const html = templates.render(ro.layout ?? opts.layout ?? DEFAULT_LAYOUT, {
      ...layoutData,
      title,
      ...extra,
      // the view's pageTitle assign wins over the layout data's title too
      ...(assigned ? { title } : {}),
      head,
      body,
      liveRender: inLayout.liveRender,
    });
    return inlineChildren(services, html, inLayout, { session, url });
  };

  app.decorate("weft", {
    services,
    limits,
    sessions,
    layoutData,
    register: (cls: LiveViewClass) => services.registry.register(cls),
    renderPage,
    asset: (fileName: string, body: Buffer | string, type: string) => {
      const a = hashedAsset(prefix, fileName, Buffer.from(body), type);
      serve(a);
      return a.url;
    },
    connectedViews: () => live.size,
    endSession: (id: string) => authority.endSession(id),
    sessionsChanged: (who: { userId?: string | number; sessionId?: string }) => authority.sessionsChanged(who),
    secureRoutes: (scope: FastifyInstance) => {
      if (!routeHelmet) return;
      scope.addHook("onRoute", (route) => {
        if ((route.config as { helmet?: unknown } | undefined)?.helmet === undefined) route.config = { ...route.config, helmet: routeHelmet } as typeof route.config;
      });
    },
  } satisfies WeftServer);

  app.decorate("liveSession", function (this: FastifyInstance, name: string, so: LiveSessionOptions, fn?: (s: LiveSessionScope) => void) {
    routes.declare(name, so.onMount === undefined ? [] : [so.onMount].flat());
    const defaults: LiveRouteOptions = { layout: so.layout, layoutData: so.layoutData, liveSession: name };
    fn?.({ live: (path, cls, ro = {}) => this.live(path, cls, { ...defaults, ...ro, liveSession: name }) });
  });

  app.decorate("live", function (this: FastifyInstance, path: string, cls: LiveViewClass, ro: LiveRouteOptions = {}) {
    services.registry.register(cls);
    const session = ro.liveSession === undefined ? routes.implicit("\0default") : routes.sessionNamed(ro.liveSession);
    routes.add(this.prefix + path, { cls, session, title: ro.title, layout: ro.layout === undefined ? undefined : String(ro.layout) });
    this.get(path, { config: routeConfig }, async (req, reply) => {
      try {
        const html = await renderPage(req, reply, cls, { ...ro, props: req.params as Record<string, string> });
        return reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
      } catch (err) {
        const status = err instanceof UnauthorizedError ? 403 : err instanceof NotFoundError ? 404 : 0;
        if (status && ro.errorPage) return ro.errorPage(status as 403 | 404, req, reply);
        if (err instanceof UnauthorizedError) return reply.code(403).type("text/plain").send("Forbidden");
        if (err instanceof NotFoundError) return reply.code(404).type("text/plain").send("Not found");
        throw err;
      }
    });
  });
}

/**
 * The Weft fastify plugin: LiveView routes (`app.live`), the WebSocket endpoint and the
 * browser runtime. Register it once, at the top level, after any @fastify/cookie,
 * @fastify/websocket or @fastify/helmet of the app's (weft reuses them):
 *
 * @example
 * await app.register(weft, { secret: process.env.WEFT_SECRET!, views: join(here, "views") });
 * app.live("/counter", Counter);
 *
 * @throws at registration, a {@link WeftError}: `WEFT_ERR_SECRET_MISSING`,
 *   `WEFT_ERR_SECRET_TOO_SHORT`, `WEFT_ERR_INVALID_OPTION` (see {@link WeftOptions}),
 *   `WEFT_ERR_ALREADY_REGISTERED` (a second registration on the same server),
 *   `WEFT_ERR_HELMET_CONFLICT`, `WEFT_ERR_CLIENT_NOT_BUILT`
 */
export const weft = fp(weftPlugin, { name: "weft", fastify: "5.x" });

/** A random secret for development and tests (48 base64url characters). */
export function randomSecret(): string {
  return randomBytes(36).toString("base64url");
}
