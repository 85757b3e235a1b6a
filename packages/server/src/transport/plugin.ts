import { randomBytes } from "node:crypto";
import fastifyCookie from "@fastify/cookie";
import fastifyHelmet, { type FastifyHelmetOptions } from "@fastify/helmet";
import fastifyWebsocket from "@fastify/websocket";
import { A_SOCKET, CLOSE_BAD_VERSION, CLOSE_UNAUTHORIZED, PROTOCOL_VERSION } from "@weft/client/protocol";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { NotFoundError, UnauthorizedError } from "../live/mount.js";
import { ViewRegistry } from "../live/registry.js";
import type { ViewRuntime } from "../live/runtime.js";
import type { LiveServices } from "../live/services.js";
import type { LiveViewClass } from "../live/view.js";
import type { Session } from "../live/types.js";
import { MemoryChannelLayer } from "../pubsub/memory.js";
import type { ChannelLayer } from "../pubsub/channel-layer.js";
import { inlineChildren, newDomId, renderDisconnected } from "../live/page.js";
import { Children } from "../live/children.js";
import { Templates } from "../render/templates.js";
import { clientAsset, hashedAsset, type Asset } from "./assets.js";
import { LiveSocket } from "./socket.js";
import { defaultLimits, type Limits } from "./limits.js";
import { cookieSessions, type SessionProvider } from "./session.js";
import { TokenSigner } from "../live/token.js";

/** Options of the Weft fastify plugin. */
export interface WeftOptions {
  /** HMAC key for view tokens and the session cookie: >= 32 characters, the same on every worker. */
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
  /** per-socket limits; see docs/protocol.md */
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
   * Security headers through @fastify/helmet, for every route of the app (default on, with
   * {@link WEFT_CSP_DIRECTIVES}: no inline script or style, same-origin socket, never framed).
   * `false` leaves headers to the app; an object is merged over weft's helmet options (give
   * `contentSecurityPolicy.directives` to change the policy).
   */
  helmet?: false | FastifyHelmetOptions;
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

/** weft's helmet options: {@link WEFT_CSP_DIRECTIVES}, never framed, no referrer off-site. */
function helmetOptions(extra: FastifyHelmetOptions | undefined): FastifyHelmetOptions {
  const directives = Object.fromEntries(Object.entries(WEFT_CSP_DIRECTIVES).map(([k, v]) => [k, [...v]]));
  return {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "same-origin" },
    ...extra,
  } as FastifyHelmetOptions;
}

/** Options of one live route. */
export interface LiveRouteOptions {
  /** page title (default: the view's `static title`, else "Weft") */
  title?: string;
  /** layout template for this route (default: the plugin's) */
  layout?: string | URL;
  /** per-request layout data (the user, navigation…), merged over the plugin's `layoutData` */
  layoutData?: (req: FastifyRequest, reply: FastifyReply, session: Session) => Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** What the plugin adds to the fastify instance as `app.weft`. */
export interface WeftServer {
  services: LiveServices;
  limits: Limits;
  /** data merged into every layout render (e.g. stylesheet URLs from {@link WeftServer.asset}) */
  layoutData: Record<string, unknown>;
  /** registers a view class (for `liveRender("id")` by id); returns its id */
  register(cls: LiveViewClass): string;
  /** renders a full page around a view, for custom routes */
  renderPage(req: FastifyRequest, reply: FastifyReply, cls: LiveViewClass, opts?: LiveRouteOptions & { props?: Record<string, string> }): Promise<string>;
  /**
   * Serves `body` under a content-hashed URL below the prefix with immutable caching
   * (stylesheets, images). Call before the server starts listening.
   * @returns the URL path to link to
   */
  asset(fileName: string, body: Buffer | string, type: string): string;
  /** views currently connected in this process */
  connectedViews(): number;
}

declare module "fastify" {
  interface FastifyInstance {
    weft: WeftServer;
    /**
     * Mounts a LiveView on a GET route (as Phoenix's `live "/path", View`): the HTTP request
     * gets the full page, the browser then joins over the WebSocket.
     */
    live(path: string, cls: LiveViewClass, opts?: LiveRouteOptions): void;
  }
}

const DEFAULT_LAYOUT = new URL("../../src/render/layout.eta", import.meta.url);

async function weftPlugin(app: FastifyInstance, opts: WeftOptions): Promise<void> {
  const prefix = (opts.prefix ?? "/live").replace(/\/$/, "");
  const limits: Limits = { ...defaultLimits, ...opts.limits };
  const dev = opts.dev ?? process.env.NODE_ENV === "development";
  const templates = new Templates(opts.views, dev);
  const services: LiveServices = {
    registry: new ViewRegistry(),
    templates,
    signer: new TokenSigner(opts.secret, opts.tokenTtlMs),
    pubsub: opts.pubsub ?? new MemoryChannelLayer((err) => app.log.error({ err }, "weft: subscriber failed")),
    context: opts.context ?? {},
    log: app.log,
  };
  const sessions = opts.sessions ?? cookieSessions;
  const live = new Set<ViewRuntime>();
  const layoutData: Record<string, unknown> = { ...opts.layoutData };
  const asset = clientAsset(prefix);
  const head = `<meta name="${A_SOCKET}" content="${prefix}/websocket">\n<script defer src="${asset.url}"></script>`;

  if (!app.hasDecorator("parseCookie")) await app.register(fastifyCookie, { secret: opts.secret });
  if (opts.helmet !== false && !app.hasReplyDecorator("helmet")) await app.register(fastifyHelmet, helmetOptions(opts.helmet));
  await app.register(fastifyWebsocket, { options: { maxPayload: limits.maxFrameBytes } });

  templates.onChange(() => {
    for (const v of live) v.rerender();
  });
  app.addHook("onClose", async () => {
    templates.close();
    if (!opts.pubsub) await services.pubsub.close();
  });

  const serve = (a: Asset) =>
    app.get(a.url, (_req, reply) => {
      reply.header("cache-control", "public, max-age=31536000, immutable").type(a.type).send(a.body);
    });
  serve(asset);

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

  app.get(`${prefix}/websocket`, {
    websocket: true,
    preValidation: async (req, reply) => {
      if (!originAllowed(req)) return reply.code(403).send({ error: "origin not allowed" });
    },
  }, async (socket, req) => {
    if ((req.query as Record<string, string>).v !== PROTOCOL_VERSION) {
      return socket.close(CLOSE_BAD_VERSION, `protocol version ${PROTOCOL_VERSION} required`);
    }
    const session = await sessions.load(req).catch(() => null);
    if (!session) return socket.close(CLOSE_UNAUTHORIZED, "no session");
    const proto = req.headers["x-forwarded-proto"] === "https" || req.protocol === "https" ? "https" : "http";
    new LiveSocket(socket, session, `${proto}://${req.headers.host}`, services, limits, live);
  });

  const renderPage: WeftServer["renderPage"] = async (req, reply, cls, ro = {}) => {
    const session = await sessions.ensure(req, reply);
    const url = new URL(req.url, `${req.protocol}://${req.headers.host ?? "localhost"}`);
    const body = await renderDisconnected(services, cls, { session, url, domId: newDomId(), props: ro.props ?? {} });
    const extra = ro.layoutData ? await ro.layoutData(req, reply, session) : {};
    // layouts may hold nested views too (a status banner, a notifications bell)
    const inLayout = new Children(services, "lv-layout", session, false);
    const html = templates.render(ro.layout ?? opts.layout ?? DEFAULT_LAYOUT, {
      ...layoutData,
      title: ro.title ?? cls.title ?? "Weft",
      ...extra,
      head,
      body,
      liveRender: inLayout.liveRender,
    });
    return inlineChildren(services, html, inLayout, { session, url });
  };

  app.decorate("weft", {
    services,
    limits,
    layoutData,
    register: (cls: LiveViewClass) => services.registry.register(cls),
    renderPage,
    asset: (fileName: string, body: Buffer | string, type: string) => {
      const a = hashedAsset(prefix, fileName, Buffer.from(body), type);
      serve(a);
      return a.url;
    },
    connectedViews: () => live.size,
  } satisfies WeftServer);

  app.decorate("live", function (this: FastifyInstance, path: string, cls: LiveViewClass, ro: LiveRouteOptions = {}) {
    services.registry.register(cls);
    this.get(path, async (req, reply) => {
      try {
        const html = await renderPage(req, reply, cls, { ...ro, props: req.params as Record<string, string> });
        return reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
      } catch (err) {
        if (err instanceof UnauthorizedError) return reply.code(403).type("text/plain").send("Forbidden");
        if (err instanceof NotFoundError) return reply.code(404).type("text/plain").send("Not found");
        throw err;
      }
    });
  });
}

/**
 * The Weft fastify plugin: LiveView routes (`app.live`), the WebSocket endpoint and the
 * browser runtime. Register it once, at the top level:
 *
 * @example
 * await app.register(weft, { secret: process.env.WEFT_SECRET!, views: join(here, "views") });
 * app.live("/counter", Counter);
 */
export const weft = fp(weftPlugin, { name: "weft", fastify: "5.x" });

/** A random secret for development and tests (48 base64url characters). */
export function randomSecret(): string {
  return randomBytes(36).toString("base64url");
}
