/**
 * The server → client half of the wire codec (protocol v1): the frames a server sends, as
 * labelled tuples, and the constructors that are the only code building them. The browser
 * runtime imports only the {@link ServerFrame} type; docs/protocol.md says what each frame means.
 */
import type { Delta } from "./protocol.js";
import {
  S_CHUNK_NEXT, S_DELTA, S_ERROR, S_MOUNTED, S_NAVIGATE, S_PATCH, S_PUSH, S_REDIRECT, S_RENDERED, S_REPLY, S_REPLY_DELTA,
  S_REPLY_RENDERED, S_STREAM, S_TITLE, S_UNCHANGED,
} from "./protocol.js";
import type { HeartbeatFrame, Payload } from "./codec-client.js";

/**
 * What a render sends, as the server's renderer returns it: the view's new inner HTML
 * (a string) or a delta against the last HTML sent (an array). The frame constructors
 * turn it into a frame whose type says which it is (`r` / `d`, `ar` / `ad`); the wire
 * never leaves it to the reader to tell them apart.
 */
export type Update = string | Delta;

/** `rendered`: the view's full inner HTML. */
export type RenderedFrame = [type: typeof S_RENDERED, ref: number, html: string];
/** `unchanged`: the answer to a join whose hash is the connected render's: the root keeps its HTML, which is the base of the next delta. */
export type UnchangedFrame = [type: typeof S_UNCHANGED, ref: number];
/** `delta`: splices against the last HTML sent for the view. */
export type DeltaFrame = [type: typeof S_DELTA, ref: number, delta: Delta];
/**
 * `reply`: event `seq` is done and caused no render (or its render is held back). Every reply
 * ends with the handler's reply value when it returned one (`{ reply: {…} }`), for the hook
 * that pushed the event (`pushEvent(name, payload, onReply)`), as Phoenix's `{:reply, map, socket}`.
 */
export type ReplyFrame = [type: typeof S_REPLY, ref: number, seq: number, reply?: Payload];
/** `reply` with a render: event `seq` is done; `html` is the view's new inner HTML. */
export type ReplyRenderedFrame = [type: typeof S_REPLY_RENDERED, ref: number, seq: number, html: string, reply?: Payload];
/** `reply` with a delta: event `seq` is done; `delta` is the render it caused. */
export type ReplyDeltaFrame = [type: typeof S_REPLY_DELTA, ref: number, seq: number, delta: Delta, reply?: Payload];
/** `patch`: the server ran `handleParams` for `url`; the client only updates the address bar. */
export type PatchFrame = [type: typeof S_PATCH, ref: number, url: string, replace: 0 | 1];
/** `redirect`: full page navigation. */
export type RedirectFrame = [type: typeof S_REDIRECT, ref: number, url: string];
/** `push`: an event for the view's client hooks. */
export type PushFrame = [type: typeof S_PUSH, ref: number, event: string, payload: Payload];
/** `next chunk`: send `length` bytes of entry `entry` from byte `offset`; length 0: send no more of it. */
export type ChunkNextFrame = [type: typeof S_CHUNK_NEXT, ref: number, entry: number, offset: number, length: number];
/** `error`: `ref` 0 for socket-level errors; `seq` names the event that failed. */
export type ErrorFrame = [type: typeof S_ERROR, ref: number, code: string, message: string, seq?: number];

/** `navigate` instruction: the client live-navigates to `url` (pushing, or replacing, a history entry). */
export type GoFrame = [type: typeof S_NAVIGATE, ref: number, url: string, replace: 0 | 1];
/**
 * `mounted`: the answer to a `navigate` frame: the new top-level view `ref`, its document title,
 * its root's DOM id, view id and token (set on the kept root element), and its full inner HTML.
 */
export type MountedFrame = [type: typeof S_MOUNTED, ref: number, html: string, title: string, id: string, view: string, token: string];
/** `title`: the document title is now `title` (the view's `pageTitle` assign changed). */
export type TitleFrame = [type: typeof S_TITLE, ref: number, title: string];
/**
 * One insert of a stream frame: the item's DOM id, where it goes (`-1` the end, `0` the start,
 * `n` before the n-th child), its HTML (one element), and an optional limit (as Phoenix's:
 * `n > 0` keeps the first n children, `n < 0` the last -n).
 */
export type StreamInsert = [domId: string, at: number, html: string, limit?: number];
/** `stream`: for the container `[lv-stream=name]`: clear it if `reset`, delete `deletes` by DOM id, then apply `inserts` in order. */
export type StreamFrame = [type: typeof S_STREAM, ref: number, name: string, reset: 0 | 1, deletes: string[], inserts: StreamInsert[]];

/** Every frame the server sends, as it is on the wire. */
export type ServerFrame =
  | StreamFrame
  | RenderedFrame
  | UnchangedFrame
  | DeltaFrame
  | ReplyFrame
  | ReplyRenderedFrame
  | ReplyDeltaFrame
  | PatchFrame
  | RedirectFrame
  | PushFrame
  | ChunkNextFrame
  | ErrorFrame
  | GoFrame
  | MountedFrame
  | TitleFrame
  | HeartbeatFrame;

/**
 * Builds a `rendered` frame (the answer to a join).
 * @param ref - the view
 * @param html - its full inner HTML
 * @returns `["r", ref, html]`
 */
export const renderedFrame = (ref: number, html: string): RenderedFrame => [S_RENDERED, ref, html];

/**
 * Builds an `unchanged` frame (the answer to a join whose hash matched the render).
 * @returns `["=", ref]`
 */
export const unchangedFrame = (ref: number): UnchangedFrame => [S_UNCHANGED, ref];

/**
 * Builds the frame for a render outside an event: `rendered` for HTML, `delta` for a delta.
 * @param ref - the view
 * @param update - what the renderer returned
 * @returns `["r", ref, html]` or `["d", ref, delta]`
 */
export const updateFrame = (ref: number, update: Update): RenderedFrame | DeltaFrame =>
  typeof update == "string" ? [S_RENDERED, ref, update] : [S_DELTA, ref, update];

/**
 * Builds a reply: the event is done, with the render it caused if any; the frame type says
 * which kind of render it carries.
 * @param ref - the view
 * @param seq - the event's seq
 * @param update - the render the event caused (HTML or delta), or undefined when nothing changed
 *   or the render is held back
 * @param reply - the handler's reply value, if it returned one (appended as the last field)
 * @returns `["a", ref, seq]`, `["ar", ref, seq, html]` or `["ad", ref, seq, delta]`, each
 *   followed by `reply` when given
 */
export const replyFrame = (ref: number, seq: number, update?: Update, reply?: Payload): ReplyFrame | ReplyRenderedFrame | ReplyDeltaFrame => {
  const f: ReplyFrame | ReplyRenderedFrame | ReplyDeltaFrame =
    update === undefined
      ? [S_REPLY, ref, seq]
      : typeof update == "string"
        ? [S_REPLY_RENDERED, ref, seq, update]
        : [S_REPLY_DELTA, ref, seq, update];
  if (reply) (f as unknown[]).push(reply);
  return f;
};

/**
 * Builds a `patch` frame.
 * @param ref - the view
 * @param url - the new path, query and hash
 * @param replace - replace the history entry instead of pushing one
 * @returns `["t", ref, url, 0 | 1]`
 */
export const patchFrame = (ref: number, url: string, replace: boolean): PatchFrame => [S_PATCH, ref, url, replace ? 1 : 0];

/**
 * Builds a `redirect` frame.
 * @param ref - the view
 * @param url - where the page goes
 * @returns `["x", ref, url]`
 */
export const redirectFrame = (ref: number, url: string): RedirectFrame => [S_REDIRECT, ref, url];

/**
 * Builds a `push` frame.
 * @param ref - the view
 * @param event - the event name the view's hooks listen to (`handleEvent`)
 * @param payload - its data
 * @returns `["u", ref, event, payload]`
 */
export const pushFrame = (ref: number, event: string, payload: Payload): PushFrame => [S_PUSH, ref, event, payload];

/**
 * Builds a `navigate` instruction (`pushNavigate`, or a patch whose URL is another route's).
 * @param ref - the view
 * @param url - where the client navigates (path, query and hash)
 * @param replace - replace the history entry instead of pushing one
 * @returns `["g", ref, url, 0 | 1]`
 */
export const goFrame = (ref: number, url: string, replace: boolean): GoFrame => [S_NAVIGATE, ref, url, replace ? 1 : 0];

/**
 * Builds a `mounted` frame: live navigation's answer.
 * @param ref - the new view's ref (the `next` of the `navigate` frame)
 * @param html - its full inner HTML
 * @param title - the document title (the client adds the `<title>`'s `data-prefix` / `data-suffix`)
 * @param id - the root's new DOM id
 * @param view - the root's new `lv-view` (registered view id)
 * @param token - the root's new `lv-token` (for rejoins)
 * @returns `["m", ref, html, title, id, view, token]`
 */
export const mountedFrame = (ref: number, html: string, title: string, id: string, view: string, token: string): MountedFrame =>
  [S_MOUNTED, ref, html, title, id, view, token];

/**
 * Builds a `title` frame.
 * @param ref - the view whose `pageTitle` changed
 * @param title - the new title (without the layout's prefix / suffix)
 * @returns `["ti", ref, title]`
 */
export const titleFrame = (ref: number, title: string): TitleFrame => [S_TITLE, ref, title];

/**
 * Builds a `next chunk` frame.
 * @param ref - the view
 * @param entry - the upload entry's ref
 * @param offset - the first byte wanted
 * @param length - how many bytes (0: the entry is done, cancelled or refused; send no more)
 * @returns `["k", ref, entry, offset, length]`
 */
export const chunkNextFrame = (ref: number, entry: number, offset: number, length: number): ChunkNextFrame => [S_CHUNK_NEXT, ref, entry, offset, length];

/**
 * Builds a `stream` frame: one stream's operations since the last render.
 * @param ref - the view
 * @param name - the stream (its container is `[lv-stream=name]` in the view)
 * @param reset - clear the container first
 * @param deletes - DOM ids to remove
 * @param inserts - items to insert or update in place, in order
 * @returns `["s", ref, name, 0 | 1, deletes, inserts]`
 */
export const streamFrame = (ref: number, name: string, reset: boolean, deletes: string[], inserts: StreamInsert[]): StreamFrame => [
  S_STREAM, ref, name, reset ? 1 : 0, deletes, inserts,
];

/**
 * Builds an `error` frame.
 * @param ref - the view, or 0 for a socket-level error
 * @param code - one of the `E_…` codes of `./protocol.js`
 * @param message - a generic message (details stay in the server log)
 * @param seq - the event that failed, if the error answers one
 * @returns `["!", ref, code, message]` or `["!", ref, code, message, seq]`
 */
export const errorFrame = (ref: number, code: string, message: string, seq?: number): ErrorFrame =>
  seq === undefined ? [S_ERROR, ref, code, message] : [S_ERROR, ref, code, message, seq];
