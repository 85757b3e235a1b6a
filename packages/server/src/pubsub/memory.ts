import { type ChannelLayer, LocalFanout, type MessageHandler } from "./channel-layer.js";

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

  async get<T>(key: string): Promise<T | undefined> {
    const e = this.store.get(key);
    if (!e) return undefined;
    if (e.expires && e.expires <= Date.now()) {
      this.store.delete(key);
      return undefined;
    }
    return JSON.parse(e.value) as T;
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    this.store.set(key, { value: JSON.stringify(value), expires: ttlMs ? Date.now() + ttlMs : 0 });
  }

  async delete(key: string): Promise<void> {
    this.store.delete(key);
  }

  async close(): Promise<void> {
    this.store.clear();
  }
}
