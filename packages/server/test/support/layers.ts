/**
 * The channel layers the shared suites run on: in memory, and on the private Redis server.
 * A "site" is what several processes share: each `open()` is a separate layer instance (for
 * Redis, separate connections; in memory, the same instance, as one process would have).
 */
import { afterAll, beforeAll } from "vitest";
import type { ChannelLayer } from "../../src/pubsub/channel-layer.js";
import { MemoryChannelLayer } from "../../src/pubsub/memory.js";
import { RedisChannelLayer } from "../../src/pubsub/redis.js";
import { startTestRedis, type TestRedis, uniquePrefix } from "./redis.js";

export interface Site {
  /** Another "process" on the same site. */
  open(): ChannelLayer;
  /** Waits until every subscription made so far on every opened layer is in effect. */
  settle(): Promise<void>;
  /** Closes every opened layer. */
  close(): Promise<void>;
}

export interface LayerKind {
  name: string;
  newSite(): Site;
}

export const memoryKind: LayerKind = {
  name: "memory",
  newSite() {
    const layer = new MemoryChannelLayer();
    return { open: () => layer, settle: async () => {}, close: () => layer.close() };
  },
};

/** The Redis kind; registers beforeAll/afterAll hooks that start and stop the private server. */
export function redisKind(): LayerKind & { server(): TestRedis } {
  let server: TestRedis | undefined;
  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    name: "redis",
    server: () => server!,
    newSite() {
      const prefix = uniquePrefix();
      const layers: RedisChannelLayer[] = [];
      return {
        open() {
          const l = new RedisChannelLayer(server!.url, { keyPrefix: prefix });
          layers.push(l);
          return l;
        },
        settle: async () => void (await Promise.all(layers.map((l) => l.whenSubscribed()))),
        close: async () => void (await Promise.all(layers.map((l) => l.close()))),
      };
    },
  };
}
