/**
 * One in-flight promise per key: callers asking for a key while its promise runs share it,
 * and the key is dropped when the promise settles, so a later call starts a new run. What
 * lets a publish reaching N tiles of one shared widget run its `getData` once.
 */
export class Coalescer {
  private inflight = new Map<string, { promise: Promise<unknown>; callers: number }>();

  /**
   * Runs `fn` for `key`, or joins the run already in flight for it.
   *
   * @param key - what the run computes (e.g. a widget's key)
   * @param fn - starts the run; called only when no run of `key` is in flight
   * @returns the run's promise (rejections are shared too)
   */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const known = this.inflight.get(key);
    if (known) {
      known.callers++;
      return known.promise as Promise<T>;
    }
    const entry = { promise: Promise.resolve().then(fn), callers: 1 };
    entry.promise = entry.promise.finally(() => this.inflight.delete(key));
    this.inflight.set(key, entry);
    return entry.promise as Promise<T>;
  }

  /** How many callers share the run of `key` in flight now (0: none runs). */
  callers(key: string): number {
    return this.inflight.get(key)?.callers ?? 0;
  }
}
