/**
 * `FairShare`: one user's share of the database's time while other users are active (a token
 * bucket of database milliseconds per user).
 */
import { setTimeout as delay } from "node:timers/promises";

/** Options of a {@link FairShare} (the `fairShare` option of `AdminSite`). */
export interface FairShareOptions {
  /**
   * the database time one user's statements may take per second of wall time while other users
   * are active, in milliseconds (default 250: a quarter of one connection); past it the user's
   * next statement waits until the share has paid its time back
   */
  msPerSecond?: number;
  /**
   * the unused time a user saves up and may spend at once, in milliseconds (default 1,000):
   * an occasional broad search is never delayed, only a sustained stream of them; also the most a
   * user can owe, so no statement waits longer than `burstMs / msPerSecond` seconds (4 s by default)
   */
  burstMs?: number;
  /**
   * how recently another user must have been active (a statement, or a frame of a live page) for
   * the share to apply, in milliseconds (default 2,000): a user alone on the site is never delayed
   */
  othersWithinMs?: number;
  /** the clock, in milliseconds (default `performance.now`): injectable for tests */
  now?: () => number;
  /** waits `ms` milliseconds (default a timer): injectable for tests */
  sleep?: (ms: number) => Promise<void>;
}

/** The `fairShare` option of `AdminSite`: the share's settings, or `false` for none. */
export type FairShareOption = false | FairShareOptions;

/** A user's account: unspent database time, and when it and the user were last seen. */
interface Account {
  /** unspent database time in ms: up to `burstMs`, down to `-burstMs` (owed) */
  tokens: number;
  /** when `tokens` was last brought up to date (ms, the clock's) */
  at: number;
  /** when the user was last active (ms, the clock's) */
  seen: number;
}

/** An account unseen for this long (ms) is forgotten: it would be full again anyway. */
const FORGET_MS = 60_000;

/**
 * A per-user fair share of the database's time, as the issue's "no query can stall a worker":
 * each user has a bucket of database milliseconds that refills at `msPerSecond` up to
 * `burstMs`, and every statement run through {@link FairShare.run} spends the time it took.
 * While another user has been active in the last `othersWithinMs`, a user whose bucket is
 * empty waits before their next statement until it has refilled to zero; the others (whose
 * buckets are not empty) go first. Nobody is refused: the heavy user's answers come later.
 * Alone on the site a user is never delayed (and owes nothing for it).
 *
 * It keeps one backend (PostgreSQL) or reader (SQLite) from being taken by one user's stream
 * of broad searches while the others' clicks wait for the CPU (`pnpm bench:stall`). The share
 * is per process: each worker keeps its own.
 *
 * @example
 * const share = new FairShare({ msPerSecond: 250 });
 * const rows = await share.run(user.id, () => db.select().from(orders).where(…));
 */
export class FairShare {
  /** see {@link FairShareOptions.msPerSecond} */
  readonly msPerSecond: number;
  /** see {@link FairShareOptions.burstMs} */
  readonly burstMs: number;
  /** see {@link FairShareOptions.othersWithinMs} */
  readonly othersWithinMs: number;
  /** statements delayed since the share was made */
  delayed = 0;
  /** their total delay, in milliseconds */
  delayedMs = 0;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly accounts = new Map<string, Account>();

  /** @throws RangeError unless `msPerSecond`, `burstMs` and `othersWithinMs` are positive numbers */
  constructor(opts: FairShareOptions = {}) {
    this.msPerSecond = positive("msPerSecond", opts.msPerSecond ?? 250);
    this.burstMs = positive("burstMs", opts.burstMs ?? 1_000);
    this.othersWithinMs = positive("othersWithinMs", opts.othersWithinMs ?? 2_000);
    this.now = opts.now ?? (() => performance.now());
    this.sleep = opts.sleep ?? ((ms) => delay(ms));
  }

  /**
   * Notes that `user` is active (a frame of their live page), so the others' shares apply.
   * @param user - the user's id
   */
  seen(user: string | number): void {
    const now = this.now();
    this.account(String(user), now).seen = now;
  }

  /**
   * Runs one statement of `user`'s: at once, or after a wait when the user's bucket is empty and
   * another user is active (see {@link FairShare}); then charges the time it took.
   * @param user - the user's id; undefined runs `fn` at once, uncharged (work of nobody in particular)
   * @param fn - the statement
   * @returns what `fn` resolves to
   * @throws what `fn` throws (its time is charged all the same)
   */
  async run<T>(user: string | number | undefined, fn: () => Promise<T>): Promise<T> {
    if (user === undefined) return fn();
    const key = String(user);
    const wait = this.waitFor(key);
    if (wait > 0) {
      this.delayed++;
      this.delayedMs += wait;
      await this.sleep(wait);
    }
    const t0 = this.now();
    this.account(key, t0).seen = t0;
    try {
      return await fn();
    } finally {
      this.charge(key, this.now() - t0);
    }
  }

  /**
   * How long `user`'s next statement would wait now, in milliseconds (0 when it runs at once).
   * @param user - the user's id
   */
  waitFor(user: string | number): number {
    const key = String(user);
    const now = this.now();
    const a = this.account(key, now);
    if (a.tokens >= 0 || !this.othersActive(key, now)) return 0;
    return (-a.tokens / this.msPerSecond) * 1000;
  }

  /** Spends `ms` of `key`'s time: owed while others are active, else at most what was saved. */
  private charge(key: string, ms: number): void {
    const now = this.now();
    const a = this.account(key, now);
    a.tokens -= Math.max(0, ms);
    a.tokens = Math.max(a.tokens, this.othersActive(key, now) ? -this.burstMs : 0);
  }

  /** Whether a user other than `key` was active within `othersWithinMs` (forgetting long-unseen accounts). */
  private othersActive(key: string, now: number): boolean {
    let others = false;
    for (const [k, a] of this.accounts) {
      if (now - a.seen > FORGET_MS) this.accounts.delete(k);
      else if (k !== key && now - a.seen <= this.othersWithinMs) others = true;
    }
    return others;
  }

  /** `key`'s account, its bucket refilled up to `now`. */
  private account(key: string, now: number): Account {
    let a = this.accounts.get(key);
    if (!a) this.accounts.set(key, (a = { tokens: this.burstMs, at: now, seen: -Infinity }));
    a.tokens = Math.min(this.burstMs, a.tokens + ((now - a.at) * this.msPerSecond) / 1000);
    a.at = now;
    return a;
  }
}

function positive(name: string, v: number): number {
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) throw new RangeError(`weft admin: fairShare.${name} must be a positive number of milliseconds (got ${String(v)})`);
  return v;
}
