// The job history (weft_jobs) on both database engines: a job's lifecycle written to the table
// by the in-process engine and by a BullMQ job worker (a private Redis), progress coalesced (not
// one write per tick), the prune with an injected clock (29-day-old finished rows stay, 31-day-old
// ones go, unfinished ones never), two processes pruning at once, and the prune lease.
import Database from "better-sqlite3";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type { JobRecord, JobStatus, Progress } from "@weft/server/jobs";
import { MemoryChannelLayer, RedisChannelLayer } from "@weft/server/pubsub";
import { startRedisServer, type RedisServer } from "@weft/server/testing";
import { AdminSite } from "../src/index.js";
import { JobHistory, JobHistoryRecorder, PRUNE_BATCH, startHistoryPruner } from "../src/jobhistory/index.js";
import { startJobWorker, type JobWorker } from "../src/jobs/worker.js";
import { waitFor } from "../../server/test/support/wait.js";
import { ENGINES, openShop, type Shop } from "./support/engines.js";
import { jobRecord } from "./support/job-record.js";
import { startAdmin } from "./support.js";

const DAY = 86_400_000;
const KIND = "shop.orders.count_rows";
const logger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {}, fatal: () => {}, trace: () => {}, child: () => logger, level: "silent" } as never;

/** Steps a body takes one per row: the test decides how far it gets. */
class Stepper {
  private credits = 0;
  private waiters: Array<() => void> = [];
  release(n = 1): void {
    this.credits += n;
    for (const w of this.waiters.splice(0)) w();
  }
  async take(): Promise<void> {
    while (this.credits === 0) await new Promise<void>((r) => this.waiters.push(r));
    this.credits--;
  }
}

/** A body: `n` rows, one log line each, failing at the end when `fail`. */
function body(stepper: Stepper) {
  return async (data: unknown, progress: Progress) => {
    const { n, fail, burst } = data as { n: number; fail?: boolean; burst?: number };
    progress.update({ total: n, message: "Counting…" });
    for (let i = 1; i <= n; i++) {
      await stepper.take();
      if (progress.cancelled) return;
      progress.log(`row ${i} counted`);
      progress.update({ current: i });
    }
    // many ticks in a row: the history gets one write for them, not one each
    for (let i = 0; i < (burst ?? 0); i++) progress.update({ message: `tick ${i}` });
    if (fail) throw new Error("secret failure detail");
  };
}

/** A finished (or not) record written straight to the history. */
function record(id: string, status: JobStatus, createdAt: number, finishedAt: number | null, owner = "1"): JobRecord {
  return jobRecord({ id: id.padEnd(24, "x"), owner, ownerName: `user ${owner}`, action: "shop.orders.refund", description: "Refund", status, current: 0, total: null, createdAt, startedAt: createdAt, finishedAt, leaseUntil: createdAt });
}

describe.each(ENGINES)("job history on %s", (engine) => {
  let shop: Shop;
  let site: AdminSite;
  let app: FastifyInstance;
  let redis: RedisServer;
  const stepper = new Stepper();
  let now = Date.UTC(2026, 5, 15, 12);
  let writes = 0;

  beforeAll(async () => {
    shop = await openShop(engine);
    site = new AdminSite({ db: shop.db, readPool: false, jobs: { maxPerOwner: Infinity, maxPerAction: Infinity, historyProgressMs: 200, now: () => now } });
    const write = site.jobHistory.write.bind(site.jobHistory);
    site.jobHistory.write = (rec, file) => (writes++, write(rec, file));
    ({ app } = await startAdmin(site));
    site.jobQueue.handle(KIND, body(stepper));
    redis = await startRedisServer();
  }, 120_000);
  afterAll(async () => {
    stepper.release(10_000);
    await app?.close();
    await redis?.stop();
    await shop?.close();
  });

  const row = (id: string) => site.jobHistory.get(id).then((e) => e?.record);

  it("writes a job's lifecycle as it happens: queued, running with counts, done with timings and the last 20 log lines", async () => {
    const rec = await site.jobQueue.enqueue({ kind: KIND, data: { n: 25, burst: 500 }, owner: "7", ownerName: "ann", action: KIND, description: "Count 25 rows", total: 25 });
    // the creation is written at once
    const created = await waitFor(() => row(rec.id), "the queued row");
    expect(created).toMatchObject({ owner: "7", ownerName: "ann", action: KIND, description: "Count 25 rows", total: 25 });
    stepper.release(3);
    await waitFor(async () => (await row(rec.id))?.current === 3, "3 rows written as progress");
    expect((await row(rec.id))?.status).toBe("running");
    writes = 0;
    stepper.release(22);
    const done = await waitFor(async () => ((await row(rec.id))?.status === "done" ? row(rec.id) : undefined), "the done row");
    expect(done).toMatchObject({ current: 25, total: 25, message: "tick 499", error: null });
    // 22 rows and 500 ticks in a burst: a few progress writes and the final one, not one per tick
    expect(writes).toBeLessThan(12);
    expect(done!.log).toEqual(Array.from({ length: 20 }, (_, i) => `row ${i + 6} counted`));
    expect(done!.startedAt).toBeGreaterThanOrEqual(done!.createdAt);
    expect(done!.finishedAt).toBeGreaterThanOrEqual(done!.startedAt!);
    // the durable row agrees with the live record
    const live = await site.jobs.get(rec.id);
    expect({ ...done, log: undefined }).toMatchObject({ status: live!.status, current: live!.current, startedAt: live!.startedAt, finishedAt: live!.finishedAt });
  });

  it("writes failed (generic text, never the error) and cancelled", async () => {
    const failing = await site.jobQueue.enqueue({ kind: KIND, data: { n: 1, fail: true }, owner: "7", ownerName: "ann", action: KIND, description: "Fail" });
    stepper.release(1);
    const failed = await waitFor(async () => ((await row(failing.id))?.status === "failed" ? row(failing.id) : undefined), "the failed row");
    expect(failed!.error).toBe("The job failed. The details are in the server log.");
    expect(JSON.stringify(failed)).not.toContain("secret failure detail");

    const long = await site.jobQueue.enqueue({ kind: KIND, data: { n: 5 }, owner: "7", ownerName: "ann", action: KIND, description: "Cancel me" });
    stepper.release(1);
    await waitFor(async () => (await row(long.id))?.current === 1, "one row");
    expect(await site.jobQueue.cancel(long.id, "7")).toBe(true);
    stepper.release(1);
    const cancelled = await waitFor(async () => ((await row(long.id))?.status === "cancelled" ? row(long.id) : undefined), "the cancelled row");
    expect(cancelled!.cancelledBy).toBe("7");
  });

  it("a BullMQ job worker (another process's site on the same database) writes the running and final states", async () => {
    const prefix = `wh${engine}${Date.now()}`;
    const web = new AdminSite({ db: shop.db, readPool: false, jobs: { bullmq: { url: redis.url, prefix }, historyProgressMs: 200 } });
    const webLayer = new RedisChannelLayer(redis.url);
    const { app: webApp } = await startAdmin(web, { pubsub: webLayer });
    web.jobQueue.handle(KIND, body(stepper));
    const workerSite = new AdminSite({ db: shop.db, readPool: false, jobs: { historyProgressMs: 200 } });
    let worker: JobWorker | undefined;
    try {
      worker = startJobWorker(workerSite, { redisUrl: redis.url, logger, bullmq: { prefix, worker: "job-worker-1" } });
      worker.queue.handle(KIND, body(stepper));
      const rec = await web.jobQueue.enqueue({ kind: KIND, data: { n: 4 }, owner: "8", ownerName: "bob", action: KIND, description: "On a job worker" });
      // the web process wrote the creation; the job worker may have marked it running already
      expect(["queued", "running"]).toContain((await waitFor(() => web.jobHistory.get(rec.id), "the job's row"))?.record.status);
      stepper.release(2);
      // a job worker starting on a loaded machine may take a while to take its first job
      await waitFor(async () => (await web.jobHistory.get(rec.id))?.record.current === 2, "progress from the job worker", 45_000);
      stepper.release(2);
      const done = await waitFor(async () => {
        const e = await web.jobHistory.get(rec.id);
        return e?.record.status === "done" ? e.record : undefined;
      }, "the done row", 45_000);
      expect(done).toMatchObject({ current: 4, ownerName: "bob", log: ["row 1 counted", "row 2 counted", "row 3 counted", "row 4 counted"] });
    } finally {
      // a job still waiting for steps would hold the worker's close
      stepper.release(100);
      await worker?.close();
      await webApp.close();
      await webLayer.close();
    }
  }, 120_000);

  it("prunes with an injected clock: keeps 29-day-old finished jobs, deletes 31-day-old ones, never an unfinished one", async () => {
    const h = new JobHistory(shop.db, { now: () => now });
    const t = (days: number) => now - days * DAY;
    await h.write(record("prune-done-29", "done", t(30), t(29)));
    await h.write(record("prune-done-31", "done", t(32), t(31)));
    await h.write(record("prune-lost-31", "lost", t(32), t(31)));
    await h.write(record("prune-cancel-31", "cancelled", t(40), t(31)));
    await h.write(record("prune-running-40", "running", t(40), null));
    await h.write(record("prune-queued-40", "queued", t(40), null));
    expect(await h.prune()).toBe(3);
    const left = (await h.list({}, { limit: 500 })).entries.map((e) => e.record.id.replace(/x+$/, "")).filter((id) => id.startsWith("prune-"));
    expect(left.sort()).toEqual(["prune-done-29", "prune-queued-40", "prune-running-40"]);
    // a day later the 29-day-old one is 30 days old: still kept (older than 30 days goes)
    now += DAY - 1;
    expect(await h.prune()).toBe(0);
    now += 2;
    expect(await h.prune()).toBe(1);
    // the site's own history reads the same clock and the same option
    expect(site.jobHistory.retentionDays).toBe(30);
    expect(() => new JobHistory(shop.db, { retentionDays: 0 })).toThrow(expect.objectContaining({ code: "WEFT_ADMIN_ERR_JOB_HISTORY" }));
  });

  it("two processes pruning at once each delete only rows still there, and together all the old ones", async () => {
    const second = await secondConnection(shop);
    try {
      const a = new JobHistory(shop.db, { now: () => now });
      const b = new JobHistory(second.db, { now: () => now });
      const old = PRUNE_BATCH * 2 + 345;
      for (let i = 0; i < old; i += 500) {
        await Promise.all(Array.from({ length: Math.min(500, old - i) }, (_, k) => a.write(record(`twice-${i + k}`, "done", now - 40 * DAY, now - 35 * DAY))));
      }
      await a.write(record("twice-keep", "done", now - DAY, now - DAY));
      const [x, y] = await Promise.all([a.prune(), b.prune()]);
      expect(x + y).toBe(old);
      expect((await a.list({}, { limit: 5000 })).entries.filter((e) => e.record.id.startsWith("twice-")).map((e) => e.record.id.replace(/x+$/, ""))).toEqual(["twice-keep"]);
    } finally {
      await second.close();
    }
  }, 120_000);

  it("one process per round takes the prune lease", async () => {
    const layer = new MemoryChannelLayer();
    const h = new JobHistory(shop.db, { now: () => now });
    const p1 = startHistoryPruner(h, layer, { everyMs: 3_600_000, member: "one" });
    const p2 = startHistoryPruner(h, layer, { everyMs: 3_600_000, member: "two" });
    try {
      const runs = await Promise.all([p1.runOnce(), p2.runOnce(), p1.runOnce(), p2.runOnce()]);
      // the first round at start-up took the lease: its holder prunes (again), the other never
      const [one, two] = [[runs[0], runs[2]], [runs[1], runs[3]]];
      const [holder, other] = one[0] === undefined ? [two, one] : [one, two];
      expect(holder.map((r) => typeof r)).toEqual(["number", "number"]);
      expect(other).toEqual([undefined, undefined]);
    } finally {
      p1.stop();
      p2.stop();
      await layer.close();
    }
  });
});

/** Another connection to the shop's database, as another process has. */
async function secondConnection(shop: Shop): Promise<{ db: Shop["db"]; close(): Promise<void> }> {
  if (shop.engine === "sqlite") {
    const file = ((shop.db as unknown as { $client: Database.Database }).$client).name;
    const sqlite = new Database(file);
    sqlite.pragma("busy_timeout = 5000");
    return { db: drizzleSqlite(sqlite), close: async () => void sqlite.close() };
  }
  const { connectionString } = (shop.db as unknown as { $client: pg.Pool }).$client.options;
  const pool = new pg.Pool({ connectionString, max: 2 });
  pool.on("error", () => {});
  return { db: drizzlePg(pool), close: () => pool.end() };
}

describe("JobHistoryRecorder", () => {
  it("writes a creation and each status change at once, and a burst of progress once", async () => {
    const written: JobRecord[] = [];
    const fake = { write: async (rec: JobRecord) => void written.push(rec) } as unknown as JobHistory;
    const recorder = new JobHistoryRecorder(fake, { progressIntervalMs: 60_000 });
    let rec = record("recorder-1", "queued", 1, null);
    recorder.observe(rec, undefined);
    await recorder.settled();
    const running = { ...rec, status: "running" as const, rev: 2 };
    recorder.observe(running, rec);
    await recorder.settled();
    rec = running;
    for (let i = 1; i <= 1_000; i++) {
      const next = { ...rec, current: i, rev: rec.rev + 1 };
      recorder.observe(next, rec);
      rec = next;
    }
    // a lease renewal alone (nothing shown changed) is not a write
    await recorder.settled();
    expect(written.map((r) => [r.status, r.current])).toEqual([["queued", 0], ["running", 0], ["running", 1_000]]);
    const renewed = { ...rec, leaseUntil: rec.leaseUntil + 1, rev: rec.rev + 1 };
    recorder.observe(renewed, rec);
    await recorder.settled();
    expect(written).toHaveLength(3);
    const done = { ...renewed, status: "done" as const, finishedAt: 5, rev: renewed.rev + 1 };
    recorder.observe(done, renewed);
    await recorder.close();
    expect(written.map((r) => r.status)).toEqual(["queued", "running", "running", "done"]);
  });
});
