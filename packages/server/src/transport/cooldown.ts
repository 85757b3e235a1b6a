/**
 * Sessions refused new sockets for a while because one of their sockets was closed for abuse
 * (4429, or junk as its first frame), as fail2ban's ban time: a visitor that reconnects at once
 * after each refusal would otherwise get a fresh frame budget and refusal debt with every new
 * socket. Kept in this process only: with several workers a session is refused on the worker
 * that closed its socket.
 */
export class AbuseCooldown {
  private until = new Map<string, number>();

  /**
   * @param ms - how long a marked key is refused, ms (`limits.abuseCooldownMs`)
   * @param now - the clock, ms (tests give their own)
   */
  constructor(
    readonly ms: number,
    private now: () => number = Date.now,
  ) {}

  /** Refuses `key` for the next {@link ms} ms (from now; a later mark extends it). */
  mark(key: string): void {
    const t = this.now();
    // forget the expired ones now and then, so the map stays as small as the abusers of the last `ms`
    if (this.until.size >= 1024) for (const [k, end] of this.until) if (end <= t) this.until.delete(k);
    this.until.set(key, t + this.ms);
  }

  /** @returns the ms `key` is still refused for; 0 when it is not (anymore) */
  left(key: string): number {
    const end = this.until.get(key);
    if (end === undefined) return 0;
    const left = end - this.now();
    if (left > 0) return left;
    this.until.delete(key);
    return 0;
  }
}
