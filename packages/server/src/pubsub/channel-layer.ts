import { WeftError } from "../errors.js";

/** A message handler for {@link ChannelLayer.subscribe}. */
export type MessageHandler = (message: unknown, topic: string) => void;

/**
 * The channel layer: pub/sub between views (and processes), plus a small key/value
 * store with TTLs for job records. As Django Channels' channel layer.
 *
 * Messages must be JSON-serialisable: the Redis layer sends them between processes.
 */
export interface ChannelLayer {
  /**
   * Publishes `message` to every subscriber of `topic`, in every process sharing the layer.
   * Resolves once handed to the transport; rejects when the transport is unavailable.
   */
  publish(topic: string, message: unknown): Promise<void>;
  /** Subscribes `handler` to `topic`. Returns the function that unsubscribes it. */
  subscribe(topic: string, handler: MessageHandler): () => void;
  /** Reads a value stored with {@link ChannelLayer.set}; `undefined` when missing or expired. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a JSON-serialisable value; `ttlMs` (ms) makes it expire, omitted keeps it. */
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  /** Deletes a key; resolves whether or not it existed. */
  delete(key: string): Promise<void>;
  /** Reads several keys at once, in order; `undefined` for each missing or expired one. */
  mget<T = unknown>(keys: string[]): Promise<Array<T | undefined>>;
  /**
   * Atomically stores `value` (with `ttlMs`, ms, when given) if the key still holds `expected`
   * (compared as JSON text; `undefined` means "the key must not exist"). Resolves whether it stored.
   * `expected` must be a value read back from this layer (its JSON text round-trips exactly).
   */
  compareAndSet(key: string, expected: unknown, value: unknown, ttlMs?: number): Promise<boolean>;
  /** Sorted index (as a Redis sorted set): adds or re-scores `member` with `score`. */
  zadd(key: string, score: number, member: string): Promise<void>;
  /** Removes members from a sorted index; missing ones are ignored. */
  zrem(key: string, members: string[]): Promise<void>;
  /**
   * Members of a sorted index by score (ties by member text), lowest first or, with `reverse`,
   * highest first; skips `offset` (default 0) and returns at most `count` (default all).
   */
  zrange(key: string, opts?: { reverse?: boolean; offset?: number; count?: number }): Promise<string[]>;
  /** Number of members in a sorted index (0 when missing). */
  zcard(key: string): Promise<number>;
  /**
   * Atomically takes one of `limit` slots of the slot set `key` for `member`, as a counting
   * semaphore whose slots are leases (in the manner of Redis's "fair semaphore" recipe): slots
   * whose lease ended are dropped first; a `member` that already holds a slot renews its lease
   * and keeps it; otherwise it gets one when fewer than `limit` are held. The slot's lease ends
   * `ttlMs` (ms) after this call unless claimed again or {@link ChannelLayer.release}d. One
   * atomic step in every process sharing the layer (never read-then-write).
   * @param limit - slots in the set (an integer ≥ 0; 0 refuses every new member)
   * @returns whether `member` holds a slot now
   * @throws (rejects) RangeError when `limit` is not an integer ≥ 0 or `ttlMs` not a finite number ≥ 1;
   *   {@link ChannelLayerUnavailableError} when the transport is unreachable
   */
  claim(key: string, member: string, limit: number, ttlMs: number): Promise<boolean>;
  /** Gives back `member`'s slot of the slot set `key` (see {@link ChannelLayer.claim}); a missing one is ignored. */
  release(key: string, member: string): Promise<void>;
  /**
   * Whether the transport is reachable now (always `true` in process). While `false`,
   * `publish` and the key/value calls reject with {@link ChannelLayerUnavailableError} and
   * subscribers receive nothing; it recovers on its own.
   */
  readonly healthy: boolean;
  /** Calls `listener` with the new value each time {@link ChannelLayer.healthy} changes. Returns the function that removes it. */
  onHealthChange(listener: (healthy: boolean) => void): () => void;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * `WEFT_ERR_CHANNEL_UNAVAILABLE`: thrown (as a rejection) by {@link ChannelLayer} calls while
 * the transport is unreachable, closed, or does not answer in time.
 */
export class ChannelLayerUnavailableError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("WEFT_ERR_CHANNEL_UNAVAILABLE", message, options);
  }
}

/**
 * Checks the numbers of a {@link ChannelLayer.claim}.
 * @throws RangeError when `limit` is not an integer ≥ 0 or `ttlMs` is not a finite number ≥ 1
 * @internal
 */
export function checkClaim(limit: number, ttlMs: number): void {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`claim: limit (${limit}) must be an integer ≥ 0`);
  if (!Number.isFinite(ttlMs) || ttlMs < 1) throw new RangeError(`claim: ttlMs (${ttlMs}) must be a finite number of ms ≥ 1`);
}

/**
 * How many local handlers one turn of the event loop delivers a message to before the rest
 * waits for the next turn (`setImmediate`). A LiveView's handler queues its `handleInfo`,
 * render and write as microtasks of that turn, so this bounds how long one publish holds the
 * event loop: 256 KPI tiles at ~20 µs a push is ~5 ms, where 3,333 in one turn held every
 * other client's event for ~70 ms.
 */
export const DELIVERY_SLICE = 256;

/** A message on its way to a topic's handlers (a copy of the set as it was at the publish). */
interface Delivery {
  topic: string;
  message: unknown;
  handlers: MessageHandler[];
  next: number;
}

/**
 * Local fan-out shared by the layers: one entry per topic, any number of handlers.
 * A throwing handler is reported to `onError` and never stops the others.
 *
 * A message reaches up to {@link DELIVERY_SLICE} handlers in the turn it is delivered and the
 * rest in the following turns, a slice per turn, so other clients' events are served between
 * the slices of a large fan-out. Messages are delivered in order: one waiting for an earlier
 * message's slices waits in a FIFO, so every handler sees its topics' messages in publish order.
 */
export class LocalFanout {
  private topics = new Map<string, Set<MessageHandler>>();
  private queue: Delivery[] = [];
  private draining = false;

  /**
   * @param onError - where a throwing handler's error goes
   * @param slice - handlers per turn (default {@link DELIVERY_SLICE}; at least 1)
   */
  constructor(
    private onError: (err: unknown) => void = () => {},
    private readonly slice = DELIVERY_SLICE,
  ) {
    if (!Number.isInteger(slice) || slice < 1) throw new RangeError(`LocalFanout: slice (${slice}) must be an integer ≥ 1`);
  }

  /** Adds a handler; returns `[unsubscribe, isFirstForTopic]`. */
  add(topic: string, handler: MessageHandler, onEmpty?: (topic: string) => void): [() => void, boolean] {
    let set = this.topics.get(topic);
    const first = !set;
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(handler);
    return [
      () => {
        const s = this.topics.get(topic);
        if (!s || !s.delete(handler) || s.size) return;
        this.topics.delete(topic);
        onEmpty?.(topic);
      },
      first,
    ];
  }

  /**
   * Delivers a message to every local handler of `topic` (the handlers subscribed now): the
   * first slice at once, the rest in later turns. A handler unsubscribed meanwhile still gets
   * this message, as a handler removed during a synchronous loop over a copy would.
   */
  deliver(topic: string, message: unknown): void {
    const set = this.topics.get(topic);
    if (!set) return;
    this.queue.push({ topic, message, handlers: [...set], next: 0 });
    if (!this.draining) this.drain();
  }

  /** Runs one slice of handlers, then schedules the next turn if any delivery is left. */
  private drain(): void {
    this.draining = true;
    let budget = this.slice;
    while (budget > 0 && this.queue.length > 0) {
      const d = this.queue[0]!;
      const end = Math.min(d.handlers.length, d.next + budget);
      budget -= end - d.next;
      for (; d.next < end; d.next++) {
        try {
          d.handlers[d.next]!(d.message, d.topic);
        } catch (err) {
          this.onError(err);
        }
      }
      if (d.next >= d.handlers.length) this.queue.shift();
    }
    if (this.queue.length === 0) this.draining = false;
    else setImmediate(() => this.drain());
  }

  /** Topics with at least one handler. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }
}
