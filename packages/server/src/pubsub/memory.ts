import { type ChannelLayer, checkClaim, LocalFanout, type MessageHandler } from "./channel-layer.js";

/**
 * The in-process channel layer: the default, for one process (`pnpm demo`, tests).
 * Several worker processes need the Redis channel layer instead.
 *
 * Messages are delivered asynchronously (next microtask) and cloned through JSON, so a
 * subscriber sees exactly what a Redis subscriber in another process would.
 */
export class MemoryChannelLayer implements ChannelLayer {
  private fanout: LocalFanout;
  private store = new Map<string, { value: string; expires: number }>();
  private indexes = new Map<string, Map<string, number>>();
  /** slot sets of {@link MemoryChannelLayer.claim}: member → end of its lease (ms epoch) */
  private slots = new Map<string, Map<string, number>>();

  /** @param onError - called with errors thrown by subscribers (default: ignore) */
  constructor(onError?: (err: unknown) => void) {
    this.fanout = new LocalFanout(onError);
  }

  async publish(topic: string, message: unknown): Promise<void> {
    const copy = JSON.stringify(message);
    queueMicrotask(() => this.fanout.deliver(topic, JSON.parse(copy)));
  }

  subscribe(topic: string, handler: MessageHandler): () => void {
    return this.fanout.add(topic, handler)[0];
  }

  /** Always `true`: the in-process layer cannot become unreachable. */
  get healthy(): boolean {
    return true;
  }

  /** Never calls `listener` (the layer is always healthy). */
  onHealthChange(_listener: (healthy: boolean) => void): () => void {
    return () => {};
  }

  private raw(key: string): string | undefined {
    const e = this.store.get(key);
    if (!e) return undefined;
    if (e.expires && e.expires <= Date.now()) {
      this.store.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** See {@link ChannelLayer.get}. */
  async get<T>(key: string): Promise<T | undefined> {
    const raw = this.raw(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  /** See {@link ChannelLayer.mget}. */
  async mget<T>(keys: string[]): Promise<Array<T | undefined>> {
    return keys.map((k) => {
      const raw = this.raw(k);
      return raw === undefined ? undefined : (JSON.parse(raw) as T);
    });
  }

  /** See {@link ChannelLayer.compareAndSet}. */
  async compareAndSet(key: string, expected: unknown, value: unknown, ttlMs?: number): Promise<boolean> {
    const raw = this.raw(key);
    if (expected === undefined ? raw !== undefined : raw !== JSON.stringify(expected)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  /** See {@link ChannelLayer.zadd}. */
  async zadd(key: string, score: number, member: string): Promise<void> {
    let index = this.indexes.get(key);
    if (!index) this.indexes.set(key, (index = new Map()));
    index.set(member, score);
  }

  /** See {@link ChannelLayer.zrem}. */
  async zrem(key: string, members: string[]): Promise<void> {
    const index = this.indexes.get(key);
    if (!index) return;
    for (const m of members) index.delete(m);
    if (!index.size) this.indexes.delete(key);
  }

  /** See {@link ChannelLayer.zrange}. */
  async zrange(key: string, opts: { reverse?: boolean; offset?: number; count?: number } = {}): Promise<string[]> {
    const index = this.indexes.get(key);
    if (!index) return [];
    const sorted = [...index].sort(([a, sa], [b, sb]) => sa - sb || (a < b ? -1 : a > b ? 1 : 0)).map(([m]) => m);
    if (opts.reverse) sorted.reverse();
    const offset = opts.offset ?? 0;
    return sorted.slice(offset, opts.count === undefined ? undefined : offset + opts.count);
  }

  /** See {@link ChannelLayer.zcard}. */
  async zcard(key: string): Promise<number> {
    return this.indexes.get(key)?.size ?? 0;
  }

  /** See {@link ChannelLayer.claim}: one synchronous step, so atomic within the process. */
  async claim(key: string, member: string, limit: number, ttlMs: number): Promise<boolean> {
    checkClaim(limit, ttlMs);
    const now = Date.now();
    let set = this.slots.get(key);
    if (!set) this.slots.set(key, (set = new Map()));
    for (const [m, until] of set) if (until <= now) set.delete(m);
    const ok = set.has(member) || set.size < limit;
    if (ok) set.set(member, now + ttlMs);
    if (!set.size) this.slots.delete(key);
    return ok;
  }

  /** See {@link ChannelLayer.release}. */
  async release(key: string, member: string): Promise<void> {
    const set = this.slots.get(key);
    if (set?.delete(member) && !set.size) this.slots.delete(key);
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    this.store.set(key, { value: JSON.stringify(value), expires: ttlMs ? Date.now() + ttlMs : 0 });
  }

  async delete(key: string): Promise<void> {
    this.store.delete(key);
  }

  async close(): Promise<void> {
    this.store.clear();
    this.indexes.clear();
    this.slots.clear();
  }
}
