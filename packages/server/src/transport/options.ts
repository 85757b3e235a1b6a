/**
 * The Weft plugin's options, and their check at registration.
 */
import type { FastifyHelmetOptions } from "@fastify/helmet";
import type { ChannelLayer } from "../pubsub/channel-layer.js";
import { checkSecret } from "../live/token.js";
import { weftError } from "../errors.js";
import { defaultLimits, type Limits } from "./limits.js";
import type { SessionProvider } from "./session.js";
import { defaultAuthority, type AuthorityOptions } from "./authority.js";

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

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Checks the options' types at registration, so a mistake stops the start with a message that
 * names the fix instead of failing on the first request.
 * @throws WeftError `WEFT_ERR_SECRET_MISSING`, `WEFT_ERR_SECRET_TOO_SHORT`, `WEFT_ERR_INVALID_OPTION`
 */
export function checkOptions(opts: WeftOptions): void {
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
