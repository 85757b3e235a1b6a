/**
 * @weft/server — server-side LiveViews for TypeScript. See docs/liveview.md.
 */
export { LiveView, type LiveViewClass } from "./live/view.js";
export { on, type EventHandler, type Events, type Params, type Payload, type Session, type StandardSchema, type ValidatedHandler, type WeftContext } from "./live/types.js";
export { NotFoundError, UnauthorizedError } from "./live/mount.js";
export type { ChildProps } from "./live/children.js";
export type { Logger } from "./live/services.js";
export { weft, randomSecret, WEFT_CSP_DIRECTIVES, type WeftOptions, type WeftServer, type LiveRouteOptions } from "./transport/plugin.js";
export { cookieSessions, SESSION_COOKIE, type SessionProvider } from "./transport/session.js";
export { defaultLimits, type Limits } from "./transport/limits.js";
export { TokenSigner, TokenError, type ViewClaims } from "./transport/token.js";
export { ChannelLayerUnavailableError, type ChannelLayer, type MessageHandler } from "./pubsub/channel-layer.js";
export { MemoryChannelLayer } from "./pubsub/memory.js";
export { RedisChannelLayer, type RedisChannelLayerOptions, type RedisLayerStatus } from "./pubsub/redis.js";
export * from "./jobs/index.js";
export { diff, encodeUpdate } from "./render/diff.js";
export * from "./admin/index.js";
