/**
 * Coalesces many "state changed" marks into few writes: one write in flight at a time, at most
 * one every `minIntervalMs` unless marked urgent, always a last write after the last mark.
 * A failed write is retried with backoff (100 ms doubling to 2 s) until it succeeds or the
 * deadline given to {@link CoalescingWriter.finish} passes. @internal
 */
export class CoalescingWriter {
  private dirty = false;
  private urgent = false;
  private running = false;
  private lastStart = 0;
  private failures = 0;
  private deadline = Infinity;
  private wake: (() => void) | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly write: () => Promise<void>,
    private readonly minIntervalMs: number,
    private readonly onFailure: (err: unknown, failures: number, givingUp: boolean) => void,
  ) {}

  /** Something changed; write soon (`urgent`: now, unless retrying after a failure). */
  mark(urgent = false): void {
    this.dirty = true;
    if (urgent) {
      this.urgent = true;
      if (!this.failures) this.wake?.();
    }
    if (!this.running) void this.loop();
  }

  /** Marks urgent and resolves once everything marked so far is written, or dropped after `deadlineMs` (ms from now) of failures. */
  finish(deadlineMs: number): Promise<void> {
    this.deadline = Date.now() + deadlineMs;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.mark(true);
    return idle;
  }

  private async loop(): Promise<void> {
    this.running = true;
    while (this.dirty) {
      const wait = this.failures
        ? Math.min(100 * 2 ** (this.failures - 1), 2_000)
        : this.urgent
          ? 0
          : Math.max(0, this.lastStart + this.minIntervalMs - Date.now());
      if (wait > 0) await this.sleep(wait);
      const urgent = this.urgent;
      this.dirty = false;
      this.urgent = false;
      // an urgent write (a lease renewal, the final state) does not hold back the next
      // ordinary one: only ordinary writes are spaced `minIntervalMs` apart
      if (!urgent) this.lastStart = Date.now();
      try {
        await this.write();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        const givingUp = Date.now() > this.deadline;
        this.onFailure(err, this.failures, givingUp);
        if (!givingUp) this.dirty = true;
      }
    }
    this.running = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
