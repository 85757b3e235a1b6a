/**
 * The Weft wire codec (protocol v1): the one module that knows the layout of every frame,
 * in both directions. docs/protocol.md says what each frame means.
 *
 * - On the wire a frame is a JSON array `[type, ...fields]`. Its TypeScript type here is a
 *   labelled tuple ({@link ClientFrame}, {@link ServerFrame}); the constructors below
 *   (`joinFrame(…)`, `replyFrame(…)`, …) are the only code that builds one, and
 *   {@link encodeFrame} writes it.
 * - Reading turns a frame into an object with named fields ({@link ClientMessage},
 *   {@link ServerMessage}). {@link decodeClientFrame} is the server's strict reader (limits
 *   on names, URLs, nesting); {@link decodeServerFrame} reads what a server sends, for code
 *   outside the browser (tests, benchmarks, the testing helper).
 * - The browser runtime imports only the client-frame constructors and, for its frame
 *   handler, the {@link ServerFrame} type; esbuild drops the rest of this module from the
 *   bundle.
 *
 * The type names (`S_…`, `C_…`) are constants of `./protocol.js`.
 */
import type { Delta } from "./protocol.js";
import {
  C_CHUNK, C_EVENT, C_HEARTBEAT, C_JOIN, C_LEAVE, C_NAVIGATE, C_PARAMS, C_UPLOAD, S_CHUNK_NEXT, S_DELTA, S_ERROR, S_HEARTBEAT,
  S_MOUNTED, S_NAVIGATE, S_PATCH, S_PUSH, S_REDIRECT, S_RENDERED, S_REPLY, S_REPLY_DELTA, S_REPLY_RENDERED, S_STREAM, S_TITLE, S_UNCHANGED,
} from "./protocol.js";
import { applyDelta } from "./apply.js";

/** A JSON object sent as an event payload (`lv-value-*`, form values, hook payloads). */
export type Payload = Record<string, unknown>;

/** Form recovery on a rejoin: one `form[id][lv-change]`'s change event name and its values. */
export type FormState = [event: string, values: Payload];

/**
 * What a render sends, as the server's renderer returns it: the view's new inner HTML
 * (a string) or a delta against the last HTML sent (an array). The frame constructors
 * turn it into a frame whose type says which it is (`r` / `d`, `ar` / `ad`); the wire
 * never leaves it to the reader to tell them apart.
 */
export type Update = string | Delta;

// ------------------------------------------------------------------ client → server

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

// ------------------------------------------------------------------ server → client

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

/**
 * Writes a frame as the text sent over the socket.
 * @param frame - a frame built by one of the constructors of this module
 * @returns its JSON text
 */
export const encodeFrame = (frame: ClientFrame | ServerFrame): string => JSON.stringify(frame);

// ------------------------------------------------------------------ reading frames

/** A frame that is not valid v1 protocol. On the server it becomes a `bad_frame` error. */
export class FrameError extends Error {
  /** the error code (as `WeftError`'s of @weft/server; the protocol module imports nothing) */
  readonly code = "WEFT_ERR_BAD_FRAME";
  /**
   * @param message - what is wrong, for the error frame or the test failure
   * @param ref - the view ref, when the frame named one (0 otherwise)
   * @param seq - the event seq, when the frame was an event that named one
   */
  constructor(
    message: string,
    readonly ref = 0,
    readonly seq?: number,
  ) {
    super(message);
  }
}

/** A client frame after validation, with named fields. See docs/protocol.md. */
export type ClientMessage =
  | { type: typeof C_JOIN; ref: number; token: string; url: string; forms: FormState[]; hash?: string }
  | { type: typeof C_LEAVE; ref: number }
  | { type: typeof C_EVENT; ref: number; seq: number; name: string; payload: Payload; target?: string }
  | { type: typeof C_PARAMS; ref: number; url: string }
  | { type: typeof C_NAVIGATE; ref: number; next: number; url: string }
  | { type: typeof C_UPLOAD; ref: number; name: string; files: UploadFile[] }
  | { type: typeof C_CHUNK; ref: number; entry: number; data: string }
  | { type: typeof C_HEARTBEAT };

const MAX_NAME = 128;
const MAX_URL = 4096;
const MAX_TOKEN = 8192;
const MAX_FORMS = 16;
const MAX_DEPTH = 8;
const MAX_FILES = 64;
const MAX_FILE_NAME = 255;
/** the longest join hash read ({@link htmlHash} makes at most 23 characters) */
const MAX_HASH = 32;

const isRef = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) > 0;
const isObject = (x: unknown): x is Payload => typeof x === "object" && x !== null && !Array.isArray(x);

function shallow(x: unknown, depth: number): boolean {
  if (typeof x !== "object" || x === null) return true;
  if (depth >= MAX_DEPTH) return false;
  for (const v of Object.values(x)) if (!shallow(v, depth + 1)) return false;
  return true;
}

function payload(x: unknown, ref: number, seq?: number): Payload {
  if (x === undefined || x === null) return {};
  if (!isObject(x) || !shallow(x, 0)) throw new FrameError("payload must be an object nested at most 8 deep", ref, seq);
  return x;
}

function str(x: unknown, max: number, what: string, ref: number, seq?: number): string {
  if (typeof x !== "string" || x.length > max) throw new FrameError(`${what} must be a string of at most ${max} characters`, ref, seq);
  return x;
}

/**
 * Parses and validates one client text frame, strictly: names (and event targets) up to 128 characters, URLs
 * up to 4,096, tokens up to 8,192, at most 16 recovered forms, payloads nested at most 8
 * deep; an upload names at most 64 files (names up to 255 characters, sizes safe integers). A
 * missing payload is `{}`, missing forms are `[]`.
 * @param text - the text frame as received
 * @returns the frame with named fields
 * @throws FrameError for anything that is not a well-formed v1 client frame (the message
 *   says what; `ref` and `seq` say which view and event, when the frame named them)
 */
export function decodeClientFrame(text: string): ClientMessage {
  let f: unknown;
  try {
    f = JSON.parse(text);
  } catch {
    throw new FrameError("frame is not JSON");
  }
  if (!Array.isArray(f) || typeof f[0] !== "string") throw new FrameError("frame must be an array starting with its type");
  const type = f[0];
  if (type === C_HEARTBEAT) return { type };
  const ref = f[1];
  if (!isRef(ref)) throw new FrameError("frame must name a view ref (positive integer)");
  switch (type) {
    case C_JOIN: {
      const forms: FormState[] = [];
      if (f[4] !== undefined && f[4] !== null) {
        if (!Array.isArray(f[4]) || f[4].length > MAX_FORMS) throw new FrameError("join forms must be an array", ref);
        for (const e of f[4]) {
          if (!Array.isArray(e)) throw new FrameError("join forms must hold [event, payload] pairs", ref);
          forms.push([str(e[0], MAX_NAME, "form event", ref), payload(e[1], ref)]);
        }
      }
      const j = { type, ref, token: str(f[2], MAX_TOKEN, "token", ref), url: str(f[3], MAX_URL, "url", ref), forms };
      // the hash only ever spares the HTML when it matches: anything else (garbage, a number, too long) counts as "changed"
      const hash = f[5];
      return typeof hash === "string" && hash.length <= MAX_HASH ? { ...j, hash } : j;
    }
    case C_LEAVE:
      return { type, ref };
    case C_EVENT: {
      const seq = f[2];
      if (!isRef(seq)) throw new FrameError("event must carry a seq (positive integer)", ref);
      const e = { type, ref, seq, name: str(f[3], MAX_NAME, "event name", ref, seq), payload: payload(f[4], ref, seq) };
      if (f.length > 6) throw new FrameError("event frame has too many fields", ref, seq);
      // a target is a component id: a non-empty string; absent (or null) means the view itself
      if (f[5] === undefined || f[5] === null) return e;
      const target = str(f[5], MAX_NAME, "event target", ref, seq);
      if (!target) throw new FrameError("event target must not be empty", ref, seq);
      return { ...e, target };
    }
    case C_PARAMS:
      return { type, ref, url: str(f[2], MAX_URL, "url", ref) };
    case C_NAVIGATE: {
      const next = f[2];
      if (!isRef(next) || next === ref) throw new FrameError("navigate must carry the new view's ref (positive integer, not the old one)", ref);
      if (f.length !== 4) throw new FrameError("navigate is [\"n\", ref, next, url]", ref);
      return { type, ref, next, url: str(f[3], MAX_URL, "url", ref) };
    }
    case C_UPLOAD: {
      if (!Array.isArray(f[3]) || f[3].length > MAX_FILES) throw new FrameError(`upload files must be an array of at most ${MAX_FILES}`, ref);
      const files = f[3].map((e): UploadFile => {
        if (!Array.isArray(e) || !isRef(e[0]) || !(Number.isSafeInteger(e[2]) && e[2] >= 0)) throw new FrameError("upload files must be [entry, name, size, type]", ref);
        return [e[0], str(e[1], MAX_FILE_NAME, "file name", ref), e[2], str(e[3], MAX_NAME, "file type", ref)];
      });
      return { type, ref, name: str(f[2], MAX_NAME, "upload name", ref), files };
    }
    case C_CHUNK:
      if (!isRef(f[2]) || typeof f[3] !== "string") throw new FrameError("chunk must be [\"c\", ref, entry, base64]", ref);
      return { type, ref, entry: f[2], data: f[3] };
    default:
      throw new FrameError(`unknown frame type ${JSON.stringify(type).slice(0, 16)}`, ref);
  }
}

/** A server frame after {@link decodeServerFrame}, with named fields. See docs/protocol.md. */
export type ServerMessage =
  | { type: typeof S_RENDERED; ref: number; html: string }
  | { type: typeof S_UNCHANGED; ref: number }
  | { type: typeof S_DELTA; ref: number; delta: Delta }
  | { type: typeof S_REPLY; ref: number; seq: number; reply?: Payload }
  | { type: typeof S_REPLY_RENDERED; ref: number; seq: number; html: string; reply?: Payload }
  | { type: typeof S_REPLY_DELTA; ref: number; seq: number; delta: Delta; reply?: Payload }
  | { type: typeof S_PATCH; ref: number; url: string; replace: boolean }
  | { type: typeof S_REDIRECT; ref: number; url: string }
  | { type: typeof S_PUSH; ref: number; event: string; payload: Payload }
  | { type: typeof S_CHUNK_NEXT; ref: number; entry: number; offset: number; length: number }
  | { type: typeof S_ERROR; ref: number; code: string; message: string; seq?: number }
  | { type: typeof S_NAVIGATE; ref: number; url: string; replace: boolean }
  | { type: typeof S_MOUNTED; ref: number; html: string; title: string; id: string; view: string; token: string }
  | { type: typeof S_TITLE; ref: number; title: string }
  | { type: typeof S_STREAM; ref: number; name: string; reset: boolean; deletes: string[]; inserts: StreamInsert[] }
  | { type: typeof S_HEARTBEAT };

const isInt = (x: unknown): x is number => Number.isSafeInteger(x);
const isInsert = (x: unknown): x is StreamInsert =>
  Array.isArray(x) && typeof x[0] === "string" && x[0] !== "" && isInt(x[1]) && x[1] >= -1 && typeof x[2] === "string" &&
  (x.length === 3 || (x.length === 4 && isInt(x[3]) && x[3] !== 0));
const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === "string" && s !== "");

const isDelta = (x: unknown): x is Delta => Array.isArray(x) && x.every((s) => typeof s === "number" || typeof s === "string");

/**
 * Reads one server frame and checks it has the documented layout (no extra fields).
 * @param frame - the text frame as received, or the frame already parsed from JSON
 * @returns the frame with named fields
 * @throws FrameError when it is not JSON or not one of the documented server frames
 */
export function decodeServerFrame(frame: string | readonly unknown[]): ServerMessage {
  let f: unknown = frame;
  if (typeof frame === "string") {
    try {
      f = JSON.parse(frame);
    } catch {
      throw new FrameError("frame is not JSON");
    }
  }
  if (!Array.isArray(f) || typeof f[0] !== "string") throw new FrameError("frame must be an array starting with its type");
  const [type, ref, a, b, c, d, e] = f as unknown[];
  const n = f.length;
  // a reply's optional last field: the handler's reply value (an object)
  const withReply = (m: ServerMessage, at: number): ServerMessage =>
    n === at ? m : n === at + 1 && isObject(f[at]) ? ({ ...m, reply: f[at] } as ServerMessage) : bad("reply");
  const bad = (what: string): never => {
    throw new FrameError(`bad ${what} frame: ${JSON.stringify(f).slice(0, 120)}`, typeof ref === "number" ? ref : 0);
  };
  if (type === S_HEARTBEAT) return n === 1 ? { type } : bad("heartbeat");
  // error frames may be socket-level (ref 0); every other frame names a view
  if (!(Number.isSafeInteger(ref) && ((ref as number) > 0 || (type === S_ERROR && ref === 0)))) bad(`ref of a ${JSON.stringify(type).slice(0, 16)}`);
  const r = ref as number;
  switch (type) {
    case S_RENDERED:
      return n === 3 && typeof a === "string" ? { type, ref: r, html: a } : bad("rendered");
    case S_UNCHANGED:
      return n === 2 ? { type, ref: r } : bad("unchanged");
    case S_DELTA:
      return n === 3 && isDelta(a) ? { type, ref: r, delta: a } : bad("delta");
    case S_REPLY:
      return isRef(a) ? withReply({ type, ref: r, seq: a }, 3) : bad("reply");
    case S_REPLY_RENDERED:
      return isRef(a) && typeof b === "string" ? withReply({ type, ref: r, seq: a, html: b }, 4) : bad("reply");
    case S_REPLY_DELTA:
      return isRef(a) && isDelta(b) ? withReply({ type, ref: r, seq: a, delta: b }, 4) : bad("reply");
    case S_PATCH:
      return n === 4 && typeof a === "string" && (b === 0 || b === 1) ? { type, ref: r, url: a, replace: b === 1 } : bad("patch");
    case S_REDIRECT:
      return n === 3 && typeof a === "string" ? { type, ref: r, url: a } : bad("redirect");
    case S_PUSH:
      return n === 4 && typeof a === "string" && isObject(b) ? { type, ref: r, event: a, payload: b } : bad("push");
    case S_CHUNK_NEXT: {
      const len = f[4];
      const count = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
      return n === 5 && isRef(a) && count(b) && count(len) ? { type, ref: r, entry: a, offset: b, length: len } : bad("next chunk");
    }
    case S_ERROR:
      if (typeof a !== "string" || typeof b !== "string") return bad("error");
      if (n === 4) return { type, ref: r, code: a, message: b };
      return n === 5 && isRef(c) ? { type, ref: r, code: a, message: b, seq: c } : bad("error");
    case S_NAVIGATE:
      return n === 4 && typeof a === "string" && (b === 0 || b === 1) ? { type, ref: r, url: a, replace: b === 1 } : bad("navigate");
    case S_MOUNTED:
      return n === 7 && [a, b, c, d, e].every((x) => typeof x === "string")
        ? { type, ref: r, html: a as string, title: b as string, id: c as string, view: d as string, token: e as string }
        : bad("mounted");
    case S_TITLE:
      return n === 3 && typeof a === "string" ? { type, ref: r, title: a } : bad("title");
    case S_STREAM:
      return n === 6 && typeof a === "string" && a !== "" && (b === 0 || b === 1) && isStrings(c) && Array.isArray(d) && d.every(isInsert)
        ? { type, ref: r, name: a, reset: b === 1, deletes: c, inserts: d as StreamInsert[] }
        : bad("stream");
    default:
      return bad(`unknown type ${JSON.stringify(type).slice(0, 16)}`);
  }
}

/**
 * The view's HTML after a server frame, as the browser runtime rebuilds it: the frame's
 * HTML, or `old` with the frame's delta applied.
 * @param message - a decoded server frame
 * @param old - the view's HTML before it (what the last render left)
 * @returns the new HTML, or undefined when the frame carries no render
 */
export function htmlAfter(message: ServerMessage, old: string): string | undefined {
  switch (message.type) {
    case S_RENDERED:
    case S_REPLY_RENDERED:
    case S_MOUNTED:
      return message.html;
    case S_UNCHANGED:
      return old;
    case S_DELTA:
    case S_REPLY_DELTA:
      return applyDelta(old, message.delta);
    default:
      return undefined;
  }
}

/**
 * The event a server frame answers: the seq of a reply (with or without a render), or of an
 * error that names the event it refused.
 * @param message - a decoded server frame
 * @returns the event's seq, or undefined for every other frame
 */
export function answeredSeq(message: ServerMessage): number | undefined {
  switch (message.type) {
    case S_REPLY:
    case S_REPLY_RENDERED:
    case S_REPLY_DELTA:
    case S_ERROR:
      return message.seq;
    default:
      return undefined;
  }
}

/**
 * Whether a server frame is a reply (the event was handled), with or without a render.
 * @param message - a decoded server frame
 * @returns true for `a`, `ar` and `ad` frames
 */
export const isReply = (
  message: ServerMessage,
): message is Extract<ServerMessage, { type: typeof S_REPLY | typeof S_REPLY_RENDERED | typeof S_REPLY_DELTA }> =>
  message.type === S_REPLY || message.type === S_REPLY_RENDERED || message.type === S_REPLY_DELTA;
