/**
 * `pnpm bench:peers`: Weft against LiveViewJS 0.8.1 on the same counter, 50-row table and KPI
 * tile, driven by the same load generator in the same run, and writes the "peers" section of
 * docs/benchmarks.md.
 *
 * ```
 * node bench/dist/peers.js [--quick] [--runs N] [--no-write]
 * node bench/dist/peers.js --report FILE   # rewrites the section from a previous run's results
 * ```
 *
 * Runs are interleaved (Weft, LiveViewJS, then LiveViewJS, Weft, …), each on a fresh server
 * child; every figure is the median over the runs. See peers/measure.ts for what one run
 * measures. The seeded demo database is kept in the temp directory between invocations, and
 * the raw results of the last run go to `$TMPDIR/weft-bench-peers/results.json`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomSecret } from "@weft/server";
import { writeSection } from "./doc.js";
import { commit } from "./machine.js";
import { benchDatabase } from "./peers/db.js";
import { peerRun, type Plan, type PeerRun } from "./peers/measure.js";
import { liveviewjs, weft } from "./peers/peer.js";
import { peersMarkdown, type PeersEnv } from "./peers/report.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const write = !argv.includes("--no-write");
const runsArg = argv.indexOf("--runs");
const runs = runsArg >= 0 ? Number(argv[runsArg + 1]) : quick ? 1 : 3;
const plan: Plan = quick
  ? { loadViews: 200, tableViews: 100, openS: 3, closedS: 2, pushS: 2, warmS: 1 }
  : { loadViews: 1000, tableViews: 300, openS: 8, closedS: 5, pushS: 4, warmS: 1 };
const log = (m: string) => process.stderr.write(`bench:peers: ${m}\n`);
const REPO = fileURLToPath(new URL("../../", import.meta.url));

async function measureAll(): Promise<{ results: PeerRun[]; env: PeersEnv }> {
  const dbFile = benchDatabase();
  const secret = randomSecret();
  const results: PeerRun[] = [];
  for (let r = 0; r < runs; r++) {
    for (const peer of r % 2 === 0 ? [weft, liveviewjs] : [liveviewjs, weft]) {
      log(`run ${r + 1}/${runs}: ${peer.name} (load average ${os.loadavg()[0]!.toFixed(1)})`);
      results.push(await peerRun(peer as never, dbFile, secret, plan, log));
    }
  }
  const env = {
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    commit: commit(),
    node: process.version,
    cores: os.cpus().length,
    loadavg: os.loadavg().map((x) => x.toFixed(1)).join(" / "),
    plan,
    runs,
    quick,
  };
  writeFileSync(join(dirname(dbFile), "results.json"), JSON.stringify({ results, env }));
  return { results, env };
}

async function main(): Promise<void> {
  const started = Date.now();
  const from = argv.indexOf("--report");
  const { results, env } = from >= 0 ? (JSON.parse(readFileSync(argv[from + 1]!, "utf8")) as { results: PeerRun[]; env: PeersEnv }) : await measureAll();
  const md = peersMarkdown(results, env);
  process.stdout.write(`${md}\n`);
  if (write) {
    const file = join(REPO, "docs", "benchmarks.md");
    writeSection(file, "peers", md);
    log(`wrote ${file}`);
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
