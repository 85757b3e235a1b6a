// The demo with BullMQ job workers, as real processes: two web workers (JOB_QUEUE=bullmq: they
// only enqueue) and job workers started with `weft worker` (the demo's weft.config.js), all on
// one SQLite file and a private Redis. A refund of "all N matching" started on web worker A
// runs on a job worker; B's progress page shows it pinned ("N orders as of …"); the job
// worker is killed with SIGKILL mid-job and the other one resumes it, every order refunded
// exactly once (one audit entry each, checked in the database); "Finalize orders" (not
// resumable) killed the same way shows lost. Waits are condition polls with bounds.
import type { ChildProcess } from "node:child_process";
import { constants as fsc } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginCookie } from "@weft/admin/testing";
import { JobStore } from "../packages/server/src/jobs/index.js";
import { RedisChannelLayer } from "../packages/server/src/pubsub/index.js";
import { startTestRedis, type TestRedis } from "../packages/server/test/support/redis.js";
import { seededTemplate } from "./support/demo.js";
import { startWorker, stopWorker, type Worker } from "./support/faults-workers.js";
import { pollUntil, startAllMatching, startWeftWorker, workerPid } from "./support/job-workers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// the demo's SQLite driver (e2e/ has no dependency of its own on it)
const Database = createRequire(join(ROOT, "examples/admin-demo/package.json"))("better-sqlite3") as typeof import("better-sqlite3");
// the actions' pace, set here: slow enough to kill a job worker mid-job however loaded the machine
const ENV = { ACTION_ROW_DELAY_MS: "100", JOB_QUEUE: "bullmq" };

let redis: TestRedis;
let dir = "";
let dbFile = "";
let A: Worker;
let B: Worker;
let layer: RedisChannelLayer;
let store: JobStore;
const jobWorkers: ChildProcess[] = [];

const until = pollUntil(60_000);

/** `weft worker` on the demo's config and the SQLite file, as the web workers (the demo's config would open a PostgreSQL DATABASE_URL). */
const startJobWorker = () => startWeftWorker({ cwd: ROOT, env: { DATABASE_URL: "", DEMO_DB: dbFile, ...ENV }, redisUrl: redis.url, until, onSpawn: (p) => jobWorkers.push(p) });

const login = (base: string, username: string) => loginCookie(base, username, username);
/** Runs `action` on every order matching `query` from web worker A; returns the job id. */
const startAll = (cookie: string, action: string, query: string) => startAllMatching(A.url, cookie, action, query);

const record = (id: string) => store.get(id);

beforeAll(async () => {
  redis = await startTestRedis();
  dir = await mkdtemp(join(tmpdir(), "weft-e2e-jobworkers-"));
  dbFile = join(dir, "demo.db");
  await copyFile(await seededTemplate(), dbFile, fsc.COPYFILE_FICLONE);
  A = await startWorker("A", dbFile, redis.url, ENV);
  B = await startWorker("B", dbFile, redis.url, ENV);
  await Promise.all([startJobWorker(), startJobWorker()]);
  layer = new RedisChannelLayer(redis.url);
  store = new JobStore(layer);
});

afterAll(async () => {
  for (const p of jobWorkers) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  await layer?.close();
  await Promise.all([stopWorker(A), stopWorker(B)]);
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the demo with BullMQ job workers", () => {
  it("a refund of all matching orders survives kill -9 of its job worker: resumed on the other, each order refunded once", async () => {
    const db = new Database(dbFile, { readonly: true });
    const cookie = await login(A.url, "manager");
    const id = await startAll(cookie, "refund_selected", "q=ORD-0001"); // ORD-000100…ORD-000199: 100 orders
    const running = await until(async () => {
      const r = await record(id);
      return r?.status === "running" && r.current >= 5 ? r : undefined;
    }, "refund running on a job worker");
    const jobPids = jobWorkers.map((p) => p.pid);
    expect(jobPids).toContain(workerPid(running));
    expect(running.selection).toMatch(/orders as of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    // B's page (a dead render) shows the pinned selection
    const bCookie = await login(B.url, "manager");
    expect(await (await fetch(`${B.url}/admin/jobs/${id}/`, { headers: { cookie: bCookie } })).text()).toContain(running.selection!);

    jobWorkers.find((p) => p.pid === workerPid(running))!.kill("SIGKILL");
    const resumed = await until(async () => {
      const r = await record(id);
      return (r?.resumes ?? 0) > 0 ? r : undefined;
    }, "resumed on the other job worker");
    expect(workerPid(resumed)).not.toBe(workerPid(running));
    expect(resumed.log.join("\n")).toMatch(/Resumed on another worker after a crash \(\d+ of \d+ done\)/);
    const done = await until(async () => {
      const r = await record(id);
      return r?.status === "done" ? r : undefined;
    }, "refund done", 180_000);
    expect(done.current).toBe(done.total);
    // exactly once: one audit entry per refunded order, none twice
    const twice = db.prepare("select object_id, count(*) n from weft_audit_log where model = 'shop.order' and changes like '%refunded%' group by object_id having n > 1").all();
    expect(twice).toEqual([]);
    const refunds = db.prepare("select count(*) n from weft_audit_log where model = 'shop.order' and changes like '%refunded%'").get() as { n: number };
    expect(refunds.n).toBeGreaterThan(0);
    const page = await (await fetch(`${B.url}/admin/jobs/${id}/`, { headers: { cookie: bCookie } })).text();
    expect(page).toContain("Resumed on another worker after a crash");
    db.close();
  }, 300_000);

  it("Finalize orders (not resumable) killed mid-job shows lost", async () => {
    await startJobWorker(); // back to two job workers
    const cookie = await login(A.url, "manager");
    const id = await startAll(cookie, "finalize_orders", "q=ORD-0002");
    const running = await until(async () => {
      const r = await record(id);
      return r?.status === "running" && r.current >= 3 ? r : undefined;
    }, "finalize running");
    jobWorkers.find((p) => p.pid === workerPid(running))!.kill("SIGKILL");
    const lost = await until(async () => {
      const r = await store.read(id);
      return r?.status === "lost" ? r : undefined;
    }, "lost", 120_000);
    expect((lost.checkpoint as { lastId: number }).lastId).toBeGreaterThan(0);
  }, 300_000);
});
