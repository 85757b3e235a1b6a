import type { WebSocket } from "ws";

/** ms a refused socket gets for its close frame to go out before it is destroyed */
export const SHUT_GRACE_MS = 1_000;

/**
 * Closes a socket the server refuses (rate limit, oversized frame, cap) so that it costs
 * nothing more: the close frame is sent, then the socket stops being read (no more bytes are
 * parsed, the peer's close reply included) and is destroyed after {@link SHUT_GRACE_MS}.
 * `ws`'s own close waits up to 30 s for the peer's close frame while reading everything it
 * sends; an abuser would keep that time.
 */
export function shut(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === ws.CLOSED) return;
  if (ws.readyState !== ws.CLOSING) ws.close(code, reason);
  ws.pause();
  setTimeout(() => ws.terminate(), SHUT_GRACE_MS).unref();
}
