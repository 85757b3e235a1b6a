/**
 * The client → server half of the wire codec (protocol v1): the frames the browser sends, as
 * labelled tuples, and the constructors that are the only code building them. The browser
 * runtime imports these (through `./codec.js`); docs/protocol.md says what each frame means.
 */
import {
  C_CHUNK, C_EVENT, C_HEARTBEAT, C_JOIN, C_LEAVE, C_NAVIGATE, C_PARAMS, C_UPLOAD, S_HEARTBEAT,
} from "./protocol.js";

/** A JSON object sent as an event payload (`lv-value-*`, form values, hook payloads). */
export type Payload = Record<string, unknown>;

/** Form recovery on a rejoin: one `form[id][lv-change]`'s change event name and its values. */
export type FormState = [event: string, values: Payload];

/**
 * `join`: mount the view named by `token` as `ref`; `forms` only on a rejoin (else null when a
 * hash follows); `hash` is {@link htmlHash} of the HTML the root holds.
 */
export type JoinFrame = [type: typeof C_JOIN, ref: number, token: string, url: string, forms?: FormState[] | null, hash?: string];
/** `leave`: the view's root left the page. */
export type LeaveFrame = [type: typeof C_LEAVE, ref: number];
/** `event`: call the view's handler `name`; `seq` is increasing per socket; `target` names a component of the view (`lv-target`). */
export type EventFrame = [type: typeof C_EVENT, ref: number, seq: number, name: string, payload: Payload, target?: string];
/** `params`: the URL changed without a reload. */
export type ParamsFrame = [type: typeof C_PARAMS, ref: number, url: string];
/**
 * `navigate`: replace top-level view `ref` with the live route of `url`, mounted as view `next`
 * (a fresh ref, so late frames of the old view never reach the new one).
 */
export type NavigateFrame = [type: typeof C_NAVIGATE, ref: number, next: number, url: string];
/** `heartbeat`, both ways (`C_HEARTBEAT` and `S_HEARTBEAT` are the same string). */
export type HeartbeatFrame = [type: typeof C_HEARTBEAT & typeof S_HEARTBEAT];

/** One file chosen for an upload: the entry's ref (chosen by the client, unique per page), file name, size in bytes, MIME type. */
export type UploadFile = [entry: number, name: string, size: number, type: string];
/** `upload`: files chosen (or dropped) for the view's upload `name`. */
export type UploadFrame = [type: typeof C_UPLOAD, ref: number, name: string, files: UploadFile[]];
/** `chunk`: the slice of entry `entry` the server asked for, base64. */
export type ChunkFrame = [type: typeof C_CHUNK, ref: number, entry: number, data: string];

/** Every frame the browser sends, as it is on the wire. */
export type ClientFrame = JoinFrame | LeaveFrame | EventFrame | ParamsFrame | NavigateFrame | HeartbeatFrame | UploadFrame | ChunkFrame;

/**
 * A short hash of a view's inner HTML, over its UTF-16 code units: a 32-bit FNV-1a lane and a
 * 32-bit djb2 lane, as signed decimals joined by ".". What a join sends so the server can
 * answer "unchanged" ({@link unchangedFrame}) when its connected render is the HTML the root
 * already holds. Not a secret and not trusted: a hash that matches only spares the HTML, and
 * the client's base for later deltas is then the HTML it hashed.
 * @param html - the HTML, as the browser serializes the root's children (`innerHTML`), or as
 *   the server rendered it
 * @returns e.g. "-1223436233.1958402351" (at most 23 characters)
 */
export const htmlHash = (html: string) => {
  let a = -2128831035, b = 5381;
  for (let i = 0; i < html.length; i++) {
    const c = html.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = (b * 33 + c) | 0;
  }
  return a + "." + b;
};

/**
 * Builds a `join` frame.
 * @param ref - the view's ref on this socket (positive integer, chosen by the client)
 * @param token - the root's signed `lv-token`
 * @param url - the page's URL (`location.href`)
 * @param forms - on a rejoin only: the root's forms for recovery (an empty list is still sent)
 * @param html - the root's inner HTML now: its {@link htmlHash} goes with the join
 * @returns `["j", ref, token, url]`, `["j", ref, token, url, forms]`, or with `html`
 *   `["j", ref, token, url, forms | null, hash]`
 */
export const joinFrame = (ref: number, token: string, url: string, forms?: FormState[], html?: string): JoinFrame =>
  html != null ? [C_JOIN, ref, token, url, forms || null, htmlHash(html)] : forms ? [C_JOIN, ref, token, url, forms] : [C_JOIN, ref, token, url];

/**
 * Builds a `leave` frame.
 * @param ref - the view that left
 * @returns `["l", ref]`
 */
export const leaveFrame = (ref: number): LeaveFrame => [C_LEAVE, ref];

/**
 * Builds an `event` frame.
 * @param ref - the view the event is for
 * @param seq - the event's number (positive, increasing per socket); the reply names it
 * @param name - the handler to call
 * @param payload - the event's data (a JSON object)
 * @param target - the component the event is for (the `lv-target` of the element that carries the binding); omitted for the view itself
 * @returns `["e", ref, seq, name, payload]` or `["e", ref, seq, name, payload, target]`
 */
export const eventFrame = (ref: number, seq: number, name: string, payload: Payload, target?: string | null): EventFrame =>
  target ? [C_EVENT, ref, seq, name, payload, target] : [C_EVENT, ref, seq, name, payload];

/**
 * Builds a `params` frame.
 * @param ref - a top-level view
 * @param url - the page's new URL
 * @returns `["p", ref, url]`
 */
export const paramsFrame = (ref: number, url: string): ParamsFrame => [C_PARAMS, ref, url];

/**
 * Builds a `navigate` frame (live navigation, as Phoenix's `live_redirect`).
 * @param ref - the top-level view to leave
 * @param next - the ref of the view that replaces it (positive, unused on this socket)
 * @param url - the URL to navigate to (same origin)
 * @returns `["n", ref, next, url]`
 */
export const navigateFrame = (ref: number, next: number, url: string): NavigateFrame => [C_NAVIGATE, ref, next, url];

/**
 * Builds an `upload` frame.
 * @param ref - the view
 * @param name - the upload's name (the input's `lv-upload`)
 * @param files - one `[entry, name, size, type]` per file
 * @returns `["f", ref, name, files]`
 */
export const uploadFrame = (ref: number, name: string, files: UploadFile[]): UploadFrame => [C_UPLOAD, ref, name, files];

/**
 * Builds a `chunk` frame.
 * @param ref - the view
 * @param entry - the entry's ref
 * @param data - the slice's bytes, base64
 * @returns `["c", ref, entry, data]`
 */
export const chunkFrame = (ref: number, entry: number, data: string): ChunkFrame => [C_CHUNK, ref, entry, data];

/**
 * Builds a heartbeat (sent by the client, answered by the server with the same frame).
 * @returns `["h"]`
 */
export const heartbeatFrame = (): HeartbeatFrame => [C_HEARTBEAT];
