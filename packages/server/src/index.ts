/**
 * @weft/server — server-side LiveViews for TypeScript: what a user writing views needs.
 * See docs/liveview.md. The rest is behind subpath exports: `@weft/server/pubsub` (channel
 * layers), `/jobs` (background jobs with progress), `/transport` (security headers, limits,
 * sessions, assets), `/render` (Eta templates), `/testing` (mountLive, a private Redis).
 * Every error thrown at a developer is a {@link WeftError} with a `code` from
 * {@link weftErrorCodes}; the channel layer's and the jobs' own error classes are exported by
 * `/pubsub` and `/jobs`.
 * @packageDocumentation
 */
export { LiveView, type LiveViewClass } from "./live/view.js";
export { LiveComponent, type LiveComponentClass, type ComponentProps } from "./live/component.js";
export { AsyncResult, AsyncCancelledError, type AsyncOutcome, type AsyncValue } from "./live/async.js";
export { JS, type JSOp, type JSShow, type JSTarget, type JSTransition } from "./live/js.js";
export { on, type EventHandler, type Events, type Params, type Payload, type Session, type StandardSchema, type ValidatedHandler, type WeftContext } from "./live/types.js";
export { NotFoundError, UnauthorizedError } from "./live/mount.js";
export type { UploadEntry, UploadError, UploadErrorCode, UploadOptions, UploadState } from "./live/upload.js";
export type { StreamConfig, StreamOptions } from "./live/streams.js";
export { weftChannels, type WeftTraceContext } from "./live/telemetry.js";
export { WeftError, weftErrorCodes, type WeftErrorCode } from "./errors.js";
export type { ChildProps } from "./live/children.js";
export type { Logger } from "./live/services.js";
export { weft, randomSecret, type WeftServer, type LiveRouteOptions, type LiveSessionOptions, type LiveSessionScope } from "./transport/plugin.js";
export type { WeftOptions } from "./transport/options.js";
export type { OnMount, RouteTitle } from "./live/sessions.js";
export type { SessionProvider } from "./transport/session.js";
export type { Limits } from "./transport/limits.js";
export type { ChannelLayer, MessageHandler } from "./pubsub/channel-layer.js";
