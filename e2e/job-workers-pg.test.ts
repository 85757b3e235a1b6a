// The demo's BullMQ job workers on PostgreSQL, as real processes sharing only a PostgreSQL
// database (DATABASE_URL, a database of its own from @weft/admin/testing) and a private Redis:
// `main.js --workers 2 --job-workers 1` (the demo's cluster: two web workers that only enqueue,
// one job worker it restarts when it dies) and a `weft worker` on the demo's weft.config.js,
// each in an empty working directory (no SQLite file is ever made). A refund of all matching
// orders runs on one job worker, which is killed with SIGKILL mid-job; the other resumes it
// and every order is refunded exactly once (one audit entry each, checked in PostgreSQL).
// Waits are condition polls with bounds.
import { execFile, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createTestDatabase, loginCookie, type TestDatabase } from "@weft/admin/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobStore } from "../packages/server/src/jobs/index.js";
import { RedisChannelLayer } from "../packages/server/src/pubsub/index.js";
import { startTestRedis, type TestRedis } from "../packages/server/test/support/redis.js";
import { startWorker, stopWorker, type Worker } from "./support/faults-workers.js";
import { pollUntil, startAllMatching, startWeftWorker, workerPid } from "./support/job-workers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// the demo's PostgreSQL driver (e2e/ has no dependency of its own on it)
const pg = createRequire(join(ROOT, "examples/admin-demo/package.json"))("pg") as typeof import("pg");
const SEED_CLI = join(ROOT, "examples/admin-demo/dist/db/seed-cli.js");
// the actions' pace: slow enough to kill a job worker mid-job however loaded the machine
const ENV = { ACTION_ROW_DELAY_MS: "100" };

let database: TestDatabase;
let redis: TestRedis;
let pool: import("pg").Pool;
let layer: RedisChannelLayer;
let store: JobStore;
let demo: Worker;
let weftWorker: ChildProcess | undefined;
let weftWorkerOut = "";
const dirs: string[] = [];

const until = pollUntil(90_000, () => `\n--- demo ---\n${demo?.output()}\n--- weft worker ---\n${weftWorkerOut}`);

const emptyDir = async (name: string) => {
  const d = await mkdtemp(join(tmpdir(), `weft-e2e-pgjobs-${name}-`));
  dirs.push(d);
  return d;
};

/** `weft worker` on the demo's config with DATABASE_URL; resolves once it printed its start line. */
async function startJobWorker(): Promise<ChildProcess> {
  const cwd = await emptyDir("weft-worker");
  const env = { DATABASE_URL: database.url, DEMO_DB: join(cwd, "never-created.db"), ...ENV };
  return startWeftWorker({ cwd, env, redisUrl: redis.url, until, onOutput: (chunk) => void (weftWorkerOut += chunk) });
}

/** Logs in through the form (password = username); returns the cookie header. */
const login = (base: string, username: string) => loginCookie(base, username, username);

/** Runs `action` on every order matching `query`; returns the job id. */
const startAll = (cookie: string, action: string, query: string) => startAllMatching(demo.url, cookie, action, query);

const record = (id: string) => store.get(id);
/** The job workers' pids: the cluster's (from its start line) and the `weft worker`'s. */
const jobWorkerPids = () => [...demo.output().matchAll(/Job worker \d+ \(pid (\d+)\)/g)].map((m) => Number(m[1])).concat(weftWorker?.pid ? [weftWorker.pid] : []);

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase({ prefix: "e2e_pgjobs" }), startTestRedis()]);
  // a small shop: ORD-000100 … ORD-000199 are the 100 orders of "q=ORD-0001"
  await promisify(execFile)(process.execPath, [SEED_CLI, database.url, "--customers", "300", "--products", "40", "--orders", "2000", "--tickets", "40"], { maxBuffer: 1 << 24 });
  const cwd = await emptyDir("demo");
  demo = await startWorker("demo", join(cwd, "never-created.db"), redis.url, { DATABASE_URL: database.url, ...ENV }, cwd, ["--workers", "2", "--job-workers", "1"]);
  weftWorker = await startJobWorker();
  await until(() => jobWorkerPids().length === 2, "the cluster's job worker started");
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on("error", () => {});
  layer = new RedisChannelLayer(redis.url);
  store = new JobStore(layer);
});

afterAll(async () => {
  if (weftWorker && weftWorker.exitCode === null && weftWorker.signalCode === null) weftWorker.kill("SIGKILL");
  await layer?.close();
  await stopWorker(demo);
  await pool?.end();
  await redis?.stop();
  await database?.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("the demo's job workers on PostgreSQL", () => {
  it("runs with DATABASE_URL: web and job workers of the cluster and a weft worker, no file written", async () => {
    expect(demo.output()).toContain("Database:      PostgreSQL at");
    expect(demo.output()).toContain("Job workers:   1");
    expect(weftWorkerOut).toMatch(/weft worker: pid \d+ runs \d+ kinds of job \(.*shop\.order\.refund_selected/);
    for (const d of dirs) expect(readdirSync(d), d).toEqual([]);
    expect(existsSync(join(dirs[0]!, "never-created.db"))).toBe(false);
  });

  it("a refund of all matching orders survives kill -9 of its job worker: resumed on the other, each order refunded once (checked in PostgreSQL)", async () => {
    const refundable = await pool.query<{ id: number }>("select id from orders where number like 'ORD-0001%' and status in ('paid', 'shipped', 'delivered') order by id");
    expect(refundable.rows.length).toBeGreaterThan(10);
    const cookie = await login(demo.url, "manager");
    const id = await startAll(cookie, "refund_selected", "q=ORD-0001");
    const running = await until(async () => {
      const r = await record(id);
      return r?.status === "running" && r.current >= 5 ? r : undefined;
    }, "refund running on a job worker");
    expect(jobWorkerPids()).toContain(workerPid(running));
    expect(running.selection).toMatch(/100 orders as of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);

    process.kill(workerPid(running), "SIGKILL");
    const resumed = await until(async () => {
      const r = await record(id);
      return (r?.resumes ?? 0) > 0 ? r : undefined;
    }, "resumed on another job worker");
    expect(workerPid(resumed)).not.toBe(workerPid(running));
    expect(resumed.log.join("\n")).toMatch(/Resumed on another worker after a crash \(\d+ of 100 done\)/);
    const done = await until(async () => {
      const r = await record(id);
      return r?.status === "done" ? r : undefined;
    }, "refund done", 180_000);
    expect(done.current).toBe(100);

    // exactly once: one audit entry per refunded order, none twice; every refundable order refunded
    const twice = await pool.query("select object_id, count(*) n from weft_audit_log where model = 'shop.order' and changes like '%refunded%' group by object_id having count(*) > 1");
    expect(twice.rows).toEqual([]);
    const audited = await pool.query<{ object_id: string }>("select object_id from weft_audit_log where model = 'shop.order' and changes like '%refunded%' order by object_id::int");
    expect(audited.rows.map((r) => Number(r.object_id))).toEqual(refundable.rows.map((r) => r.id));
    const left = await pool.query<{ n: string }>("select count(*) n from orders where id = any($1) and status <> 'refunded'", [refundable.rows.map((r) => r.id)]);
    expect(Number(left.rows[0]!.n)).toBe(0);
    // the job page (a dead render) tells the story
    const page = await (await fetch(`${demo.url}/admin/jobs/${id}/`, { headers: { cookie } })).text();
    expect(page).toContain("Resumed on another worker after a crash");
  }, 400_000);
});
