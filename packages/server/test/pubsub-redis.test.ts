// RedisChannelLayer beyond the shared contract: two real processes, one subscription per topic
// per process, and a Redis server that goes away and comes back.
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChannelLayerUnavailableError } from "../src/pubsub/channel-layer.js";
import { RedisChannelLayer } from "../src/pubsub/redis.js";
import { type Child, spawnChild } from "./support/node-child.js";
import { externalRedis, startTestRedis, type TestRedis, uniquePrefix } from "./support/redis.js";
import { waitFor, within } from "./support/wait.js";

let server: TestRedis;
let admin: Redis;
const open: RedisChannelLayer[] = [];
const children: Child[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => void unhandled.push(err);

beforeAll(async () => {
  server = await startTestRedis();
  admin = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  admin.on("error", () => {});
  process.on("unhandledRejection", onUnhandled);
});
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.kill("SIGKILL")));
  await Promise.all(open.splice(0).map((l) => l.close()));
  expect(unhandled).toEqual([]);
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  admin?.disconnect();
  await server?.stop();
});

function layer(prefix: string, opts: { onError?: (e: unknown) => void } = {}): RedisChannelLayer {
  const l = new RedisChannelLayer(server.url, { keyPrefix: prefix, ...opts });
  open.push(l);
  return l;
}

async function numsub(channel: string): Promise<number> {
  const r = (await admin.pubsub("NUMSUB", channel)) as [string, number];
  return Number(r[1]);
}

describe("RedisChannelLayer across processes", () => {
  it("publishes to a subscriber in another Node process and receives its answer", async () => {
    const prefix = uniquePrefix();
    const child = spawnChild("echo", { url: server.url, prefix });
    children.push(child);
    const ready = await child.next((m) => m.ready === true, "ready");
    const a = layer(prefix);
    const pongs: Array<{ pid: number; got: unknown }> = [];
    a.subscribe("pong", (m) => pongs.push(m as never));
    await a.whenSubscribed();
    await a.publish("ping", { n: 1, text: "hello" });
    await waitFor(() => pongs.length === 1, "pong from the child");
    expect(pongs[0]).toEqual({ pid: ready.pid, got: { n: 1, text: "hello" } });
    expect(pongs[0].pid).not.toBe(process.pid);
    // another site (prefix) on the same Redis hears nothing
    const stranger = layer(uniquePrefix());
    const heard: unknown[] = [];
    stranger.subscribe("pong", (m) => heard.push(m));
    await stranger.whenSubscribed();
    await a.publish("ping", { n: 2 });
    await waitFor(() => pongs.length === 2, "second pong");
    expect(heard).toEqual([]);
  });

  it("holds two connections and one Redis subscription per topic, however many local handlers", async () => {
    const prefix = uniquePrefix();
    await admin.connect().catch(() => {});
    const clientsBefore = await admin.client("LIST");
    const countNamed = (list: string, name: string) => list.split("\n").filter((l) => l.includes(` name=${name} `)).length;
    const a = layer(prefix);
    const unsubs: Array<() => void> = [];
    for (let t = 0; t < 10; t++) for (let h = 0; h < 50; h++) unsubs.push(a.subscribe(`topic${t}`, () => {}));
    await a.whenSubscribed();
    const clientsAfter = await admin.client("LIST");
    expect(countNamed(String(clientsAfter), "weft-pub") - countNamed(String(clientsBefore), "weft-pub")).toBe(1);
    expect(countNamed(String(clientsAfter), "weft-sub") - countNamed(String(clientsBefore), "weft-sub")).toBe(1);
    for (let t = 0; t < 10; t++) expect(await numsub(`${prefix}topic${t}`)).toBe(1);

    // a second process on the same topics: two subscriptions per topic, not 100
    const b = layer(prefix);
    for (let h = 0; h < 50; h++) b.subscribe("topic0", () => {});
    await b.whenSubscribed();
    expect(await numsub(`${prefix}topic0`)).toBe(2);

    // the last local handler of a topic leaving unsubscribes it on Redis; not before
    for (const u of unsubs.slice(0, 49)) u();
    await a.whenSubscribed();
    expect(await numsub(`${prefix}topic0`)).toBe(2);
    unsubs[49]();
    await a.whenSubscribed();
    expect(await numsub(`${prefix}topic0`)).toBe(1);
    for (const u of unsubs) u();
    await a.whenSubscribed();
    expect(await numsub(`${prefix}topic5`)).toBe(0);
  });
});

describe.skipIf(externalRedis)("RedisChannelLayer when Redis goes away", () => {
  it("rejects quickly with a clear error while down, never crashes, and resubscribes by itself after a restart", async () => {
    const prefix = uniquePrefix();
    const errors: unknown[] = [];
    const a = layer(prefix, { onError: (e) => errors.push(e) });
    const b = layer(prefix);
    const health: boolean[] = [];
    a.onHealthChange((h) => health.push(h));
    const got: unknown[] = [];
    a.subscribe("t", (m) => got.push(m));
    await a.whenSubscribed();
    await b.publish("t", "before");
    await waitFor(() => got.length === 1, "delivery before the outage");
    expect(a.status).toBe("ready");

    await server.kill();
    await waitFor(() => !a.healthy && !b.healthy, "unhealthy after the kill");
    expect(health).toContain(false);
    expect(a.status).toBe("reconnecting");
    for (const call of [() => a.publish("t", "lost"), () => a.get("k"), () => a.set("k", 1, 1000), () => a.compareAndSet("k", undefined, 1), () => a.zadd("z", 1, "m")]) {
      const err = await within(call().then(() => "resolved", (e: unknown) => e), 3_000, "a call while Redis is down");
      expect(err).toBeInstanceOf(ChannelLayerUnavailableError);
      expect((err as Error).message).toMatch(/Redis unreachable/);
    }
    // subscribing during the outage is fine too; it takes effect after the reconnect
    const late: unknown[] = [];
    a.subscribe("late", (m) => late.push(m));

    await server.restart();
    await waitFor(() => a.healthy && b.healthy, "healthy again after the restart", 15_000);
    expect(health.at(-1)).toBe(true);
    await a.whenSubscribed();
    await b.publish("t", "after");
    await b.publish("late", "late one");
    await waitFor(() => got.length === 2 && late.length === 1, "delivery after the restart");
    expect(got).toEqual(["before", "after"]);
    expect(late).toEqual(["late one"]);
    await a.set("k", { back: true });
    expect(await b.get("k")).toEqual({ back: true });
    // one reported error for the outage, not one per reconnection attempt
    expect(errors.length).toBeLessThanOrEqual(2);
  });

  it("rejects quickly when Redis was never reachable", async () => {
    const prefix = uniquePrefix();
    await server.kill();
    try {
      const a = layer(prefix);
      const err = await within(a.publish("t", 1).then(() => "resolved", (e: unknown) => e), 5_000, "publish with no Redis");
      expect(err).toBeInstanceOf(ChannelLayerUnavailableError);
      expect(a.healthy).toBe(false);
      expect(a.status).toBe("connecting");
    } finally {
      await server.restart();
    }
  });

  it("closes cleanly; later calls reject", async () => {
    const a = layer(uniquePrefix());
    await a.set("x", 1);
    await a.close();
    await a.close();
    expect(a.status).toBe("closed");
    await expect(a.publish("t", 1)).rejects.toBeInstanceOf(ChannelLayerUnavailableError);
  });
});
