/**
 * `pnpm bench:tiles`: the CPU one publish costs with 1,000 viewers of one dashboard tile,
 * before (a per-viewer widget: one `getData` per tile) and after (`shared: true`: one
 * `getData` per publish, every tile joins it). A real server (fastify + weft + the admin on a
 * temp SQLite database of 50,000 orders), 1,000 real WebSockets in this process each joined
 * to both tiles; each widget has its own topic, so a publish refreshes one of them. CPU is
 * this process's (`process.cpuUsage`, user + system), so it includes the 1,000 clients
 * reading their deltas: the same for both, so the difference is the server's saving.
 * Prints a Markdown table; docs/benchmarks.md has it by hand.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import Fastify from "fastify";
import { adminPlugin, AdminSite, type DashboardWidget } from "@weft/admin";
import { weft } from "@weft/server";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { BenchSocket } from "./wsclient.js";
import { percentile, sorted } from "./stats.js";
import { adminLogin } from "./login.js";


const VIEWERS = Number(process.env.TILES_VIEWERS ?? 1_000);
const ROUNDS = Number(process.env.TILES_ROUNDS ?? 10);
const ORDERS = 50_000;
const log = (msg: string) => process.stderr.write(`bench:tiles: ${msg}\n`);

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(os.tmpdir(), "weft-bench-tiles-"));
  const sqlite = new Database(join(tmp, "tiles.db"));
  try {
    sqlite.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY, total_cents INTEGER NOT NULL)");
    sqlite.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ORDERS}) INSERT INTO orders (total_cents) SELECT i % 9973 FROM n`);
    const revenue = sqlite.prepare("SELECT count(*) AS n, coalesce(sum(total_cents), 0) AS c FROM orders");
    const insert = sqlite.prepare("INSERT INTO orders (total_cents) VALUES (?)");
    const calls = { "per-viewer": 0, shared: 0 };
    const widget = (key: "per-viewer" | "shared"): DashboardWidget => ({
      key,
      title: `Revenue (${key})`,
      topics: [`orders-${key}`],
      shared: key === "shared",
      getData: () => {
        calls[key]++;
        const r = revenue.get() as { n: number; c: number };
        return { headline: `€${(r.c / 100).toFixed(2)}`, detail: `${r.n} orders` };
      },
    });
    const site = new AdminSite({ db: drizzle(sqlite) as never, sqlite: sqlite as never, title: "Tiles bench" });
    site.dashboard.register(widget("per-viewer"));
    site.dashboard.register(widget("shared"));
    // every publish refreshes every tile at once (the throttle is per tile, and tested apart)
    site.dashboard.throttleMs = 0;
    await site.users.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });
    const pubsub = new MemoryChannelLayer();
    const app = Fastify({ logger: false });
    await app.register(weft, { secret: "tiles-bench-secret-0123456789abcdef", sessions: site.sessions, pubsub, limits: { maxSocketsPerSession: VIEWERS + 10, maxViewsPerSession: 3 * VIEWERS } });
    await app.register(adminPlugin, { site });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    try {
      const cookie = await adminLogin(app, "admin", "admin-pass");
      const page = (await app.inject({ url: "/admin/", headers: { cookie } })).body;
      const token = (key: string) => new RegExp(`id="[^"]+-${key}" lv-view="admin-dashboard-tile" lv-token="([^"]+)"`).exec(page)![1];
      const tokens = { "per-viewer": token("per-viewer"), shared: token("shared") };

      log(`opening ${VIEWERS} sockets, each joined to both tiles…`);
      const socks: BenchSocket[] = [];
      for (let i = 0; i < VIEWERS; i += 50) {
        const batch = await Promise.all(Array.from({ length: Math.min(50, VIEWERS - i) }, () => BenchSocket.open(base, cookie)));
        await Promise.all(batch.map(async (s) => (await s.join(1, tokens["per-viewer"], `${base}/admin/`), await s.join(2, tokens.shared, `${base}/admin/`))));
        socks.push(...batch);
      }

      const rows: string[] = [];
      const figures: Record<string, { cpu: number[]; wall: number[]; calls: number }> = {};
      for (const [key, ref] of [["per-viewer", 1], ["shared", 2]] as const) {
        const cpu: number[] = [];
        const wall: number[] = [];
        calls[key] = 0;
        for (let r = 0; r < ROUNDS + 1; r++) {
          insert.run(r + 1);
          const delivered = Promise.all(socks.map((s) => s.next((f) => f[0] === "d" && f[1] === ref, `the ${key} delta`, 60_000)));
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          await pubsub.publish(`orders-${key}`, {});
          await delivered;
          const dc = process.cpuUsage(c0);
          if (r === 0) {
            calls[key] = 0; // the first round warms up
            continue;
          }
          cpu.push((dc.user + dc.system) / 1000);
          wall.push(performance.now() - t0);
        }
        figures[key] = { cpu, wall, calls: calls[key] / ROUNDS };
      }
      for (const [key, f] of Object.entries(figures)) {
        const c = sorted(f.cpu);
        const w = sorted(f.wall);
        rows.push(`| ${key === "shared" ? "after: `shared: true`" : "before: per viewer"} | ${f.calls} | ${percentile(c, 50).toFixed(1)} ms | ${percentile(c, 90).toFixed(1)} ms | ${percentile(w, 50).toFixed(1)} ms |`);
      }
      const saving = percentile(sorted(figures["per-viewer"].cpu), 50) / percentile(sorted(figures.shared.cpu), 50);
      console.log(
        [
          `${VIEWERS} viewers of one tile, ${ORDERS.toLocaleString("en-US")} orders, getData = one count + sum query; median of ${ROUNDS} publishes (node ${process.version}, ${os.cpus().length} cores)`,
          "",
          `| widget | getData runs per publish | CPU per publish (p50) | CPU (p90) | publish → all ${VIEWERS.toLocaleString("en-US")} deltas (p50) |`,
          "| --- | ---: | ---: | ---: | ---: |",
          ...rows,
          "",
          `CPU per publish: ${saving.toFixed(1)}x less with a shared widget.`,
        ].join("\n"),
      );
      for (const s of socks) s.ws.close();
    } finally {
      await app.close();
    }
  } finally {
    sqlite.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
