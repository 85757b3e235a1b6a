/**
 * `node bench/dist/nav.js`: what one live navigation between two admin pages costs on the wire
 * (issue 12): the frames each way and their bytes, against a full page load of the same page
 * (its HTML, gzip, plus the rejoin of its views), and the round trip's server time. Prints
 * figures; never fails on a timing.
 *
 * Method: the demo app (`buildApp`, the demo's database with its default seed) listens on a
 * local port; a protocol-speaking WebSocket client (no browser) logs in, joins the orders'
 * change list with the token of its HTTP render, then sends `["n", ref, next, url]` to go to
 * the customers' list and back, 20 times, recording every frame until the `m` answer.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { buildApp } from "@weft/admin-demo/dist/app.js";
import { ensureSeeded } from "@weft/admin-demo/dist/db/seed-cli.js";
import WebSocket from "ws";
import { percentile, sorted } from "./stats.js";
import { adminLogin } from "./login.js";

const PAGES = ["/admin/shop/customer/", "/admin/shop/order/"];
const RUNS = 20;
const log = (msg: string) => process.stderr.write(`bench:nav: ${msg}\n`);

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(os.tmpdir(), "weft-bench-nav-"));
  try {
    const dbFile = join(tmp, "demo.db");
    log("seeding a temp database (demo defaults)…");
    ensureSeeded(dbFile, { quiet: true });
    const app = await buildApp({ dbFile, simulateMs: 0 });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const cookie = await adminLogin(app, "admin", "admin");

    // what a full load of the customers' list costs instead: its HTML, gzip, and the rejoin of its views
    const full = await app.inject({ url: PAGES[0], headers: { cookie } });
    const fullGzip = gzipSync(full.body, { level: 6 }).length;
    const roots = [...full.body.matchAll(/lv-token="([^"]+)"/g)].length;

    const page = await app.inject({ url: PAGES[1], headers: { cookie } });
    const token = /lv-token="([^"]+)"/.exec(page.body)![1];
    const ws = new WebSocket(`${base.replace("http", "ws")}/live/websocket?v=1`, { headers: { cookie, origin: base } });
    const inbox: string[] = [];
    let wake = () => {};
    ws.on("message", (d: Buffer) => (inbox.push(d.toString("utf8")), wake()));
    await new Promise((r) => ws.once("open", r));
    const until = async (pred: () => boolean) => {
      while (!pred()) await new Promise<void>((r) => ((wake = r), setTimeout(r, 50)));
    };
    ws.send(JSON.stringify(["j", 1, token, base + PAGES[1]]));
    await until(() => inbox.some((t) => t.startsWith('["r",1,')));

    let ref = 1;
    const times: number[] = [];
    const figures: Array<{ to: string; sent: number; received: string[] }> = [];
    for (let i = 0; i < RUNS; i++) {
      const to = PAGES[i % 2];
      const from = inbox.length;
      const next = ref + 1;
      const frame = JSON.stringify(["n", ref, next, base + to]);
      const t0 = performance.now();
      ws.send(frame);
      await until(() => inbox.slice(from).some((t) => t.startsWith(`["m",${next},`) || t.startsWith(`["x",${next},`)));
      times.push(performance.now() - t0);
      if (!inbox.slice(from).some((t) => t.startsWith('["m",'))) throw new Error(`navigation to ${to} was not live: ${inbox.slice(from).join(" ").slice(0, 200)}`);
      ref = next;
      figures.push({ to, sent: Buffer.byteLength(frame), received: inbox.slice(from) });
    }
    ws.close();
    await app.close();

    const first = figures[0];
    const mBytes = first.received.reduce((n, t) => n + Buffer.byteLength(t), 0);
    const mGzip = gzipSync(first.received.join("")).length;
    const s = sorted(times);
    console.log(`live navigation ${PAGES[1]} → ${PAGES[0]} (as the sidebar's link), over the open socket:`);
    console.log(`  frames: 1 sent (${first.sent} B) + ${first.received.length} received (${first.received.map((t) => t.slice(0, 5)).join(", ")}…: ${mBytes} B, ${mGzip} B gzip)`);
    console.log(`  HTTP requests for the page: 0`);
    console.log(`  round trip, ${RUNS} navigations back and forth: p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms`);
    console.log(`a full load of ${PAGES[0]} instead: 1 document of ${Buffer.byteLength(full.body)} B (${fullGzip} B gzip), then a new socket and ${roots} join(s)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
