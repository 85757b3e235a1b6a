// node e2e/tile-frames.mjs <repo root> <seeded demo.db> : starts that checkout's demo (an order every 500 ms) on a copy of the
// seeded database (e.g. the e2e seed cache: $TMPDIR/weft-e2e-seed-*/demo.db), opens the dashboard, prints the byte sizes of the first 10 push frames for the
// "Revenue today" and "Orders today" tiles.
import { spawn } from "node:child_process";
import { copyFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
const root = process.argv[2];
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const db = join(tmpdir(), `weft-tile-frames-${Date.now()}.db`);
copyFileSync(process.argv[3], db);
const port = 40000 + Math.floor(Math.random() * 10000);
const child = spawn(process.execPath, [`${root}/examples/admin-demo/dist/main.js`], { cwd: root, env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DEMO_DB: db, SIMULATE_MS: "500" }, stdio: ["ignore", "pipe", "inherit"] });
await new Promise((r) => child.stdout.on("data", (d) => String(d).includes("Weft demo:") && r()));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
try {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const url = `http://127.0.0.1:${port}`;
  await page.goto(`${url}/admin/login/`);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("admin");
  await Promise.all([page.waitForURL((u) => u.pathname === "/admin/"), page.getByRole("button", { name: "Log in" }).click()]);
  const frames = [];
  page.on("websocket", (ws) => ws.on("framereceived", ({ payload }) => { const raw = String(payload); try { frames.push({ data: JSON.parse(raw), bytes: Buffer.byteLength(raw) }); } catch {} }));
  await page.goto(`${url}/admin/`);
  const refOf = (w) => frames.find((f) => f.data[0] === "r" && String(f.data[2]).includes(`data-widget="${w}"`))?.data[1];
  for (;;) { if (refOf("shop.order.revenue-today") !== undefined && refOf("shop.order.orders-today") !== undefined) break; await new Promise((r) => setTimeout(r, 50)); }
  const out = {};
  for (const w of ["shop.order.revenue-today", "shop.order.orders-today"]) out[w] = { ref: refOf(w) };
  const pushes = (ref) => frames.filter((f) => f.data[0] === "d" && f.data[1] === ref).map((f) => f.bytes);
  for (;;) { if (Object.values(out).every((o) => pushes(o.ref).length >= 10)) break; await new Promise((r) => setTimeout(r, 100)); }
  for (const [w, o] of Object.entries(out)) {
    const p = pushes(o.ref).slice(0, 10);
    const rendered = frames.find((f) => f.data[0] === "r" && f.data[1] === o.ref).bytes;
    if (process.env.RAW) console.log(frames.filter((f) => f.data[0] === "d" && f.data[1] === o.ref).slice(0, 3).map((f) => JSON.stringify(f.data)).join("\n"));
    console.log(`${w}: rendered ${rendered} B; pushes ${p.join(" ")} B; median ${[...p].sort((a, b) => a - b)[5]} B`);
  }
} finally {
  await browser.close();
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.secret`]) rmSync(f, { force: true });
}
