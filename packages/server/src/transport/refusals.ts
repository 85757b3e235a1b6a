import type { Logger } from "../live/services.js";

/** What a refusal log line carries: a stable code and, when known, the frame's size. */
export interface Refusal {
  /** `frame_too_large`, `bad_frame`, `rate_limited`, or `ws`'s own error code (`WS_ERR_…`) */
  code: string;
  /** the frame's size in bytes, when the server read it */
  bytes?: number;
  /** the limit it went over (bytes, or frames per second) */
  limit?: number;
}

/**
 * Logs a frame or socket the server refused as ONE pino `warn` line without a stack: what a
 * visitor sends is not a server fault, and a stack per junk frame would let anyone fill the
 * error log.
 */
export function logRefusal(log: Logger, r: Refusal, msg: string): void {
  log.warn({ refused: r }, `weft: ${msg}`);
}

/**
 * What the socket's `error` listener logs. `ws` refuses oversized frames (over `maxPayload`, close 1009)
 * and invalid UTF-8 (1007) itself and reports them as errors, which @fastify/websocket would
 * log with a stack at `error` level; this logs one warn line instead. Other socket errors (a
 * reset connection) are the network's, logged at `debug`.
 */
export function logSocketError(log: Logger, maxFrameBytes: number, err: Error & { code?: string }): void {
  if (!err.code?.startsWith("WS_ERR_")) return log.debug({ err }, "weft: socket error");
  const tooLarge = err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";
  logRefusal(log, { code: err.code ?? "socket_error", ...(tooLarge ? { limit: maxFrameBytes } : {}) }, tooLarge ? "frame too large" : `frame refused: ${err.message}`);
}
