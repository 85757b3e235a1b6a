/**
 * What a `ws` (8.x) socket keeps of the frames it read. Its receiver keeps the last frame's
 * 4-byte mask (`Receiver._mask`) as a slice of the TCP chunk that frame came in, so every idle
 * socket holds its client's last chunk (the join, an event: ~0.4 KiB a socket with its Buffer
 * and ArrayBuffer) until the next frame replaces it. The mask is used only to unmask its own
 * frame, before the `message` event: the socket drops it there.
 */
import type { WebSocket } from "ws";

/** The part of a `ws` WebSocket this touches; checked at each call, never assumed. */
interface ReceiverInternals {
  _receiver?: { _mask?: unknown } | null;
}

/**
 * Lets go of the TCP chunk `ws`'s receiver holds through the mask of the frame it just read.
 * Call from a `message` listener (the frame is unmasked by then; the next masked frame reads
 * its own mask before using it).
 */
export function releaseReadChunk(ws: WebSocket): void {
  const r = (ws as unknown as ReceiverInternals)._receiver;
  if (r && r._mask !== undefined) r._mask = undefined;
}
