/**
 * A count per key (a session id) with a ceiling: the per-session caps on sockets and views.
 * Counted in this process only: with several workers a session may hold up to the cap on each.
 */
export class KeyedCap {
  private counts = new Map<string, number>();

  /** @param max the most a key may hold at once (≥ 1) */
  constructor(readonly max: number) {}

  /** Takes one unit for `key`; false (nothing taken) when `key` already holds `max`. */
  claim(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  /** Gives back one unit taken by {@link claim}; the key is forgotten at zero. */
  release(key: string): void {
    const n = (this.counts.get(key) ?? 0) - 1;
    if (n > 0) this.counts.set(key, n);
    else this.counts.delete(key);
  }

  /** What `key` holds now. */
  held(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}

import type { AbuseCooldown } from "./cooldown.js";

/** The per-session caps of one worker, shared by all its sockets. */
export interface SessionCaps {
  /** open sockets per session (`maxSocketsPerSession`) */
  sockets: KeyedCap;
  /** joined views per session, over all its sockets (`maxViewsPerSession`) */
  views: KeyedCap;
  /** sessions refused new sockets after one was closed for abuse (`abuseCooldownMs`) */
  cooldown: AbuseCooldown;
}
