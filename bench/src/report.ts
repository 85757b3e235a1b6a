/**
 * Turns the measured figures into docs/benchmarks.md and into the short summary printed on
 * stdout. The targets and the comparison figures (LiveViewJS, Phoenix LiveView) are the
 * project's stated goals and reference numbers; this bench measures only Weft.
 */
import type { ClientSize } from "./figures/size.js";
import type { FrameSizes } from "./figures/frames.js";
import type { LoadResult } from "./figures/latency.js";
import type { MemoryResult } from "./figures/memory.js";
import { bytes, int, kib, ms } from "./stats.js";

/** Everything one run measured, plus where it ran. */
export interface Results {
  env: { date: string; commit: string; node: string; cpu: string; cores: number; os: string; seedSeconds: number; quick: boolean };
  /** limit overrides of the load server, and why */
  loadLimits: Record<string, number>;
  /** before each round-trip run: how long the bench waited for a quiet machine, and how busy it was then */
  quietWaits: Array<{ waitedMs: number; busyPct: number }>;
  sizes: ClientSize[];
  frames: FrameSizes[];
  load: LoadResult[];
  memory: MemoryResult[];
  /** the open-loop level the latency and CPU targets are judged on */
  targetClients: number;
}

/** One line of the summary table. */
interface Row {
  figure: string;
  measured: string;
  target: string;
  /** the number compared with the target; NaN when not measured */
  value: number;
  limit: number;
  comparison: string;
}

const yes = (r: Row) => (Number.isNaN(r.value) ? "n/a" : r.value <= r.limit ? "yes" : "**no**");

function rows(r: Results): Row[] {
  const out: Row[] = [];
  for (const s of r.sizes) {
    out.push({
      figure: `Client size, \`${s.file.split("/").pop()}\` (gzip -9, morphdom included)`,
      measured: bytes(s.gzip9),
      target: "≤ 6,144 B",
      value: s.gzip9,
      limit: 6144,
      comparison: "LiveViewJS 0.8.1: 30,253 B; Phoenix LiveView 1.2: 45,351 B",
    });
  }
  const frame = (key: FrameSizes["key"], name: string, limit: number, comparison: string) => {
    const f = r.frames.find((x) => x.key === key);
    if (!f) return;
    out.push({
      figure: `Frame: ${name}`,
      measured: f.min === f.max ? bytes(f.max) : `${bytes(f.max)} max (median ${int(f.median)} B, over ${f.samples})`,
      target: `≤ ${limit} B`,
      value: f.max,
      limit,
      comparison,
    });
  };
  frame("counter", "counter increment", 40, "LiveViewJS: 100 B");
  frame("table", "one changed cell of the 50-row table", 60, "LiveViewJS: 2,094 B");
  frame("kpi", "one KPI push", 40, "LiveViewJS: 71 B");
  const at = r.load.find((l) => l.mode === "open" && l.clients === r.targetClients);
  const hot = r.load.find((l) => l.mode === "closed" && l.clients === 1);
  out.push({
    figure: `Event round trip p99, table, ${int(r.targetClients)} clients × 1 event/s`,
    measured: at ? `${ms(at.p99)} ms (p50 ${ms(at.p50)} ms)` : "not run",
    target: "≤ 20 ms",
    value: at?.p99 ?? Number.NaN,
    limit: 20,
    comparison: "LiveViewJS: 689 ms",
  });
  out.push({
    figure: `Server CPU per table event (at ${int(r.targetClients)} clients × 1 event/s)`,
    measured: at
      ? `${at.cpuUsPerEvent.toFixed(1)} µs (user ${int(at.cpuUserUsPerEvent)} + system ${int(at.cpuSysUsPerEvent)})` +
        (hot ? `; ${int(hot.cpuUsPerEvent)} µs in the 1-client closed loop` : "")
      : "not run",
    target: "≤ 150 µs",
    value: at?.cpuUsPerEvent ?? Number.NaN,
    limit: 150,
    comparison: "LiveViewJS: 600–980 µs",
  });
  const mem = (view: MemoryResult["view"], limitKiB: number, comparison: string) => {
    const m = r.memory.find((x) => x.view === view && x.viewsPerSocket === 1);
    const shared = r.memory.find((x) => x.view === view && x.viewsPerSocket > 1);
    out.push({
      figure: `RSS per connected ${view} view after GC (one socket per view)`,
      measured: m
        ? `${kib(m.rssPerView)} (heap ${kib(m.heapPerView)})` +
          (shared ? `; ${shared.viewsPerSocket} views per socket: ${kib(shared.rssPerView)} (heap ${kib(shared.heapPerView)})` : "")
        : "not run",
      target: `≤ ${limitKiB} KiB`,
      value: m ? m.rssPerView / 1024 : Number.NaN,
      limit: limitKiB,
      comparison,
    });
  };
  mem("counter", 3, "LiveViewJS: 3–5 KiB");
  mem("table", 8, "LiveViewJS: 16 KiB");
  return out;
}

const METHOD = `# Benchmarks

This page is written by \`pnpm bench\` (sources in \`bench/src/\`); do not edit it by hand,
run the bench again. The bench prints figures; it never fails on a timing.

## How it measures

- **Real server, real sockets, loopback only.** The demo app is built with \`buildApp\`
  (examples/admin-demo) on a freshly seeded SQLite file in a temp directory and listens on
  127.0.0.1, port 0. It runs in a **child process** (\`bench/src/server.ts\`), so the load
  generator (the parent, \`bench/src/run.ts\`) never shares its event loop. Both run on the
  same machine: on a 2-core machine the generator takes CPU from the server, so the latency
  figures are pessimistic compared with a server that has the machine to itself. The machine
  may also be running unrelated work; the round-trip table says how much (*Other processes
  CPU %*), and a run that shared its cores says more about the machine than about Weft. The server
  reports its own CPU time and memory over the \`child_process\` IPC channel; no route is
  added to the app.
- **Clients behave like browser tabs.** Each client GETs the page (which sets the session
  cookie and carries the signed view token on the view root), opens \`/live/websocket?v=1\`
  with that cookie and the page's \`Origin\`, and sends the join frame \`["j",ref,token,url]\`.
  Events are the frames the browser runtime sends (\`["e",ref,seq,"restock",{"id":"7"}]\`,
  \`lv-value-*\` values are strings). The \`ws\` client does not negotiate compression, so the
  frames measured are the server's text as written.
- **Client size**: \`zlib.gzipSync(file, { level: 9 })\` of \`packages/client/dist/weft.js\`
  and \`weft.mjs\`, as the client's own build prints it.
- **Frame bytes**: UTF-8 length of the exact text frame the server sent for the change
  (the 2-byte WebSocket header not included). Every update is applied to the client's copy
  of the HTML and checked, so a small frame cannot be a wrong one.
- **Round trip**: from just before \`ws.send\` of the event to the arrival of its reply
  frame (which carries the render the event caused). *Open loop*: N clients × 1 event/s,
  evenly spread, sent on schedule whatever the replies do; *closed loop*: each client sends
  its next event when the previous reply arrives. Each run warms up first (unrecorded).
- **Server CPU per event**: \`process.cpuUsage()\` (user + system) of the server process
  over the recorded window divided by the events sent in it — everything the process did
  meanwhile, socket I/O and GC included.
- **Memory per view**: a fresh server started with \`--expose-gc\`; after a warm-up, the
  pages are fetched, then \`gc()\` ×3 and \`process.memoryUsage()\` before and after joining N
  views; per view = difference / N.
`;

/** The Markdown page. */
export function markdown(r: Results): string {
  const e = r.env;
  const lines: string[] = [METHOD];
  lines.push("## Run");
  lines.push("");
  lines.push(
    `${e.date}, commit \`${e.commit}\`, Node ${e.node}, ${e.cpu} × ${e.cores} logical cores, ${e.os}. ` +
      `Database seeded in ${e.seedSeconds.toFixed(1)} s (demo defaults: 400,000 orders).` +
      (e.quick ? " **Quick run (`--quick`): shorter windows and fewer views; not the published figures.**" : ""),
  );
  lines.push("");
  const limits = Object.entries(r.loadLimits).map(([k, v]) => `\`${k}\` = ${int(v)}`).join(", ");
  lines.push(
    `Per-socket limits: defaults, except on the server of the frame and round-trip runs: ${limits || "none"}. ` +
      "The default (50 events/s per socket, burst 100) would refuse the closed-loop runs, where one socket sends " +
      "thousands of events per second; the open-loop runs (1 event/s per socket) stay far below it either way. " +
      "The limiter still runs on every frame. The memory runs use the default limits and stay within " +
      "32 views per socket.",
  );
  lines.push("");
  lines.push("## Summary");
  lines.push("");
  lines.push("| Figure | Measured | Target | Meets target | Comparison (reference figures, not measured here) |");
  lines.push("|---|---:|---:|:---:|---|");
  for (const row of rows(r)) lines.push(`| ${row.figure} | ${row.measured} | ${row.target} | ${yes(row)} | ${row.comparison} |`);
  lines.push("");

  lines.push("## Frames");
  lines.push("");
  lines.push("Bytes of the server's text frame for one change (median, smallest, largest over the samples), a median frame verbatim, and the event frame the client sent.");
  lines.push("");
  lines.push("| Change | Samples | Median | Min | Max | Example frame | Client sent |");
  lines.push("|---|---:|---:|---:|---:|---|---|");
  const label = { counter: "counter increment (100 increments)", table: "one table cell (restock each of the 50 rows)", kpi: "KPI push (20 publishes on \"orders\")" };
  for (const f of r.frames) {
    lines.push(`| ${label[f.key]} | ${f.samples} | ${bytes(f.median)} | ${bytes(f.min)} | ${bytes(f.max)} | \`${f.example}\` | ${f.sent ? `\`${f.sent}\` (${f.sent.length} B)` : "— (server push)"} |`);
  }
  lines.push("");

  lines.push("## Event round trip on the table view");
  lines.push("");
  lines.push(
    "One client = one socket, one session, one table view. Latency in ms. Server CPU µs/event = server CPU time over the window / events sent in it. " +
      "CPU % is of one core (the machine has " + e.cores + "). Generator lag = p99 of how late the load generator sent an event against its schedule.",
  );
  lines.push("");
  const waited = r.quietWaits.reduce((t, q) => t + q.waitedMs, 0);
  const busy = r.quietWaits.map((q) => (Number.isNaN(q.busyPct) ? "n/a" : q.busyPct.toFixed(0))).join(", ");
  lines.push(
    `Before each run the bench waited for the machine to be quiet (all processes together under 25 % of one core over 1 s, at most 30 s per run and 120 s in all): ` +
      `it waited ${(waited / 1000).toFixed(0)} s in all; the machine was busy at ${busy} % of one core in the last sample before each run.`,
  );
  lines.push("");
  lines.push("| Load | Window | Replies | p50 | p99 | max | Throughput (events/s) | Server CPU µs/event (user + system) | Server CPU % | Server ELU | Server GC (count, total, longest) | Generator CPU % | Generator lag p99 | Other processes CPU % | Load avg | Errors |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const l of r.load) {
    const load = l.mode === "open" ? `open loop, ${int(l.clients)} × 1 event/s` : `closed loop, ${int(l.clients)} client${l.clients > 1 ? "s" : ""}`;
    lines.push(
      `| ${load} | ${Math.round(l.seconds)} s | ${int(l.events)} | ${ms(l.p50)} | ${ms(l.p99)} | ${ms(l.max)} | ${int(l.throughput)} | ${int(l.cpuUsPerEvent)} (${int(l.cpuUserUsPerEvent)} + ${int(l.cpuSysUsPerEvent)}) | ${l.serverCpuPct.toFixed(0)} | ${l.serverElu.toFixed(2)} | ${l.gcCount}, ${ms(l.gcMs)} ms (${int((1000 * l.gcMs) / Math.max(1, l.events))} µs/event), ${ms(l.gcMaxMs)} ms | ${l.generatorCpuPct.toFixed(0)} | ${l.schedLagP99 === undefined ? "—" : ms(l.schedLagP99)} | ${Number.isNaN(l.otherCpuPct) ? "n/a" : l.otherCpuPct.toFixed(0)} | ${l.loadavg.toFixed(1)} | ${l.errors + l.lost} |`,
    );
  }
  lines.push("");
  lines.push(
    "With fewer than 100 replies (the 1-client open loop), p99 is the largest sample. " +
      "*Server ELU* is the event-loop utilization of the server over the window; when it is much higher than *Server CPU %*, " +
      "the server's thread was runnable but not running (the cores were busy elsewhere). " +
      "*Other processes CPU %* is the machine's CPU use (from `/proc/stat`) minus the server's and the generator's, in % of one core: " +
      "anything well above 0 means the run shared the cores with unrelated work, and its latencies are an upper bound.",
  );
  lines.push("");

  lines.push("## Memory per connected view");
  lines.push("");
  lines.push(
    "Fresh server per line, default limits. Per view = (after − before) / views, after `gc()`. " +
      "RSS differences move by a few KiB per view from run to run (pages V8 and the allocator keep or return); " +
      "heapUsed repeats within about 0.1 KiB. The one-socket-per-view lines charge each view its socket " +
      "(the WebSocket, its TCP socket, the HTTP upgrade request, timers); the 25-per-socket lines spread that over 25 views.",
  );
  lines.push("");
  lines.push("| View | Layout | Views | RSS / view | heapUsed / view | external / view | RSS before → after | heapUsed before → after |");
  lines.push("|---|---|---:|---:|---:|---:|---:|---:|");
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  for (const m of r.memory) {
    lines.push(
      `| ${m.view} | ${m.sockets === m.views ? "one socket per view" : `${m.viewsPerSocket} views on each of ${m.sockets} sockets`} | ${int(m.views)} | ${kib(m.rssPerView)} | ${kib(m.heapPerView)} | ${kib(m.externalPerView)} | ${mib(m.before.rss)} → ${mib(m.after.rss)} | ${mib(m.before.heapUsed)} → ${mib(m.after.heapUsed)} |`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

/** The compact summary for stdout. */
export function summary(r: Results): string {
  const rs = rows(r);
  const w0 = Math.max(...rs.map((x) => x.figure.length));
  const w1 = Math.max(...rs.map((x) => x.measured.length));
  const out = rs.map((x) => `${x.figure.replace(/`/g, "").padEnd(w0)}  ${x.measured.padStart(w1)}  target ${x.target.padEnd(9)} ${yes(x).replace(/\*/g, "").padEnd(3)}  (${x.comparison})`);
  out.push("");
  out.push("round trip, table view (ms):");
  for (const l of r.load) {
    const load = l.mode === "open" ? `open   ${String(l.clients).padStart(5)} x 1/s   ` : `closed ${String(l.clients).padStart(5)} client(s)`;
    out.push(
      `  ${load}: p50 ${ms(l.p50).padStart(5)}  p99 ${ms(l.p99).padStart(5)}  max ${ms(l.max).padStart(5)}  ${int(l.throughput).padStart(6)} ev/s  server ${int(l.cpuUsPerEvent).padStart(4)} µs/ev  other procs ${l.otherCpuPct.toFixed(0).padStart(3)} % CPU  errors ${l.errors + l.lost}`,
    );
  }
  out.push("memory per view (RSS / heapUsed):");
  for (const m of r.memory) {
    out.push(`  ${m.view.padEnd(7)} ${String(m.views).padStart(5)} views, ${String(m.viewsPerSocket).padStart(2)}/socket: ${kib(m.rssPerView)} / ${kib(m.heapPerView)}`);
  }
  return out.join("\n");
}
