/**
 * The idle timeout of every socket of one server (`limits.idleTimeoutMs`, close 4410), kept by
 * one timer per server instead of a `Timeout` per socket (~250 B of heap each, with its
 * closure): a socket records when it last heard from its client, and a sweep every
 * {@link SWEEP_FRACTION}th of the timeout closes those silent for longer. A socket is
 * closed between `idleTimeoutMs` and `idleTimeoutMs × (1 + 1/SWEEP_FRACTION)` after its
 * last frame, as Phoenix's per-process check is a timer granularity away.
 */
import type { Limits } from "./limits.js";

/** A socket the sweep watches. */
export interface IdleSocket {
  /** `Date.now()` of its client's last frame (or of its opening) */
  readonly heard: number;
  /** closes it as idle (4410) */
  idle(): void;
}

/** The sweep runs every `idleTimeoutMs / SWEEP_FRACTION` (at least 50 ms). */
const SWEEP_FRACTION = 8;

/** One server's idle sweep. @internal */
export class IdleSweep {
  private sockets = new Set<IdleSocket>();
  private timer?: NodeJS.Timeout;

  /**
   * @param limits - the server's limits, read at each sweep (an app may change them after registering)
   * @param now - the clock (tests inject one)
   */
  constructor(
    private limits: Pick<Limits, "idleTimeoutMs">,
    private now: () => number = Date.now,
  ) {}

  /** Watches `s` until {@link forget}; the timer runs while any socket is watched (unref'd). */
  watch(s: IdleSocket): void {
    this.sockets.add(s);
    this.timer ??= setInterval(() => this.sweep(), Math.max(50, this.limits.idleTimeoutMs / SWEEP_FRACTION)).unref();
  }

  forget(s: IdleSocket): void {
    this.sockets.delete(s);
    if (this.sockets.size || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Closes the sockets silent for longer than the timeout (run by the timer; tests call it). */
  sweep(): void {
    const limit = this.now() - this.limits.idleTimeoutMs;
    for (const s of [...this.sockets]) if (s.heard < limit) s.idle();
  }

  /** Stops the timer (the server closes). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sockets.clear();
  }
}
