/**
 * `pnpm bench:jobs`: the background jobs' figures across two worker processes sharing a
 * private Redis — progress-update latency, cancel latency, and the frames a progress page
 * receives when a job updates 10,000 times a second. Writes its section of
 * docs/benchmarks.md; prints figures, never fails on a timing.
 *
 * ```
 * node bench/dist/jobs.js [--no-write]
 * ```
 *
 * Processes, all on 127.0.0.1:
 * - a private `redis-server` (free port, no persistence: `startRedisServer` of @weft/server/testing);
 * - worker A (jobs/worker-a.ts): a job worker — a `RedisChannelLayer`, the admin's `JobStore`
 *   and the BullMQ engine (`BullJobQueue`) running bench job bodies (what `weft worker` runs);
 * - two more job workers for the queue phases (jobs/queue-worker.ts, jobs/queue.ts): jobs/s,
 *   the web p99 with a CPU-bound job on a job worker, crash → resumed;
 * - worker B (jobs/worker-b.ts): the demo app (`buildApp`) on its own `RedisChannelLayer`,
 *   serving the progress page `/admin/jobs/<id>/` — the real LiveView and transport;
 * - this process: logs in as the demo's superuser on B and holds the WebSocket clients of
 *   the progress pages (jobs/page.ts, on bench/src/wsclient.ts), and drives A over IPC.
 *
 * This file starts the processes and runs the phases (jobs/measure.ts) in order; the plan and
 * targets are in jobs/figures.ts, the printed summary and the docs section in jobs/report.ts.
 *
 * Timestamps are `performance.timeOrigin + performance.now()` in each process (one machine, one
 * monotonic clock); A's offset from this process is measured over IPC (NTP-style, the shortest
 * of 40 round trips) and subtracted. A watchdog stops everything after 3 minutes.
 *
 * `BENCH_DUMP=1` also prints every latency sample with its Redis leg, the frames just before
 * it and the lease renewals near it (what the tail analysis in the section rests on).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSeeded } from "@weft/admin-demo/dist/db/seed-cli.js";
import { randomSecret } from "@weft/server";
import { RedisChannelLayer } from "@weft/server/pubsub";
import { JobStore } from "@weft/server/jobs";
import { startRedisServer, type RedisServer } from "@weft/server/testing";
import { writeSection } from "./doc.js";
import { waitForQuiet } from "./machine.js";
import { int } from "./stats.js";
import { log, type Figures } from "./jobs/figures.js";
import { cancelOnce, measureCancel, measureFlood, measureLatency } from "./jobs/measure.js";
import { login } from "./jobs/page.js";
import { Child } from "./jobs/protocol.js";
import { markdownOf, summaryOf } from "./jobs/report.js";
import { measureQueue } from "./jobs/queue.js";

const write = !process.argv.includes("--no-write");
const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** A small demo database: the progress page does not read the shop's tables. */
const SEED = { customers: 200, products: 50, orders: 1_000, tickets: 50 };

const children: Child[] = [];
const closers: Array<() => Promise<void>> = [];
let redis: RedisServer | undefined;
const watchdog = setTimeout(() => {
  log("watchdog: still running after 5 minutes, giving up");
  for (const c of children) c.kill();
  void redis?.stop();
  process.exit(1);
}, 300_000);
watchdog.unref();

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  const tmp = mkdtempSync(join(os.tmpdir(), "weft-bench-jobs-"));
  try {
    const dbFile = join(tmp, "demo.db");
    log(`seeding a small temp database (${int(SEED.orders)} orders)…`);
    ensureSeeded(dbFile, { quiet: true, seed: SEED });
    redis = await startRedisServer();
    log(`private redis-server at ${redis.url}`);
    const secret = randomSecret();
    const [a, b] = await Promise.all([
      Child.start("A", "./worker-a.js", [redis.url]),
      Child.start("B", "./worker-b.js", [dbFile, secret, redis.url]),
    ]);
    children.push(a, b);
    const base = `http://127.0.0.1:${b.port}`;
    log(`worker A pid ${a.pid} (jobs), worker B pid ${b.pid} (pages at ${base})`);
    const cookie = await login(base);
    // a plain subscriber in this process: when each record reaches a Redis subscriber, page or not
    const plain = new RedisChannelLayer(redis.url);
    closers.push(() => plain.close());
    const plainStore = new JobStore(plain);

    const clock = { a: await a.clockOffset(), b: await b.clockOffset() };
    log(`clock offsets from this process: A ${clock.a.offset.toFixed(3)} ± ${clock.a.uncertainty.toFixed(3)} ms, B ${clock.b.offset.toFixed(3)} ± ${clock.b.uncertainty.toFixed(3)} ms`);
    /** A's timestamp on this process's clock */
    const fromA = (t: number) => t - clock.a.offset;

    const quiet = await waitForQuiet(15_000);
    log(`machine CPU before measuring: ${quiet.busyPct.toFixed(0)} % of one core (waited ${(quiet.waitedMs / 1000).toFixed(0)} s for < 25 %)`);

    // warm both paths once (first page render, first job) so no figure pays for lazy start-up
    await cancelOnce(a, base, cookie, fromA);

    const latency = await measureLatency(a, base, cookie, fromA, plainStore);
    const cancel = await measureCancel(a, base, cookie, fromA);
    const flood = await measureFlood(a, b, base, cookie, fromA);
    const queue = await measureQueue(redis.url, `${base}/admin/`, cookie);

    await Promise.all(children.map((c) => c.stop()));
    const figures: Figures = {
      env: {
        date: new Date().toISOString().slice(0, 16).replace("T", " "),
        node: process.version,
        cpu: os.cpus()[0]?.model.trim() ?? "?",
        cores: os.cpus().length,
        os: `${os.type()} ${os.release()}`,
        loadStart,
        loadEnd: os.loadavg(),
        quiet,
      },
      clock,
      latency,
      cancel,
      flood,
      queue,
    };
    const md = markdownOf(figures);
    process.stdout.write(summaryOf(figures));
    if (write) {
      writeSection(join(REPO, "docs", "benchmarks.md"), "jobs", md);
      log("wrote docs/benchmarks.md (jobs section)");
    }
  } finally {
    for (const close of closers) await close().catch(() => {});
    for (const c of children) c.kill();
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  for (const c of children) c.kill();
  void redis?.stop().finally(() => process.exit(1));
});
