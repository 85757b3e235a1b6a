import type { Payload } from "@weft/client/codec";
import type { ChannelLayer } from "../pubsub/channel-layer.js";

export type { Payload };

/** URL parameters: route params and query string, as Phoenix's `params`. Repeated keys keep the last value. */
export type Params = Record<string, string>;

/** The session a view is mounted for. `id` is what view tokens are bound to. */
export interface Session {
  id: string;
  /**
   * The user the session is logged in as, if any: session authority reaches every socket of a
   * user by it (`app.weft.sessionsChanged({ userId })`).
   */
  userId?: string | number;
  /** When the session ends, ms since the epoch: a socket holding it re-checks it then (and closes with 4403 when it ended). */
  expiresAt?: number;
  [key: string]: unknown;
}

/** What every view sees as `this.ctx`, beside the application context passed to the plugin. */
export interface WeftContext {
  /** false during the HTTP render, true once the browser joined over the WebSocket */
  connected: boolean;
  /** the page URL (for a nested view: its parent page's URL) */
  url: URL;
  /** the channel layer (pubsub and key/value) */
  pubsub: ChannelLayer;
}

/**
 * A validator following the Standard Schema spec (zod 3.24+, zod 4, valibot 1 implement it),
 * so payload schemas can come from any of those libraries.
 */
export interface StandardSchema<Out = unknown> {
  readonly "~standard": {
    validate(value: unknown):
      | { value: Out; issues?: undefined }
      | { issues: ReadonlyArray<{ message: string }> }
      | Promise<{ value: Out; issues?: undefined } | { issues: ReadonlyArray<{ message: string }> }>;
  };
}

/** An event handler with a payload schema, made by {@link on}. */
export interface ValidatedHandler<T = unknown> {
  readonly schema: StandardSchema<T>;
  readonly handle: (payload: T) => unknown;
}

/**
 * One entry of a view's `events`: a function of the raw payload, or a validated handler.
 * A handler that returns `{ reply: { … } }` (a plain object) sends that object back with the
 * event's reply frame, to the client hook's `pushEvent(name, payload, onReply)`, as Phoenix's
 * `{:reply, map, socket}`; any other return value is ignored. A `reply` that is not a plain
 * object fails the event (`WEFT_ERR_INVALID_REPLY`, logged; the browser gets `server_error`).
 */
export type EventHandler = ((payload: Payload) => unknown) | ValidatedHandler<any>;

/** The events a view declares; nothing else can be called from the browser. */
export type Events = Record<string, EventHandler>;

/**
 * Declares an event handler whose payload is validated first (zod, valibot, any Standard Schema).
 * A payload the schema rejects never reaches `handle`: the client gets an `invalid_payload` error.
 *
 * @example events = { search: on(z.object({ q: z.string().max(100) }), ({ q }) => this.assign({ q })) }
 */
export function on<T>(schema: StandardSchema<T>, handle: (payload: T) => unknown): ValidatedHandler<T> {
  return { schema, handle };
}
