/**
 * `pnpm bench:fanout`: the server's per-connection costs, on the demo app in a child process.
 *
 * 1. **KPI fan-out**: N sockets (one session each, as N browser tabs) join /kpi; the parent
 *    publishes `order.created` on "orders" R times (each publish waits for all N deltas); the
 *    server's own CPU (`process.cpuUsage` in the child, user + system) over the R publishes,
 *    divided by R × N, is the CPU per push frame.
 * 2. **Counter closed loop**: N sockets each joined to /counter send `inc` and wait for its
 *    reply, over and over, for `--seconds`; events/s and the server's CPU µs per event.
 * 3. **RSS per connection**: a fresh server per view kind; N sockets each join one view (one
 *    socket per view, as a tab), RSS / heap after GC before and after (figures/memory.ts).
 *
 *    With `--diverge`, each view then gets events that make its HTML its own before the "after"
 *    figure (table: `restock` of rows i mod 50 + 1 and ⌊i / 50⌋ mod 50 + 1, distinct for
 *    i < 2,500; counter: one `inc`): the last HTML sent can no longer be one string per class.
 *
 * Usage: node bench/dist/fanout.js [--viewers 1000] [--rounds 20] [--seconds 10] [--no-memory]
 *   [--no-cpu] [--no-loop] [--views counter,table] [--diverge] [--per-socket 1]: `--no-cpu` skips
 *   1 and 2, `--no-loop` skips 2, `--views` names the kinds of 3, `--per-socket` joins that many
 *   views on each socket (the viewers over that many sockets: the socket's own cost spread, the
 *   view's left).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureSeeded } from "@weft/admin-demo/dist/db/seed-cli.js";
import { randomSecret } from "@weft/server";
import { memoryPerView } from "./figures/memory.js";
import { getPage } from "./http.js";
import { ServerHandle } from "./server-handle.js";
import { percentile, pool, sleep, sorted } from "./stats.js";
import { openView, type OpenView } from "./connect.js";
import { BenchSocket } from "./wsclient.js";

const { values: opts } = parseArgs({
  options: { viewers: { type: "string", default: "1000" }, rounds: { type: "string", default: "20" }, seconds: { type: "string", default: "10" }, "no-memory": { type: "boolean", default: false }, "no-cpu": { type: "boolean", default: false }, "no-loop": { type: "boolean", default: false }, views: { type: "string", default: "counter,table" }, diverge: { type: "boolean", default: false }, "per-socket": { type: "string", default: "1" } },
});
const VIEWERS = Number(opts.viewers);
const ROUNDS = Number(opts.rounds);
const log = (msg: string) => process.stderr.write(`bench:fanout: ${msg}\n`);

async function kpiFanout(dbFile: string, secret: string): Promise<string[]> {
  const server = await ServerHandle.start(dbFile, secret);
  try {
    log(`${VIEWERS} sockets join /kpi…`);
    const socks = await pool(Array.from({ length: VIEWERS }), 50, async () => {
      const page = await getPage(server.base, "/kpi");
      const s = await BenchSocket.open(server.base, page.cookie);
      await s.join(1, page.roots[0]!.token, server.base + "/kpi");
      return s;
    });
    const perFrame: number[] = [];
    const bytes: number[] = [];
    for (let r = 0; r < ROUNDS + 2; r++) {
      const got = Promise.all(socks.map((s) => s.next((f) => (f[0] === "d" || f[0] === "r") && f[1] === 1, "KPI push", 60_000)));
      const c0 = await server.cpu();
      await server.publish("orders", { type: "order.created" });
      const frames = await got;
      const c1 = await server.cpu();
      if (r < 2) continue; // warm-up
      perFrame.push((c1.user + c1.system - c0.user - c0.system) / VIEWERS);
      bytes.push(frames[0]!.text.length);
    }
    await pool(socks, 100, (s) => s.close());
    const c = sorted(perFrame);
    return [
      `| KPI push, ${VIEWERS} viewers: server CPU per frame (p50 / p90 of ${ROUNDS} publishes) | ${percentile(c, 50).toFixed(1)} / ${percentile(c, 90).toFixed(1)} µs |`,
      `| KPI push frame | ${Math.max(...bytes)} B |`,
    ];
  } finally {
    await server.stop();
  }
}

async function counterLoop(dbFile: string, secret: string): Promise<string[]> {
  const server = await ServerHandle.start(dbFile, secret, { maxEventsPerSecond: 1_000_000 });
  try {
    log(`${VIEWERS} sockets join /counter, closed loop for ${opts.seconds} s…`);
    const views = await pool(Array.from({ length: VIEWERS }), 50, () => openView(server.base, "/counter"));
    let stop = false;
    let events = 0;
    const loop = async (v: OpenView) => {
      while (!stop) {
        await v.sock.request(1, "inc", {});
        events++;
      }
    };
    const warm = views.map(loop);
    await sleep(1000);
    const c0 = await server.cpu();
    const e0 = events;
    const t0 = performance.now();
    await sleep(Number(opts.seconds) * 1000);
    const c1 = await server.cpu();
    const n = events - e0;
    const secs = (performance.now() - t0) / 1000;
    stop = true;
    await Promise.all(warm);
    await pool(views, 100, (v) => v.sock.close());
    return [
      `| counter closed loop, ${VIEWERS} sockets: events/s | ${Math.round(n / secs)} |`,
      `| counter closed loop: server CPU per event | ${((c1.user + c1.system - c0.user - c0.system) / n).toFixed(1)} µs |`,
    ];
  } finally {
    await server.stop();
  }
}

/** The events of `--diverge`: after them no two views of the kind show the same HTML (the table, for i < 2,500). */
function diverge(view: "counter" | "table"): (s: BenchSocket, ref: number, i: number) => Promise<unknown> {
  if (view === "counter") return (s, ref) => s.request(ref, "inc", {});
  return async (s, ref, i) => {
    await s.request(ref, "restock", { id: String((i % 50) + 1) });
    await s.request(ref, "restock", { id: String((Math.floor(i / 50) % 50) + 1) });
  };
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(os.tmpdir(), "weft-bench-fanout-"));
  try {
    const dbFile = join(tmp, "demo.db");
    ensureSeeded(dbFile, { quiet: true });
    const secret = randomSecret();
    const rows = opts["no-cpu"] ? [] : await kpiFanout(dbFile, secret);
    if (!opts["no-cpu"] && !opts["no-loop"]) rows.push(...(await counterLoop(dbFile, secret)));
    if (!opts["no-memory"]) {
      for (const view of opts.views.split(",") as Array<"counter" | "table">) {
        log(`RSS per connection: ${view}…`);
        const each = Number(opts["per-socket"]);
        const m = await memoryPerView(dbFile, secret, view, Math.ceil(VIEWERS / each), each, opts.diverge ? diverge(view) : undefined);
        const what = each === 1 ? "connection after GC, socket + join" : `view after GC, ${each} views per socket, join`;
        rows.push(`| RSS / heap per ${what}${opts.diverge ? " + diverging events" : ""}, ${view} (${m.views} views) | ${(m.rssPerView / 1024).toFixed(1)} / ${(m.heapPerView / 1024).toFixed(1)} KiB |`);
      }
    }
    console.log([`node ${process.version}, ${os.cpus().length} cores`, "", "| figure | value |", "| --- | ---: |", ...rows].join("\n"));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
