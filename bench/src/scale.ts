/**
 * `pnpm bench:scale`: 10,000 views on one Weft process (the demo app in a server child):
 * a mix of counters, 50-row tables and KPI tiles, one socket and one session per view.
 * Counters and tables together get 1,000 events/s (open loop, evenly spread, each view in
 * turn), the KPI tiles a publish every second (each publish is one push frame per tile).
 * Prints round trip p50/p99, lost replies and pushes, server CPU and RSS, and writes the
 * "scale" section of docs/benchmarks.md.
 *
 * ```
 * node bench/dist/scale.js [--views 10000] [--duration 60] [--rate 1000] [--no-write]
 * ```
 *
 * `--duration 300` gives the 5-minute figure. The load generator is this one process (it
 * holds every client socket: 10,000 file descriptors, within `ulimit -n`); its CPU is printed
 * so a saturated generator shows.
 */
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomSecret } from "@weft/server";
import { openView, type OpenView } from "./connect.js";
import { writeSection } from "./doc.js";
import { openLoop, type LoadView } from "./figures/latency.js";
import { commit } from "./machine.js";
import { benchDatabase } from "./peers/db.js";
import { ServerHandle } from "./server-handle.js";
import { int, pool, sleep } from "./stats.js";

const argv = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const VIEWS = opt("--views", 10_000);
const DURATION = opt("--duration", 60);
const RATE = opt("--rate", 1000);
const WARM_S = 5;
const write = !argv.includes("--no-write");
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const log = (m: string) => process.stderr.write(`bench:scale: ${m}\n`);

/** A view the open loop drives with its own event (counter `inc`, table `restock`). */
function driving(v: OpenView, name: string, payload: () => object): LoadView {
  const s = v.sock;
  return {
    sock: {
      pending: s.pending,
      get errors() {
        return s.errors;
      },
      set errors(e) {
        s.errors = e;
      },
      get onReply() {
        return s.onReply;
      },
      set onReply(f) {
        s.onReply = f;
      },
      event: (ref) => s.event(ref, name, payload()),
    },
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const server = await ServerHandle.start(benchDatabase(), randomSecret());
  const views: OpenView[] = [];
  try {
    const kinds = ["/counter", "/table", "/kpi"] as const;
    const base = await server.memory();
    log(`connecting ${int(VIEWS)} views (counter, table, KPI in turn; load average ${os.loadavg()[0]!.toFixed(1)})…`);
    let done = 0;
    const opened = await pool(Array.from({ length: VIEWS }, (_, i) => kinds[i % 3]!), 100, async (path) => {
      const v = await openView(server.base, path);
      if (++done % 1000 === 0) log(`  ${int(done)} joined (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      return v;
    });
    views.push(...opened);
    const connectS = (Date.now() - started) / 1000;
    const joined = await server.memory();
    let row = 0;
    const load = opened.flatMap((v, i) => {
      const k = kinds[i % 3];
      if (k === "/counter") return [driving(v, "inc", () => ({}))];
      if (k === "/table") return [driving(v, "restock", () => ({ id: String((row++ % 50) + 1) }))];
      return [];
    });
    const kpis = opened.filter((_, i) => kinds[i % 3] === "/kpi");
    let pushes = 0;
    let counting = false;
    const listen = (v: OpenView) =>
      void v.sock.next((f) => f[0] === "d", "KPI push", 3_600_000).then(
        () => {
          if (counting) pushes++;
          listen(v);
        },
        () => {},
      );
    kpis.forEach(listen);
    await server.request({ cmd: "ticker", topic: "orders", ms: 1000 });
    const p0 = { n: 0 };
    setTimeout(async () => {
      counting = true;
      p0.n = (await server.request({ cmd: "ticker", topic: "orders", ms: 1000 })).published!;
    }, WARM_S * 1000);
    log(`running: ${int(RATE)} events/s over ${int(load.length)} counter + table views, KPI publish every 1 s to ${int(kpis.length)} tiles, ${WARM_S} + ${DURATION} s`);
    const r = await openLoop(server, load, DURATION, WARM_S, { name: "unused", payload: () => ({}) }, RATE);
    const p1 = (await server.request({ cmd: "ticker", topic: "orders", ms: 0 })).published!;
    // openLoop waited 10 s for the replies; a server behind its load may still be working
    // through a backlog: give it up to 60 s more, so "late" and "lost" are told apart
    const outstanding = () => load.reduce((n, v) => n + v.sock.pending.size, 0);
    const late0 = outstanding();
    let lastPushes = -1;
    for (let waited = 0; waited < 60_000 && (outstanding() > 0 || pushes !== lastPushes); waited += 1000) {
      lastPushes = pushes;
      await sleep(1000);
    }
    counting = false;
    const lost = outstanding();
    const expectedPushes = (p1 - p0.n) * kpis.length;
    const end = await server.memory();
    const closed = new Map<string, number>();
    for (const v of views) if (v.sock.closed) closed.set(`${v.sock.closed.code} ${v.sock.closed.reason}`.trim(), (closed.get(`${v.sock.closed.code} ${v.sock.closed.reason}`.trim()) ?? 0) + 1);
    const closedText = closed.size ? [...closed].map(([why, n]) => `${int(n)} (${why})`).join(", ") : "none";
    const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
    const md = [
      "## 10,000 views on one process",
      "",
      `\`pnpm bench:scale${DURATION !== 60 ? ` -- --duration ${DURATION}` : ""}\`, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, commit ${commit()}, Node ${process.version}, ${os.cpus().length} cores shared with other work (load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(" / ")}). ` +
        `${int(VIEWS)} views (counter, 50-row table, KPI in turn), one socket and one session each, on the demo app in one server process; connected in ${connectS.toFixed(0)} s. ` +
        `Open loop of ${int(RATE)} events/s spread over the ${int(load.length)} counter and table views for ${DURATION} s (after ${WARM_S} s of warm-up); the KPI tiles get a publish every second.`,
      "",
      "| figure | measured | target |",
      "|---|---:|---:|",
      `| round trip p50 / p99 / max | ${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} / ${r.max.toFixed(0)} ms | p99 ≤ 50 ms |`,
      `| replies to the ${int(r.events + r.lost)} events of the window | ${int(r.events)} answered within 10 s of the window's end, ${int(late0 - lost)} later, ${int(lost)} never (70 s after it); ${r.errors} errors | 0 lost |`,
      `| sockets the server closed during the run | ${closedText} | none |`,
      `| KPI push frames | ${int(pushes)} of ${int(expectedPushes)} expected (${p1 - p0.n} publishes × ${int(kpis.length)} tiles) | all |`,
      `| server RSS after GC: before / with ${int(VIEWS)} views joined / at the end | ${mb(base.mem.rss)} / ${mb(joined.mem.rss)} / ${mb(end.mem.rss)} | ≤ 250 MB |`,
      `| server RSS per view (joined − before) | ${((joined.mem.rss - base.mem.rss) / VIEWS / 1024).toFixed(1)} KiB (heap ${((joined.mem.heapUsed - base.mem.heapUsed) / VIEWS / 1024).toFixed(1)} KiB) | |`,
      `| server CPU | ${r.serverCpuPct.toFixed(0)} % of one core, ${r.cpuUsPerEvent.toFixed(0)} µs per event (pushes included); event loop ${(100 * r.serverElu).toFixed(0)} % busy; GC ${r.gcCount} collections, longest ${r.gcMaxMs.toFixed(0)} ms | |`,
      `| load generator CPU / other processes | ${r.generatorCpuPct.toFixed(0)} % / ${r.otherCpuPct.toFixed(0)} % of one core; generator timer lag p99 ${r.schedLagP99?.toFixed(1)} ms | |`,
      "",
    ].join("\n");
    process.stdout.write(`${md}\n`);
    if (write) writeSection(join(REPO, "docs", "benchmarks.md"), "scale", md);
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await pool(views, 200, (v) => v.sock.close());
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
