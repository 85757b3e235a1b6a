/**
 * `pnpm bench:workers`: counter events/s of the demo (`main.js --workers N`, node:cluster) with
 * 2 workers against 1, closed loop, and writes the "workers" section of docs/benchmarks.md.
 *
 * ```
 * node bench/dist/workers.js [--views N] [--seconds S] [--runs R] [--no-write]
 * ```
 *
 * Each run starts the demo as `pnpm demo --workers N` does (PORT free, SIMULATE_MS=0,
 * REDIS_URL=redis://127.0.0.1:6379 as several workers need), opens N counter views (one
 * socket and one new session each: the primary hands each TCP connection to the next worker,
 * round-robin), runs figures/latency.ts's closed loop, and reads the CPU of every process of
 * the cluster from /proc (Linux), so the share of each worker shows how the sockets spread.
 * Runs alternate 1, 2, then 2, 1, … workers (3 of each by default); figures are medians.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@weft/server/testing";
import { openView, type OpenView } from "./connect.js";
import { writeSection } from "./doc.js";
import { closedLoop, type LoadResult } from "./figures/latency.js";
import { commit } from "./machine.js";
import { benchDatabase } from "./peers/db.js";
import { int, percentile, pool, sleep, sorted } from "./stats.js";

const argv = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const VIEWS = opt("--views", 1000);
const SECONDS = opt("--seconds", 8);
const RUNS = opt("--runs", 3);
const write = !argv.includes("--no-write");
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(REPO, "examples/admin-demo/dist/main.js");
const log = (m: string) => process.stderr.write(`bench:workers: ${m}\n`);
const TICK_US = 1e6 / 100; // /proc/<pid>/stat counts in clock ticks (USER_HZ = 100 on Linux)

/** user and system CPU (µs) of `pid` and of its children, from /proc. */
function cpuOf(pid: number): Map<number, { user: number; system: number }> {
  const out = new Map<number, { user: number; system: number }>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(f[1]);
      if (Number(d) !== pid && ppid !== pid) continue;
      out.set(Number(d), { user: Number(f[11]) * TICK_US, system: Number(f[12]) * TICK_US });
    } catch {
      // the process went away
    }
  }
  return out;
}

/** Starts `main.js --workers n` on a free port; resolves once every worker listens. */
async function startDemo(n: number, dbFile: string): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN, "--workers", String(n)], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DEMO_DB: dbFile, SIMULATE_MS: "0", REDIS_URL: "redis://127.0.0.1:6379", LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error(`the demo did not start in 120 s: ${out}`)), 120_000);
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("Weft demo:")) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`the demo exited with ${code}: ${out}`)));
  });
  child.removeAllListeners("exit");
  return { child, base: `http://127.0.0.1:${port}` };
}

interface WorkersRun {
  workers: number;
  result: LoadResult;
  /** share of the cluster's CPU over the window per worker, % (primary first) */
  shares: number[];
}

async function run(n: number, dbFile: string): Promise<WorkersRun> {
  const { child, base } = await startDemo(n, dbFile);
  try {
    const pid = child.pid!;
    let views: OpenView[] = [];
    views = await pool(Array.from({ length: VIEWS }), 50, () => openView(base, "/counter"));
    let last = cpuOf(pid);
    let window = new Map<number, number>();
    const source = {
      cpu: async () => {
        const now = cpuOf(pid);
        window = new Map([...now].map(([p, c]) => [p, c.user + c.system - ((last.get(p)?.user ?? 0) + (last.get(p)?.system ?? 0))]));
        last = now;
        let user = 0;
        let system = 0;
        for (const c of now.values()) {
          user += c.user;
          system += c.system;
        }
        return { user, system, elu: { idle: 0, active: 0 }, gc: { count: 0, totalMs: 0, maxMsSinceLast: 0 } };
      },
    };
    const result = await closedLoop(source, views, SECONDS, 1, { name: "inc", payload: () => ({}) });
    const total = [...window.values()].reduce((a, b) => a + b, 0);
    const shares = [...window.entries()].sort(([a], [b]) => (a === pid ? -1 : b === pid ? 1 : a - b)).map(([, us]) => (100 * us) / total);
    await pool(views, 100, (v) => v.sock.close());
    return { workers: n, result, shares };
  } finally {
    child.kill("SIGTERM");
    await Promise.race([new Promise((r) => child.once("exit", r)), sleep(15_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

async function main(): Promise<void> {
  const dbFile = benchDatabase();
  const runs: WorkersRun[] = [];
  for (let r = 0; r < RUNS; r++) {
    for (const n of r % 2 === 0 ? [1, 2] : [2, 1]) {
      log(`run ${r + 1}/${RUNS}: ${n} worker(s), ${VIEWS} counter sockets, closed loop ${SECONDS} s (load average ${os.loadavg()[0]!.toFixed(1)})`);
      const w = await run(n, dbFile);
      log(`    ${int(w.result.throughput)} events/s, p99 ${w.result.p99.toFixed(1)} ms, CPU share (primary, workers…) ${w.shares.map((s) => s.toFixed(0) + " %").join(", ")}, generator ${w.result.generatorCpuPct.toFixed(0)} % of a core, lost ${w.result.lost}, errors ${w.result.errors}`);
      runs.push(w);
    }
  }
  const med = (n: number, f: (w: WorkersRun) => number) => percentile(sorted(runs.filter((w) => w.workers === n).map(f)), 50);
  const one = med(1, (w) => w.result.throughput);
  const two = med(2, (w) => w.result.throughput);
  const row = (n: number) =>
    `| ${n} | ${int(med(n, (w) => w.result.throughput))} (${runs.filter((w) => w.workers === n).map((w) => int(w.result.throughput)).join(", ")}) | ${med(n, (w) => w.result.p50).toFixed(1)} / ${med(n, (w) => w.result.p99).toFixed(1)} ms | ${med(n, (w) => w.result.cpuUsPerEvent).toFixed(0)} µs | ${med(n, (w) => w.result.serverCpuPct).toFixed(0)} % | ${runs.filter((w) => w.workers === n).map((w) => w.shares.map((s) => s.toFixed(0)).join("/")).join("; ")} | ${med(n, (w) => w.result.generatorCpuPct).toFixed(0)} % | ${med(n, (w) => w.result.otherCpuPct).toFixed(0)} % |`;
  const md = [
    "## Many cores: `pnpm demo --workers N`",
    "",
    `\`pnpm bench:workers\`, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, commit ${commit()}, Node ${process.version}, ${os.cpus().length} cores shared with other work (load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(" / ")}). ` +
      `${int(VIEWS)} counter views, one socket and session each, closed loop (each keeps one \`inc\` in flight) for ${SECONDS} s after 1 s of warm-up; the load generator is one process on the same 2 cores. Medians of ${RUNS} run(s) per setting (nearest rank: the lower of two), alternated.`,
    "",
    "How the sockets spread: node:cluster's primary accepts each TCP connection and hands it to the next worker in turn (round-robin, the default off Windows); a view's state lives in its socket's worker and its page token is signed with the shared secret, so no sticky sessions are needed. The CPU share per worker (from /proc over the window) shows the spread. On this machine the cluster competes with the load generator and with the other processes for the 2 cores (last column): a second worker can only help as far as the machine has a core to give it.",
    "",
    "| workers | events/s (each run) | round trip p50 / p99 | cluster CPU per event | cluster CPU (% of one core) | CPU share per run, % (primary / workers) | generator CPU | other processes' CPU |",
    "|---:|---:|---:|---:|---:|---|---:|---:|",
    row(1),
    row(2),
    "",
    `**2 workers / 1: ${(two / one).toFixed(2)}×** events/s (target ≥ 1.6×).`,
    "",
  ].join("\n");
  process.stdout.write(`${md}\n`);
  if (write) writeSection(join(REPO, "docs", "benchmarks.md"), "workers", md);
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
