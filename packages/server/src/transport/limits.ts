/** Per-socket limits. Every one is documented, with its error or close code, in docs/protocol.md. */
export interface Limits {
  /** largest accepted frame, bytes (default 65,536); over it the socket closes with 1009 */
  maxFrameBytes: number;
  /** joined views per socket (default 64); over it the join gets `too_many_views` */
  maxViewsPerSocket: number;
  /**
   * joined views per session over all its sockets on one worker (default 64); over it the join
   * gets `too_many_views`
   */
  maxViewsPerSession: number;
  /** open sockets per session on one worker (default 8); over it the new socket is closed with 4409 */
  maxSocketsPerSession: number;
  /**
   * sustained frames per second per socket (default 50, burst twice that). Every frame counts:
   * events, joins, heartbeats, malformed frames. Over it an event gets `rate_limited`; more
   * than 4 × the rate refused within a second closes the socket with 4429 and stops reading it.
   */
  maxEventsPerSecond: number;
  /**
   * upload chunk frames per second per socket (default 100, burst twice that; about 3 MB/s
   * with 32 KiB chunks), counted apart from `maxEventsPerSecond`; over it `rate_limited`.
   * The server asks for each chunk, so a browser never sends faster than its answers.
   */
  maxChunksPerSecond: number;
  /**
   * ms a session is refused new sockets after one of its sockets was closed for abuse (default
   * 10,000): 4429, or a first frame that is not a weft frame (close 4400). Its socket upgrades
   * get HTTP 429 with `Retry-After`, answered after at most 1 s, before any frame is read.
   * Counted per worker. As fail2ban's ban time.
   */
  abuseCooldownMs: number;
  /** ms a socket may stay open without joining a view (default 10,000); then close 4408 */
  joinTimeoutMs: number;
  /** ms without any frame, heartbeats included (default 75,000); then close 4410 */
  idleTimeoutMs: number;
  /** unsent bytes per socket before renders are held back and coalesced (default 262,144) */
  maxBufferedBytes: number;
  /**
   * unsent bytes per socket at which the server gives up on a client that does not read
   * (default 4,194,304): the socket is destroyed (the client sees 1006). Renders never get it
   * there (they are held back at `maxBufferedBytes`); only frames that cannot wait (event
   * replies, join renders, errors) from a client that keeps sending but stops reading. As
   * Redis's `client-output-buffer-limit`.
   */
  dropBufferedBytes: number;
}

export const defaultLimits: Limits = {
  maxFrameBytes: 65_536,
  maxViewsPerSocket: 64,
  maxViewsPerSession: 64,
  maxSocketsPerSession: 8,
  maxEventsPerSecond: 50,
  maxChunksPerSecond: 100,
  abuseCooldownMs: 10_000,
  joinTimeoutMs: 10_000,
  idleTimeoutMs: 75_000,
  maxBufferedBytes: 262_144,
  dropBufferedBytes: 4_194_304,
};

/** bytes one token pays for: a frame costs one token per started `FRAME_UNIT_BYTES` (a heartbeat 1, a 60 KB frame 8) */
export const FRAME_UNIT_BYTES = 8_192;

/**
 * The socket's frame budget: a token bucket of `rate` tokens per second, `2 × rate` at most,
 * where a frame costs one token per started {@link FRAME_UNIT_BYTES} (so the budget bounds bytes
 * as well as frames). {@link take} says whether a frame may pass. Refused tokens build a debt
 * that drains at `0.4 × rate` per second; {@link abusive} says whether it passed `4 × rate`: at
 * once for a burst (the 4 × rate-th refused token), after a few seconds for a client that keeps
 * sending more than 1.4 × the rate, never for one that only brushes the limit. As the
 * per-client limits of Phoenix's socket drainer and Cowboy's `max_frame_size`, kept per socket.
 */
export class RateLimiter {
  private tokens: number;
  private last = -1;
  private debt = 0;

  /** @param rate - sustained tokens per second (`maxEventsPerSecond`) */
  constructor(private rate: number) {
    this.tokens = rate * 2;
  }

  /**
   * @param now - the time, ms (default `Date.now()`)
   * @param bytes - the frame's size, bytes (default 0: one token)
   * @returns whether the frame may pass (its tokens are taken); false adds them to the debt
   */
  take(now = Date.now(), bytes = 0): boolean {
    if (this.last < 0) this.last = now;
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.rate * 2, this.tokens + elapsed * this.rate);
    this.debt = Math.max(0, this.debt - elapsed * this.rate * 0.4);
    const cost = 1 + Math.floor(Math.max(0, bytes - 1) / FRAME_UNIT_BYTES);
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return true;
    }
    this.debt += cost;
    return false;
  }

  /** Whether the refusals' debt passed 4 × the rate: the socket is to be closed with 4429. */
  abusive(): boolean {
    return this.debt > this.rate * 4;
  }
}
