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
    [`counter, ${n} sockets × 1 event/s: longest server GC pause`, (r) => r.open.gcMaxMs, (x) => `${x.toFixed(1)} ms`],
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
    // the spread over the runs, where it is not deterministic (frames and joins are)
    const range = (rs: PeerRun[]) => {
      const xs = sorted(rs.map(f));
      return what.startsWith("frame") || what.startsWith("join") || xs.length < 2 ? "" : ` (${fmt(xs[0]!)} – ${fmt(xs[xs.length - 1]!)})`;
    };
    return `| ${what} | ${fmt(a)}${range(l)} | ${fmt(b)}${range(w)} | ${(b / a).toFixed(2)} |`;
  });
  const lost = results.map((r) => `${r.peer} ${r.open.lost + r.closed.lost} lost, ${r.open.errors + r.closed.errors} errors, ${r.push.frames} push frames for ${r.push.expected} expected`);
  const ex = (rs: PeerRun[], k: "counter" | "table" | "kpi") => "`" + (rs[0]?.examples[k] ?? "") + "`";
  return [
    "## Peers: Weft against LiveViewJS 0.8.1",
    "",
    `\`pnpm bench:peers\`${env.quick ? " --quick (short windows, fewer views: indicative only)" : ""}, ${env.date}, commit ${env.commit}, Node ${env.node}, ${env.cores} cores shared with other work (load average at the end ${env.loadavg}). ` +
      `${env.runs} interleaved run(s) per server, each on a fresh server child: medians, and in brackets the smallest and largest of the runs; the same load generator process drives both (bench/src/peers/). On a machine this loaded the timings say more about the machine than about the servers: read the ratios of frames, joins and memory first.`,
    "",
    "| figure | LiveViewJS 0.8.1 | Weft | Weft / LVJS |",
    "|---|---:|---:|---:|",
    ...table,
    "",
    `Windows: open loop ${env.plan.openS} s, closed loop ${env.plan.closedS} s, pushes ${env.plan.pushS} s (each after ${env.plan.warmS} s of warm-up); memory over ${int(env.plan.loadViews)} counter, ${int(env.plan.tableViews)} table and ${int(env.plan.loadViews)} KPI connections, one view per socket, kept open together. Push frames are counted at the clients from the start of the window (a few from publishes just before it are counted too). Runs, in order: ${lost.join("; ")}.`,
    "",
    "How: both servers run as children of the same generator (`bench/src/peers.ts`), with the same HTML for the three views (LiveViewJS's `phx-click` / `phx-value-id` where Weft has `lv-click` / `lv-value-id`, one byte more per attribute), the same events (`inc`, `restock` with `{id:\"7\"}` as a browser sends it) and the same push (`order.created` on \"orders\" from a ticker inside the server). LiveViewJS is spoken to as phoenix_live_view's JavaScript does: Phoenix channel frames `[joinRef, ref, topic, event, payload]` over `/live/websocket?_csrf_token=…&vsn=2.0.0`, `phx_join` with the page's `data-phx-session` and CSRF token, click events, a heartbeat every 30 s (`bench/src/peers/lvjs-client.ts`). Memory: pages fetched first, then RSS and heap after `gc()` ×3 in the server child before and after opening and joining the sockets (the HTTP render is not counted); RSS moves with the allocator, so small RSS deltas (LiveViewJS's counter and KPI) are noisy: compare the heap row too.",
    "",
    "LiveViewJS 0.8.1 wiring bugs met, and the workarounds (`bench/src/peers/lvjs-server.ts`):",
    "",
    "- **A disconnected client of a pushing view crashes the server.** `WsHandler` subscribes to the socket's close with `() => this.close` (it returns the method instead of calling it), so a closed socket's view is never shut down and its PubSub subscription stays. The next publish renders the dead view and sends on the closed socket; `ws` hands the failure to the send callback, which is `this.maybeHandleError` passed unbound, and it throws a `TypeError` in `process.nextTick`: the process exits. Workaround: the bench builds each `WsHandler` itself (as `wsMiddleware()` would) with its own adaptor, calls `handler.close()` on the socket's `close`, and never sends on a socket that is not open.",
    "- `httpMiddleware` needs `req.session` (express-session): a fresh `{}` per request stands in (LiveViewJS signs it, with its CSRF token, into the page as a JWT), so no session store is kept per page view.",
    "- The LiveViewJS PubSub adds one listener per subscribed view to one module-level `EventEmitter`, which warns past 10 listeners: the child lifts the limit.",
    "- Importing `liveviewjs` fetches the MIME database from cdn.jsdelivr.net (`Mime.load`); offline it logs the failed fetch once per process (harmless here).",
    "- Not a wiring bug but a difference in kind: a LiveViewJS event reply re-sends every dynamic of a list rendered with `map` (all 50 rows for one changed cell), Weft sends one HTML delta; LiveViewJS's join reply sends statics and dynamics apart (smaller for the table), Weft's sends the HTML.",
    "",
    `Example frames (median size). Counter: LiveViewJS ${ex(l, "counter")}, Weft ${ex(w, "counter")}. Table cell (first 160 characters): LiveViewJS ${ex(l, "table")}, Weft ${ex(w, "table")}. KPI: LiveViewJS ${ex(l, "kpi")}, Weft ${ex(w, "kpi")}.`,
    "",
  ].join("\n");
}
