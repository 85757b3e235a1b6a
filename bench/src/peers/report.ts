/**
 * The "peers" section of docs/benchmarks.md: Weft / LiveViewJS ratios from the same run
 * (medians over the interleaved runs).
 */
import { percentile, sorted, int } from "../stats.js";
import type { PeerRun, Plan } from "./measure.js";

/** Where and how the figures were taken. */
export interface PeersEnv {
  date: string;
  commit: string;
  node: string;
  cores: number;
  loadavg: string;
  plan: Plan;
  runs: number;
  quick: boolean;
}

type Pick = (r: PeerRun) => number;

const med = (rs: PeerRun[], f: Pick) => percentile(sorted(rs.map(f)), 50);

/** Markdown: the ratio table, then the setup and the example frames. */
export function peersMarkdown(results: PeerRun[], env: PeersEnv): string {
  const w = results.filter((r) => r.peer === "Weft");
  const l = results.filter((r) => r.peer === "LiveViewJS");
  const n = int(env.plan.loadViews);
  const rows: Array<[string, Pick, (x: number) => string]> = [
    ["frame: counter increment", (r) => r.frames.counter, (x) => `${int(x)} B`],
    ["frame: one table cell (restock)", (r) => r.frames.table, (x) => `${int(x)} B`],
    ["frame: KPI push", (r) => r.frames.kpi, (x) => `${int(x)} B`],
    ["join reply: counter", (r) => r.join.counter, (x) => `${int(x)} B`],
    ["join reply: 50-row table", (r) => r.join.table, (x) => `${int(x)} B`],
    ["join reply: KPI", (r) => r.join.kpi, (x) => `${int(x)} B`],
    [`counter, ${n} sockets × 1 event/s: round trip p50`, (r) => r.open.p50, (x) => `${x.toFixed(2)} ms`],
    [`counter, ${n} sockets × 1 event/s: round trip p99`, (r) => r.open.p99, (x) => `${x.toFixed(2)} ms`],
    [`counter, ${n} sockets × 1 event/s: server CPU per event`, (r) => r.open.cpuUsPerEvent, (x) => `${x.toFixed(0)} µs`],
    [`counter, ${n} sockets closed loop: events/s`, (r) => r.closed.throughput, (x) => int(x)],
    [`counter, ${n} sockets closed loop: server CPU per event`, (r) => r.closed.cpuUsPerEvent, (x) => `${x.toFixed(0)} µs`],
    [`KPI, ${n} viewers × 10 pushes/s: server CPU per push frame`, (r) => r.push.cpuUsPerFrame, (x) => `${x.toFixed(1)} µs`],
    ["RSS per connection after GC (socket + join): counter", (r) => r.memory.counter.rss, (x) => `${(x / 1024).toFixed(1)} KiB`],
    ["RSS per connection after GC (socket + join): 50-row table", (r) => r.memory.table.rss, (x) => `${(x / 1024).toFixed(1)} KiB`],
    ["RSS per connection after GC (socket + join): KPI", (r) => r.memory.kpi.rss, (x) => `${(x / 1024).toFixed(1)} KiB`],
    ["heap per connection after GC: counter / table / KPI", (r) => r.memory.counter.heap, (x) => `${(x / 1024).toFixed(1)} KiB`],
  ];
  const table = rows.map(([what, f, fmt]) => {
    if (what.startsWith("heap")) {
      const h = (rs: PeerRun[]) => ["counter", "table", "kpi"].map((k) => (med(rs, (r) => r.memory[k as "counter"].heap) / 1024).toFixed(1)).join(" / ") + " KiB";
      return `| ${what} | ${h(l)} | ${h(w)} | ${["counter", "table", "kpi"].map((k) => (med(w, (r) => r.memory[k as "counter"].heap) / med(l, (r) => r.memory[k as "counter"].heap)).toFixed(2)).join(" / ")} |`;
    }
    const a = med(l, f);
    const b = med(w, f);
    return `| ${what} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)} |`;
  });
  const lost = results.map((r) => `${r.peer} ${r.open.lost + r.closed.lost} lost, ${r.open.errors + r.closed.errors} errors, pushes ${r.push.frames}/${r.push.expected}`);
  const ex = (rs: PeerRun[], k: "counter" | "table" | "kpi") => "`" + (rs[0]?.examples[k] ?? "") + "`";
  return [
    "## Peers: Weft against LiveViewJS 0.8.1",
    "",
    `\`pnpm bench:peers\`${env.quick ? " --quick (short windows, fewer views: indicative only)" : ""}, ${env.date}, commit ${env.commit}, Node ${env.node}, ${env.cores} cores shared with other work (load average at the end ${env.loadavg}). ` +
      `${env.runs} interleaved run(s) per server, each on a fresh server child, medians; the same load generator process drives both (bench/src/peers/).`,
    "",
    "| figure | LiveViewJS 0.8.1 | Weft | Weft / LVJS |",
    "|---|---:|---:|---:|",
    ...table,
    "",
    `Windows: open loop ${env.plan.openS} s, closed loop ${env.plan.closedS} s, pushes ${env.plan.pushS} s (each after ${env.plan.warmS} s of warm-up); memory over ${int(env.plan.loadViews)} counter, ${int(env.plan.tableViews)} table and ${int(env.plan.loadViews)} KPI connections, one view per socket, kept open together. Runs: ${lost.join("; ")}.`,
    "",
    `Example frames (median size). Counter: LiveViewJS ${ex(l, "counter")}, Weft ${ex(w, "counter")}. Table cell (first 160 characters): LiveViewJS ${ex(l, "table")}, Weft ${ex(w, "table")}. KPI: LiveViewJS ${ex(l, "kpi")}, Weft ${ex(w, "kpi")}.`,
    "",
  ].join("\n");
}
