/**
 * The server's strict reader of client frames ({@link decodeClientFrame}), and the error every
 * reader of the codec throws ({@link FrameError}).
 */
import { C_CHUNK, C_EVENT, C_HEARTBEAT, C_JOIN, C_LEAVE, C_NAVIGATE, C_PARAMS, C_UPLOAD } from "./protocol.js";
import type { FormState, Payload, UploadFile } from "./codec-client.js";

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

/** a view ref, event seq or upload entry: a positive safe integer */
export const isRef = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) > 0;
/** a JSON object (not null, not an array) */
export const isObject = (x: unknown): x is Payload => typeof x === "object" && x !== null && !Array.isArray(x);

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
