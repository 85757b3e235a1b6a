// The BullMQ engine's Redis connections per process (real Redis, a private redis-server,
// counted with CLIENT LIST): every queue of a process shares one connection, and a job worker adds one
// blocking connection per kind of job — 1 + K where it was 3 × K (a connection per queue, two
// per worker) before.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobStore } from "@weft/server/jobs";
import { createRedisClient, MemoryChannelLayer } from "@weft/server/pubsub";
import { startRedisServer, type RedisServer } from "@weft/server/testing";
import { BullJobQueue } from "../src/jobs/bullmq-queue.js";
import { waitFor } from "../../server/test/support/wait.js";

const KINDS = 10;
let redis: RedisServer;
let probe: ReturnType<typeof createRedisClient>;

beforeAll(async () => {
  redis = await startRedisServer();
  const u = new URL(redis.url);
  probe = createRedisClient({ host: u.hostname, port: Number(u.port) });
}, 60_000);
afterAll(async () => {
  await probe?.quit();
  await redis?.stop();
});

/** Connections to this file's own redis-server but the probe's (one process at a time uses it). */
async function connectionsOf(): Promise<number> {
  const list = String(await probe.call("CLIENT", "LIST")).trim();
  return list.split("\n").length - 1;
}

describe("BullMQ connections per process", () => {
  it.each([
    { runJobs: false, expected: 1 },
    { runJobs: true, expected: 1 + KINDS },
  ])("a process (runJobs: $runJobs) with 10 kinds of job holds $expected connection(s)", async ({ runJobs, expected }) => {
    const name = `p-${randomBytes(4).toString("hex")}`;
    const store = new JobStore(new MemoryChannelLayer(), { maxPerOwner: Infinity, maxPerAction: Infinity });
    const queue = new BullJobQueue(store, { url: redis.url, prefix: `conn-${name}`, runJobs, worker: name });
    try {
      for (let k = 0; k < KINDS; k++) queue.handle(`k${k}`, () => {}, { concurrency: 2 });
      // use every queue (and, in a job worker, every worker) once
      const recs = await Promise.all(Array.from({ length: KINDS }, (_, k) => queue.enqueue({ kind: `k${k}`, data: null, owner: "u", action: `k${k}`, description: "k" })));
      if (runJobs) await waitFor(async () => (await Promise.all(recs.map((r) => store.get(r.id)))).every((r) => r?.status === "done"), "every job done", 30_000);
      await waitFor(async () => (await connectionsOf()) >= expected, `${expected} connections`, 30_000);
      expect(await connectionsOf()).toBe(expected);
    } finally {
      await queue.close();
    }
    // closing the queue closes the shared connection too
    await waitFor(async () => (await connectionsOf()) === 0, "no connection left", 30_000);
  }, 60_000);
});
