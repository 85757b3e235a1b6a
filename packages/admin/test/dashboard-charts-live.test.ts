// Chart extras and per-widget templates on live tiles, against a real fastify server over a
// temp SQLite file: the default card draws a sparkline, trend, bars and a linked top-N list
// (then it is a <div> whose title links), a widget with its own `template` renders through
// it (its own view class, joinable), a publish pushes the chart's change as a small delta, and
// a malformed extra makes the card "unavailable" with the field named in the log.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable } from "drizzle-orm/sqlite-core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { AdminSite } from "../src/index.js";
import { Client } from "../../server/test/helpers.js";
import { login, startAdmin, type Jar } from "./support.js";

const points = sqliteTable("points", { id: integer("id").primaryKey(), v: integer("v").notNull() });
const dir = mkdtempSync(join(tmpdir(), "weft-dash-charts-"));
const sqlite = new Database(join(dir, "d.db"));
sqlite.exec("CREATE TABLE points (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
const db = drizzle(sqlite);
const pubsub = new MemoryChannelLayer();
const site = new AdminSite({ db, sqlite, title: "Charts" });
const logged: unknown[] = [];
let bad = false;

const series = async () => (await db.select({ v: points.v }).from(points).orderBy(points.id)).map((r) => r.v);
const template = join(dir, "my-tile.eta");
writeFileSync(template, `<div class="my-tile" data-widget="<%= it.key %>"><b><%= it.title %></b> <i><%= it.data ? it.data.series.length : "none" %> points</i><%~ it.chart %></div>\n`);

let app: FastifyInstance;
let base = "";
let admin: Jar;
const sockets: Client[] = [];

beforeAll(async () => {
  site.register(points, {
    app: "stats",
    name: "point",
    listDisplay: ["id", "v"],
    dashboardWidgets: [
      {
        key: "spark",
        title: "Points",
        order: 1,
        topics: ["points"],
        getData: async () => {
          if (bad) return { headline: 0, detail: "", series: [1, "two"] } as never;
          const s = await series();
          return { headline: s.length, detail: "so far", series: s, seriesLabel: "Points <v>", trend: { current: s.at(-1) ?? 0, previous: 10 }, bars: [{ label: "Up & down", value: -3 }, { label: "Total", value: 9 }] };
        },
      },
      { key: "top", title: "Top", order: 2, getData: () => ({ headline: 2, detail: "rows", top: [{ label: "First <1>", value: 5, url: "/admin/stats/point/1/change/" }, { label: "Second", value: "4 units" }] }) },
      { key: "custom", title: "Custom", order: 3, topics: ["points"], template, getData: async () => ({ headline: 0, detail: "", series: await series() }) },
    ],
  });
  await site.users.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });
  await db.insert(points).values([{ v: 10 }, { v: 20 }]);
  ({ app, base } = await startAdmin(site, { pubsub, setup: () => void (site.dashboard.log = { error: (obj) => void logged.push(obj), warn: () => {}, info: () => {}, debug: () => {} }) }));
  admin = await login(base, "admin");
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await app?.close();
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("charts on live tiles", () => {
  it("the default card draws the chart extras; a linked top-N list makes the title the link", async () => {
    const { html } = await admin.html("/admin/");
    expect(html).toMatch(/<a class="tile dash-tile tile-charted" href="\/admin\/stats\/point\/" data-widget="stats.point.spark">/);
    expect(html).toContain('aria-label="Points &lt;v&gt;: 2 values from 10 to 20, latest 20"');
    expect(html).toContain('<span class="tile-trend up"><span aria-hidden="true">▲</span> <span class="vh">up </span>100% vs yesterday');
    expect(html).toContain('<span class="bar-label">Up &amp; down</span>');
    expect(html).toMatch(/<div class="tile dash-tile tile-charted" data-widget="stats.point.top">\s*<span class="tile-title"><a class="tile-name" href="\/admin\/stats\/point\/">Top<\/a>/);
    expect(html).toContain('<a href="/admin/stats/point/1/change/">First &lt;1&gt;</a><span class="top-value">5</span>');
  });

  it("a widget's own template renders its card, as its own view class, live", async () => {
    const { html, roots } = await admin.html("/admin/");
    expect(html).toMatch(/<div class="my-tile" data-widget="stats.point.custom"><b>Custom<\/b> <i>2 points<\/i><svg class="spark"/);
    const custom = roots.find((r) => r.view === "admin-dashboard-tile-stats.point.custom")!;
    expect(custom).toBeDefined();
    const c = await Client.open(base, admin.header);
    sockets.push(c);
    c.join(1, custom.token, `${base}/admin/`);
    await c.until(() => c.html.get(1)?.includes("<i>2 points</i>"), "the custom card's first render");
    await db.insert(points).values({ v: 15 });
    await pubsub.publish("points", { type: "point.created" });
    await c.until(() => c.html.get(1)?.includes("<i>3 points</i>"), "the pushed card");
    const last = JSON.parse(c.raw.at(-1)!);
    expect(last[0]).toBe("d");
    expect(c.raw.at(-1)!.length).toBeLessThan(200);
  });

  it("a malformed extra makes the card unavailable and names the field in the log", async () => {
    bad = true;
    try {
      const { html } = await admin.html("/admin/");
      expect(html).toMatch(/data-widget="stats.point.spark">[\s\S]*?Unavailable right now/);
      expect(logged.some((l) => String((l as { err?: Error }).err?.message).includes("`series` must be an array of finite numbers"))).toBe(true);
    } finally {
      bad = false;
    }
  });
});
