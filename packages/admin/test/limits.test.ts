// weft's view limits as an admin page meets them, with weft's default limits: a dashboard of
// 40 live widgets works on one socket (the per-socket limit of 32 froze the 31st tile), and the
// start-up check warns about a page that could pass the limit. The dashboard runs on SQLite and on
// PostgreSQL (42 joins on one socket, each loading the session); the check is engine-free.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer as pgInteger, pgTable } from "drizzle-orm/pg-core";
import { integer, sqliteTable } from "drizzle-orm/sqlite-core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveView } from "@weft/server";
import { defaultLimits } from "@weft/server/transport";
import { AdminSite } from "../src/index.js";
import { runChecks } from "../src/checks/index.js";
import { Client, viewRoots } from "../../server/test/helpers.js";
import { login, startAdmin } from "./support.js";
import { ENGINES, openEngine, type Engine, type EngineDb } from "./support/engines.js";

/** the items table on `engine` (the PostgreSQL twin typed as the SQLite one) */
function itemsTable(engine: Engine) {
  const lite = sqliteTable("items", { id: integer("id").primaryKey() });
  if (engine === "sqlite") return lite;
  return pgTable("items", { id: pgInteger("id").primaryKey() }) as unknown as typeof lite;
}
const ITEMS_DDL = { sqlite: "CREATE TABLE items (id INTEGER PRIMARY KEY)", postgres: "CREATE TABLE items (id INTEGER PRIMARY KEY)" };
// the start-up check (weft.W002) queries nothing (engine-free): one SQLite file of its own
const items = itemsTable("sqlite");
const dir = mkdtempSync(join(tmpdir(), "weft-admin-limits-"));
const sqlite = new Database(join(dir, "limits.db"));
sqlite.exec(ITEMS_DDL.sqlite);
const db = drizzle(sqlite);
afterAll(() => {
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

const WIDGETS = 40;

describe.each(ENGINES)("%s", (engine) => {
  let published = 0;
  let e: EngineDb;
  let site: AdminSite;
  let app: FastifyInstance;
  let base = "";
  const sockets: Client[] = [];
  const warnings: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    e = await openEngine(engine, ITEMS_DDL, "admin_limits");
    site = await AdminSite.create({ db: e.db, title: "Forty" });
    // the PostgreSQL variant talks to PostgreSQL
    expect(site.dialect.name).toBe(engine);
    site.register(itemsTable(engine), { app: "shop", listDisplay: ["id"] });
    for (let i = 1; i <= WIDGETS; i++) {
      site.dashboard.register({ key: `w${i}`, title: `Widget ${i}`, order: i, topics: ["ticks"], getData: () => ({ headline: `${i}:${published}` }) });
    }
    await site.users.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });
    ({ app, base } = await startAdmin(site, {
      defaults: true,
      logger: { level: "warn", stream: { write: (l: string) => void warnings.push(JSON.parse(l)) } },
    }));
  });

  afterAll(async () => {
    for (const c of sockets) c.close();
    await app?.close();
    await e?.close();
  });

  describe("a dashboard of 40 live widgets, with weft's default limits", () => {
    it("joins all 42 views of the page on one socket, and every tile follows a publish", async () => {
      expect(app.weft.limits.maxViewsPerSocket).toBe(defaultLimits.maxViewsPerSocket);
      const jar = await login(base, "admin");
      const html = await (await jar.fetch("/admin/")).text();
      const roots = viewRoots(html);
      // the page, the health banner, the job bell, 40 tiles (nested roots are listed too)
      expect(roots.filter((r) => r.view === "admin-dashboard-tile")).toHaveLength(WIDGETS);
      expect(roots.length).toBe(WIDGETS + 3);
      const c = await Client.open(base, jar.header);
      sockets.push(c);
      roots.forEach((r, i) => c.join(i + 1, r.token, base + "/admin/"));
      await c.until(() => c.html.size === roots.length, `${roots.length} renders`, 60_000);
      expect(c.frames.filter((f) => f[0] === "!")).toEqual([]);
      // live, not frozen: a publish reaches every tile, the 40th included
      published = 1;
      await app.weft.services.pubsub.publish("ticks", {});
      const tiles = roots.flatMap((r, i) => (r.view === "admin-dashboard-tile" ? [i + 1] : []));
      await c.until(() => tiles.every((ref) => /\d+:1/.test(c.html.get(ref) ?? "")), "every tile's new headline", 60_000);
      expect(c.html.get(tiles[WIDGETS - 1])).toContain(`${WIDGETS}:1`);
    });

    it("logs no view-count warning at start-up for it", () => {
      expect(warnings.filter((w) => w.check === "weft.W002")).toEqual([]);
    });
  });
});

describe("weft.W002: a page that could pass the view limit", () => {
  class Slot extends LiveView<{}> {
    mount() {
      return {};
    }
    render() {
      return "<p>slot</p>";
    }
  }

  it("warns for the main dashboard, a group, an app page, a change list and a change form past the limit, naming the counts", () => {
    const s = new AdminSite({ db, title: "Crowded" });
    const many = Array.from({ length: 63 }, () => Slot);
    s.register(items, { app: "shop", listDisplay: ["id"], changeListWidgets: many, changeFormWidgets: many.slice(0, 61) });
    for (let i = 1; i <= 63; i++) s.dashboard.register({ key: `k${i}`, title: `K${i}`, group: "ops", getData: () => ({ headline: 1 }) });
    const found = runChecks(s, { widgets: s.dashboard.all(), maxViewsPerPage: 64 }).filter((m) => m.id === "weft.W002");
    expect(found.map((m) => m.message)).toEqual([
      'the main dashboard has 66 live views (63 dashboard widgets (onDashboard) + 3), more than the 64 one socket may join: the ones past 64 stay frozen at their first render.',
      'the dashboard group page "ops" has 66 live views (63 dashboard widgets of group "ops" + 3), more than the 64 one socket may join: the ones past 64 stay frozen at their first render.',
      "the change list of ModelAdmin(shop.item) has 66 live views (63 changeListWidgets + 3), more than the 64 one socket may join: the ones past 64 stay frozen at their first render.",
    ]);
    expect(found.every((m) => m.level === "warning" && /maxViewsPerSocket/.test(m.hint))).toBe(true);
    // at the limit: nothing
    expect(runChecks(s, { widgets: s.dashboard.all().slice(0, 61), maxViewsPerPage: 64 }).filter((m) => m.id === "weft.W002" && m.obj === null)).toEqual([]);
  });

  it("is logged by the plugin at install, with weft's limits", async () => {
    const s = new AdminSite({ db, title: "Tight" });
    s.register(items, { app: "shop", listDisplay: ["id"], changeListWidgets: [Slot, Slot, Slot] });
    const lines: Array<Record<string, unknown>> = [];
    const { app: tight } = await startAdmin(s, {
      defaults: true,
      limits: { maxViewsPerSession: 4 },
      logger: { level: "warn", stream: { write: (l: string) => void lines.push(JSON.parse(l)) } },
    });
    try {
      const w = lines.filter((l) => l.check === "weft.W002");
      expect(w).toHaveLength(1);
      expect(w[0].msg).toMatch(/change list of ModelAdmin\(shop\.item\) has 6 live views .* more than the 4/);
    } finally {
      await tight.close();
    }
  });
});
