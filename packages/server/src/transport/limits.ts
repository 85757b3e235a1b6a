/** Per-socket limits. Every one is documented, with its error or close code, in docs/protocol.md. */
export interface Limits {
  /** largest accepted frame, bytes (default 65,536); over it the socket closes with 1009 */
  maxFrameBytes: number;
  /** joined views per socket (default 32); over it the join gets `too_many_views` */
  maxViewsPerSocket: number;
  /** sustained frames per second per socket (default 50, burst twice that); over it `rate_limited` */
  maxEventsPerSecond: number;
  /**
   * upload chunk frames per second per socket (default 100, burst twice that; about 3 MB/s
   * with 32 KiB chunks), counted apart from `maxEventsPerSecond`; over it `rate_limited`.
   * The server asks for each chunk, so a browser never sends faster than its answers.
   */
  maxChunksPerSecond: number;
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
  maxViewsPerSocket: 32,
  maxEventsPerSecond: 50,
  maxChunksPerSecond: 100,
  joinTimeoutMs: 10_000,
  idleTimeoutMs: 75_000,
  maxBufferedBytes: 262_144,
  dropBufferedBytes: 4_194_304,
};

/**
 * Token bucket: `rate` tokens per second, `2 × rate` at most. {@link take} says whether a
 * frame may pass; {@link abusive} whether refusals in the last second went over 4 × rate.
 */
export class RateLimiter {
  private tokens: number;
  private last = -1;
  private refused = 0;
  private refusedSince = 0;

  constructor(private rate: number) {
    this.tokens = rate * 2;
  }

  take(now = Date.now()): boolean {
    if (this.last < 0) this.last = this.refusedSince = now;
    this.tokens = Math.min(this.rate * 2, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    if (now - this.refusedSince > 1000) {
      this.refused = 0;
      this.refusedSince = now;
    }
    this.refused++;
    return false;
  }

  abusive(): boolean {
    return this.refused > this.rate * 4;
  }
}
