import {
  C_EVENT,
  C_HEARTBEAT,
  C_JOIN,
  C_LEAVE,
  C_PARAMS,
} from "@weft/client/protocol";
import { WeftError } from "../errors.js";

/** A JSON object sent as an event payload (`lv-value-*`, form values, hook payloads). */
export type Payload = Record<string, unknown>;

/** A client frame after validation. See docs/protocol.md. */
export type ClientFrame =
  | { type: typeof C_JOIN; ref: number; token: string; url: string; forms: Array<[string, Payload]> }
  | { type: typeof C_LEAVE; ref: number }
  | { type: typeof C_EVENT; ref: number; seq: number; name: string; payload: Payload }
  | { type: typeof C_PARAMS; ref: number; url: string }
  | { type: typeof C_HEARTBEAT };

/** `WEFT_ERR_BAD_FRAME`: thrown by {@link decodeFrame} for a frame that is not valid v1 protocol; the socket answers `bad_frame`. */
export class FrameError extends WeftError {
  constructor(
    message: string,
    /** the view ref, when the frame named one */
    readonly ref = 0,
    /** the event seq, when the frame was an event */
    readonly seq?: number,
  ) {
    super("WEFT_ERR_BAD_FRAME", message);
  }
}

const MAX_NAME = 128;
const MAX_URL = 4096;
const MAX_FORMS = 16;
const MAX_DEPTH = 8;

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
 * Parses and validates one client text frame.
 * @throws FrameError for anything that is not a well-formed v1 frame (the message says what)
 */
export function decodeFrame(text: string): ClientFrame {
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
      const forms: Array<[string, Payload]> = [];
      if (f[4] !== undefined && f[4] !== null) {
        if (!Array.isArray(f[4]) || f[4].length > MAX_FORMS) throw new FrameError("join forms must be an array", ref);
        for (const e of f[4]) {
          if (!Array.isArray(e)) throw new FrameError("join forms must hold [event, payload] pairs", ref);
          forms.push([str(e[0], MAX_NAME, "form event", ref), payload(e[1], ref)]);
        }
      }
      return { type, ref, token: str(f[2], 8192, "token", ref), url: str(f[3], MAX_URL, "url", ref), forms };
    }
    case C_LEAVE:
      return { type, ref };
    case C_EVENT: {
      const seq = f[2];
      if (!isRef(seq)) throw new FrameError("event must carry a seq (positive integer)", ref);
      return { type, ref, seq, name: str(f[3], MAX_NAME, "event name", ref, seq), payload: payload(f[4], ref, seq) };
    }
    case C_PARAMS:
      return { type, ref, url: str(f[2], MAX_URL, "url", ref) };
    default:
      throw new FrameError(`unknown frame type ${JSON.stringify(type).slice(0, 16)}`, ref);
  }
}
