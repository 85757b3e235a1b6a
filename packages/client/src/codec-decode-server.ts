/**
 * Reading what a server sends, for code outside the browser (tests, benchmarks, the testing
 * helper): {@link decodeServerFrame} and what to ask of the frame it returns.
 */
import type { Delta } from "./protocol.js";
import {
  S_CHUNK_NEXT, S_DELTA, S_ERROR, S_HEARTBEAT, S_MOUNTED, S_NAVIGATE, S_PATCH, S_PUSH, S_REDIRECT, S_RENDERED, S_REPLY,
  S_REPLY_DELTA, S_REPLY_RENDERED, S_STREAM, S_TITLE, S_UNCHANGED,
} from "./protocol.js";
import { applyDelta } from "./apply.js";
import type { Payload } from "./codec-client.js";
import type { StreamInsert } from "./codec-server.js";
import { FrameError, isObject, isRef } from "./codec-decode-client.js";

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
