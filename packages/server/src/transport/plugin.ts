import { randomBytes } from "node:crypto";
import fastifyWebsocket from "@fastify/websocket";
import { A_SOCKET, A_UPLOAD } from "@weft/client/protocol";
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { NotFoundError, UnauthorizedError } from "../live/mount.js";
import { ViewRegistry } from "../live/registry.js";
import type { ViewRuntime } from "../live/runtime.js";
import type { LiveServices } from "../live/services.js";
import type { LiveView, LiveViewClass } from "../live/view.js";
import type { Session } from "../live/types.js";
import { MemoryChannelLayer } from "../pubsub/memory.js";
import { inlineChildren, newDomId, renderDisconnected } from "../live/page.js";
import { Children } from "../live/children.js";
import { Templates } from "../render/templates.js";
import { clientAsset, hashedAsset, type Asset } from "./assets.js";
import { healthRoute } from "./health.js";
import { KeyedCap } from "./caps.js";
import { IdleSweep } from "./idle.js";
import { AbuseCooldown } from "./cooldown.js";
import { defaultLimits, type Limits } from "./limits.js";
import { cookieSessions, type SessionProvider } from "./session.js";
import { defaultAuthority, SessionAuthority } from "./authority.js";
import { TokenSigner } from "../live/token.js";
import { LiveRoutes, pageTitleOf, type OnMount, type RouteTitle } from "../live/sessions.js";
import { weftError } from "../errors.js";
import { checkOptions, type WeftOptions } from "./options.js";
import { pageHelmet, registerHelmet, secureScope } from "./helmet.js";
import { registerCookies } from "./cookies.js";
import { socketRoute } from "./upgrade.js";

/** The fastify servers weft is registered on (once per server, whatever the scope). */
const registeredOn = new WeakSet<object>();

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

  await registerCookies(app, opts.secret);
  // @fastify/helmet: on weft's routes (route config), unless the user asks for it app-wide
  const routeHelmet = await registerHelmet(app, opts.helmet);
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

  if (opts.health) healthRoute(app, `${prefix}/health`, live, services.registry, routeConfig);
  socketRoute(app, `${prefix}/websocket`, { services, limits, sessions, live, authority, caps, idle, allowedOrigins: opts.allowedOrigins, config: routeConfig });

  const renderPage: WeftServer["renderPage"] = async (req, reply, cls, ro = {}) => {
    // a page of the app's own route gets weft's headers too
    pageHelmet(req, reply, routeHelmet);
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
      liveRender: inLayout.liveRender.bind(inLayout),
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
    secureRoutes: (scope: FastifyInstance) => secureScope(scope, routeHelmet),
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
