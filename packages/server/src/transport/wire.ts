/**
 * Text frames written straight to the TCP socket: each frame is built in one Buffer (RFC 6455
 * §5.2: a final, unmasked text frame, header and payload together) and written with one
 * `socket.write`, instead of `ws.send` building a header Buffer, corking, and a `writev` of
 * the two per frame (~3.5 µs of CPU per frame on a 2-core machine: bench/src/floor.ts). The
 * bytes of a frame shared by a group of views (see live/fanout.ts) are framed once and the
 * same Buffer is written to each of its sockets.
 *
 * Only where that is what `ws.send` would write: the socket is open, has no permessage-deflate
 * (its frames would be compressed per socket), its sender has nothing queued (a queued frame
 * must go first) and its TCP socket has no unsent bytes (a slow reader: rare, and `ws` keeps
 * its bookkeeping). Otherwise the caller sends through `ws` as before. The bytes go through
 * the TCP socket's own buffer, so `ws.bufferedAmount` (the slow-consumer limits of limits.ts)
 * counts them as it counts `ws.send`'s.
 */
import type { Socket } from "node:net";
import type { WebSocket } from "ws";

/** The parts of a `ws` (8.x) WebSocket this reads; checked at each write, never assumed. */
interface WsInternals {
  _socket?: Socket | null;
  _extensions?: Record<string, unknown>;
  _sender?: { _state?: unknown; _queue?: unknown[]; _firstFragment?: unknown };
}

/** `ws`'s `OPEN`, and its sender's idle state (`DEFAULT` in ws/lib/sender.js). */
const OPEN = 1;
const SENDER_IDLE = 0;

/** Framed bytes per payload Buffer (a shared frame's payload lives as long as its frame). */
const framed = new WeakMap<Buffer, Buffer>();

/**
 * The final, unmasked text frame of `payload` (a server's frame, RFC 6455 §5.2), built once
 * per payload Buffer.
 * @param payload - UTF-8 text, at most 2^53 bytes
 */
export function textFrame(payload: Buffer): Buffer {
  let frame = framed.get(payload);
  if (frame) return frame;
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81; // FIN + opcode 1 (text), no RSV bits
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, head);
  framed.set(payload, frame);
  return frame;
}

/**
 * The final, unmasked text frame of the UTF-8 text `text`, in a new Buffer (small ones come
 * from Node's Buffer pool).
 */
export function stringFrame(text: string): Buffer {
  const n = Buffer.byteLength(text, "utf8");
  if (n >= 126) return textFrame(Buffer.from(text, "utf8"));
  const frame = Buffer.allocUnsafe(2 + n);
  frame[0] = 0x81;
  frame[1] = n;
  frame.write(text, 2, n, "utf8");
  return frame;
}

/** Whether `ext` (ws's negotiated extensions) is empty, without making an array of its keys. */
function none(ext: Record<string, unknown>): boolean {
  for (const _ in ext) return false;
  return true;
}

/**
 * Writes the text frame of `payload` straight to `ws`'s TCP socket when `ws.send` would write
 * the same bytes with nothing before them (see the module's comment). A Buffer payload is
 * framed once per Buffer (a shared frame), a string each time.
 * @param done - called as `ws.send`'s callback is: once the bytes left the process, or with an error
 * @returns false when it wrote nothing: the caller sends through `ws.send`
 */
export function writeText(ws: WebSocket, payload: string | Buffer, done: (err?: Error | null) => void): boolean {
  const w = ws as unknown as WsInternals;
  const sender = w._sender;
  const socket = w._socket;
  if (ws.readyState !== OPEN || !socket || !socket.writable || socket.writableLength || !sender) return false;
  if (sender._state !== SENDER_IDLE || sender._firstFragment !== true || !Array.isArray(sender._queue) || sender._queue.length) return false;
  if (!w._extensions || !none(w._extensions)) return false;
  socket.write(typeof payload === "string" ? stringFrame(payload) : textFrame(payload), done);
  return true;
}
