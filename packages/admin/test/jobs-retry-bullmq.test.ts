// Retries of failed jobs on the BullMQ engine (real Redis): the record counts the attempts and
// BullMQ's own attempts and backoff time them. A body failing twice then succeeding, one always
// failing, a resumable retry from its checkpoint, and a cancel while the job waits in BullMQ's
// delayed set. The in-process engine's are in packages/server/test/jobs-retry.test.ts.
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { JobStore, type JobRecord, type Progress } from "@weft/server/jobs";
import { RedisChannelLayer } from "@weft/server/pubsub";
import { startRedisServer, type RedisServer } from "@weft/server/testing";
import { BullJobQueue } from "../src/jobs/bullmq-queue.js";
import { waitFor as poll } from "../../server/test/support/wait.js";

const waitFor = <T>(cond: () => T | Promise<T>, what: string) => poll(cond, what, 30_000, 20);

let redis: RedisServer;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  redis = await startRedisServer();
}, 60_000);
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await redis?.stop();
});

/** A job worker and an enqueuer on one fresh prefix; `body` is the kind "k". */
function world(body: (p: Progress) => Promise<void> | void) {
  const prefix = `wr:${randomBytes(5).toString("hex")}:`;
  const layer = new RedisChannelLayer(redis.url, { keyPrefix: prefix });
  const store = new JobStore(layer, { leaseMs: 30_000, maxPerOwner: Infinity, maxPerAction: Infinity });
  const queue = new BullJobQueue(store, { url: redis.url, prefix: `${prefix}bull`, runJobs: true, worker: "jw" });
  queue.handle("k", (_d, p) => body(p), { concurrency: 2 });
  cleanups.push(async () => {
    await queue.close();
    await layer.close();
  });
  const final = (id: string) => waitFor(async () => ((r) => (r && ["done", "failed", "cancelled", "lost"].includes(r.status) ? r : undefined))(await store.get(id)), `job ${id} finished`);
  const enqueue = (retry: { retries: number; delayMs: number }, resumable = false) => queue.enqueue({ kind: "k", data: null, owner: "u1", action: "k", description: "k", total: 10, resumable, retry });
  return { store, queue, final, enqueue };
}

/** A body that throws on its first `failures` runs, recording what each saw. */
function flaky(failures: number) {
  const seen: Array<Pick<Progress, "attempt" | "resumed" | "lastCheckpoint">> = [];
  const body = (p: Progress) => {
    seen.push({ attempt: p.attempt, resumed: p.resumed, lastCheckpoint: p.lastCheckpoint });
    const from = (p.lastCheckpoint as { lastId?: number } | undefined)?.lastId ?? 0;
    p.update({ current: from + 3 });
    p.checkpoint({ lastId: from + 3 });
    if (seen.length <= failures) throw new Error(`upstream said no (${seen.length})`);
  };
  return { seen, body };
}

describe("retries on BullMQ", () => {
  it("retries a body that fails twice with BullMQ's backoff; it ends done on attempt 3 of 3", async () => {
    const { seen, body } = flaky(2);
    const w = world(body);
    const rec = await w.enqueue({ retries: 2, delayMs: 10 });
    const done = await w.final(rec.id);
    expect(done).toMatchObject({ status: "done", attempt: 3, attempts: 3, attemptError: "upstream said no (2)" });
    expect(seen.map((s) => [s.attempt, s.resumed])).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
    expect(done.log).toEqual(["Attempt 2 of 3 after: upstream said no (1)", "Attempt 3 of 3 after: upstream said no (2)"]);
    // BullMQ completed the job (removeOnComplete): nothing left waiting or delayed
    const q = (w.queue as unknown as { queue(kind: string): import("bullmq").Queue }).queue("k");
    expect(await q.getJobCounts("wait", "delayed", "active", "failed")).toEqual({ wait: 0, delayed: 0, active: 0, failed: 0 });
  }, 60_000);

  it("continues a resumable job's retry after its checkpoint", async () => {
    const { seen, body } = flaky(1);
    const w = world(body);
    const rec = await w.enqueue({ retries: 1, delayMs: 10 }, true);
    expect(await w.final(rec.id)).toMatchObject({ status: "done", attempt: 2, current: 6 });
    expect(seen).toEqual([
      { attempt: 1, resumed: false, lastCheckpoint: undefined },
      { attempt: 2, resumed: true, lastCheckpoint: { lastId: 3 } },
    ]);
  }, 60_000);

  it("ends a job failing every attempt failed with its last error", async () => {
    const { seen, body } = flaky(99);
    const w = world(body);
    const rec = await w.enqueue({ retries: 1, delayMs: 10 });
    const ended = await w.final(rec.id);
    expect(ended).toMatchObject({ status: "failed", attempt: 2, attempts: 2, error: "The job failed on all 2 attempts. The last error: upstream said no (2)" });
    expect(seen).toHaveLength(2);
  }, 60_000);

  it("cancels a job waiting in BullMQ's delayed set for its retry: it ends cancelled at once and never runs again", async () => {
    const { seen, body } = flaky(99);
    const w = world(body);
    const rec = await w.enqueue({ retries: 3, delayMs: 600_000 });
    const q = (w.queue as unknown as { queue(kind: string): import("bullmq").Queue }).queue("k");
    await waitFor(async () => (await q.getJobCounts("delayed")).delayed === 1, "the retry in BullMQ's delayed set");
    const waiting = (await w.store.get(rec.id))!;
    expect(waiting).toMatchObject({ status: "queued", attempt: 2, attemptError: "upstream said no (1)" });
    expect(await w.queue.cancel(rec.id, "admin")).toBe(true);
    const ended: JobRecord = (await w.store.get(rec.id))!;
    expect(ended).toMatchObject({ status: "cancelled", cancelledBy: "admin" });
    expect(await q.getJobCounts("delayed", "wait")).toEqual({ delayed: 0, wait: 0 });
    expect(seen).toHaveLength(1);
  }, 60_000);
});
