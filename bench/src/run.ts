/**
 * `pnpm bench`: measures Weft's figures against the demo app and writes docs/benchmarks.md.
 *
 * ```
 * node bench/dist/run.js [--quick] [--no-write]
 * ```
 *
 * `--quick` shortens every window and uses fewer views (for trying the bench out; the page it
 * writes says so). `--no-write` only prints. Progress goes to stderr, the summary to stdout.
 * It prints figures and never fails on a timing; it exits non-zero only when something
 * broke (a refused join, a wrong delta, a server that did not start), and a watchdog stops it
 * after 15 minutes whatever happens.
 *
 * Everything runs on loopback: one seeded temp database, server children on 127.0.0.1 port 0.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSeeded } from "@weft/admin-demo/dist/db/seed-cli.js";
import { randomSecret } from "@weft/server";
import { frameSizes } from "./figures/frames.js";
import { closedLoop, openLoop, withTables, type LoadResult } from "./figures/latency.js";
import { memoryPerView, type MemoryResult } from "./figures/memory.js";
import { clientSize } from "./figures/size.js";
import { waitForQuiet, commit } from "./machine.js";
import { writeSection } from "./doc.js";
import { markdown, summary, type Results } from "./report.js";
import { ServerHandle } from "./server-handle.js";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const write = !args.has("--no-write");

/** Window lengths and sizes; `--quick` divides them. */
const plan = quick
  ? { openLevels: [1, 100, 1000], openS: 5, openWarmS: 1, closedLevels: [1, 100], closedS: 3, closedWarmS: 1, memViews: 200 }
  : { openLevels: [1, 100, 1000], openS: 20, openWarmS: 2, closedLevels: [1, 100], closedS: 10, closedWarmS: 1, memViews: 1000 };

/**
 * Limits of the frame / round-trip server: the closed loops send thousands of events per
 * second on one socket, which the default rate limit (50/s, burst 100) would refuse.
 */
const LOAD_LIMITS = { maxEventsPerSecond: 1_000_000 };

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const servers = new Set<ServerHandle>();

const watchdog = setTimeout(() => {
  log("watchdog: still running after 15 minutes, giving up");
  for (const s of servers) s.kill();
  process.exit(1);
}, 15 * 60_000);
watchdog.unref();

async function main(): Promise<void> {
  const started = Date.now();
  const tmp = mkdtempSync(join(os.tmpdir(), "weft-bench-"));
  try {
    const dbFile = join(tmp, "demo.db");
    log("seeding a temp database (demo defaults)…");
    const seeded = ensureSeeded(dbFile, { quiet: true });
    const seedSeconds = (seeded.result?.ms ?? 0) / 1000;
    const secret = randomSecret();

    log("1/5 client size");
    const sizes = clientSize();

    const server = await ServerHandle.start(dbFile, secret, LOAD_LIMITS);
    servers.add(server);
    log(`2/5 frame bytes (server ${server.base})`);
    const frames = await frameSizes(server);

    log("3-4/5 round trip and CPU per event: JIT warm-up");
    await withTables(server, 10, (v) => closedLoop(server, v, 3, 0));
    const load: LoadResult[] = [];
    // On a shared machine, give unrelated work a chance to finish before each run (bounded).
    let quietBudgetMs = quick ? 10_000 : 120_000;
    const quiet = async () => {
      const q = await waitForQuiet(Math.min(30_000, quietBudgetMs));
      quietBudgetMs = Math.max(0, quietBudgetMs - q.waitedMs);
      quietWaits.push(q);
      if (q.waitedMs > 1500) log(`    waited ${(q.waitedMs / 1000).toFixed(0)} s for a quiet machine (now ${q.busyPct.toFixed(0)} % of one core busy)`);
    };
    const quietWaits: Array<{ waitedMs: number; busyPct: number }> = [];
    for (const n of plan.openLevels) {
      await quiet();
      log(`  open loop, ${n} clients × 1 event/s, ${plan.openWarmS} + ${plan.openS} s`);
      const r = await withTables(server, n, (v) => openLoop(server, v, plan.openS, plan.openWarmS));
      log(`    p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.cpuUsPerEvent.toFixed(0)} µs/event, errors ${r.errors + r.lost}`);
      load.push(r);
    }
    for (const n of plan.closedLevels) {
      await quiet();
      log(`  closed loop, ${n} clients, ${plan.closedWarmS} + ${plan.closedS} s`);
      const r = await withTables(server, n, (v) => closedLoop(server, v, plan.closedS, plan.closedWarmS));
      log(`    p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.throughput.toFixed(0)} events/s, errors ${r.errors + r.lost}`);
      load.push(r);
    }
    await server.stop();
    servers.delete(server);

    log("5/5 memory per view (a fresh server each)");
    const memory: MemoryResult[] = [];
    const perSocket = 25;
    for (const [view, sockets, each] of [
      ["counter", plan.memViews, 1],
      ["table", plan.memViews, 1],
      ["counter", plan.memViews / perSocket, perSocket],
      ["table", plan.memViews / perSocket, perSocket],
    ] as const) {
      const m = await memoryPerView(dbFile, secret, view, sockets, each);
      log(`  ${view}, ${m.views} views, ${each}/socket: RSS ${(m.rssPerView / 1024).toFixed(2)} KiB/view, heap ${(m.heapPerView / 1024).toFixed(2)} KiB/view`);
      memory.push(m);
    }

    const cpus = os.cpus();
    const results: Results = {
      env: {
        date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
        commit: commit(),
        node: process.version,
        cpu: cpus[0]?.model.trim() ?? "unknown CPU",
        cores: cpus.length,
        os: `${os.type()} ${os.release()}`,
        seedSeconds,
        quick,
      },
      loadLimits: LOAD_LIMITS,
      quietWaits,
      sizes,
      frames,
      load,
      memory,
      targetClients: Math.max(...plan.openLevels),
    };
    process.stdout.write(`${summary(results)}\n`);
    if (write) {
      const file = join(REPO, "docs", "benchmarks.md");
      writeSection(file, "core", markdown(results));
      log(`wrote ${file}`);
    }
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    for (const s of servers) s.kill();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    for (const s of servers) s.kill();
    process.exit(1);
  },
);
