// The live dashboard against a real fastify server (weft + AdminSite + adminPlugin) over a temp
// SQLite file: users log in through the real login form, tiles are joined with the protocol
// client, publishes go through the real channel layer, the JSON API is called over HTTP.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite, type AdminSession, type DashboardWidget, type SessionUser } from "../src/index.js";
import { SiteContext } from "../src/dashboard/index.js";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { TokenSigner } from "../../server/src/live/token.js";
import { Client, SECRET } from "../../server/test/helpers.js";
import { Jar as CookieJar, login, startAdmin } from "./support.js";

const orders = sqliteTable("orders", { id: integer("id").primaryKey(), totalCents: integer("total_cents").notNull() });
const tickets = sqliteTable("tickets", { id: integer("id").primaryKey(), status: text("status").notNull() });

const dir = mkdtempSync(join(tmpdir(), "weft-dashboard-"));
const sqlite = new Database(join(dir, "dash.db"));
sqlite.pragma("journal_mode = WAL");
sqlite.exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, total_cents INTEGER NOT NULL);
  CREATE TABLE tickets (id INTEGER PRIMARY KEY, status TEXT NOT NULL);`);
const db = drizzle(sqlite);
const pubsub = new MemoryChannelLayer();
const site = new AdminSite({ db, sqlite, title: "Test shop" });

/** getData calls per widget key */
const calls: Record<string, number> = {};
const count = (k: string) => (calls[k] = (calls[k] ?? 0) + 1);
const orderCount = () => db.get<{ n: number }>(sql`SELECT count(*) AS n FROM orders`).n;
const addOrder = (cents: number) => db.insert(orders).values({ totalCents: cents }).run();
let clock = 0;
/** what the failing widget threw */
const boom = new Error("the warehouse API is down");
const logged: Array<{ obj: unknown; msg?: string }> = [];
let ticketComputes = 0;

const orderWidgets: DashboardWidget[] = [
  {
    key: "count",
    title: "Orders",
    icon: '<svg viewBox="0 0 16 16"><circle cx="8" cy="8" r="6"/></svg>',
    order: 10,
    topics: ["orders"],
    getData: ({ admin }) => {
      count("count");
      return { headline: orderCount(), detail: `in ${admin!.tableName}` };
    },
  },
  {
    title: "Revenue",
    order: 20,
    span: 2,
    topics: ["orders"],
    getData: () => {
      const cents = db.get<{ c: number }>(sql`SELECT coalesce(sum(total_cents), 0) AS c FROM orders`).c;
      return { headline: `€${(cents / 100).toFixed(2)}`, detail: "all time", status: "ok", currency: "EUR", cents };
    },
  },
  { title: "Order backlog", order: 30, onDashboard: false, getData: () => ({ headline: 0, detail: "to ship" }) },
];

const standalone: DashboardWidget[] = [
  {
    title: "Open tickets",
    order: 15,
    group: "support",
    topics: ["tickets"],
    url: "/admin/support/",
    getData: () => {
      const n = db.get<{ n: number }>(sql`SELECT count(*) AS n FROM tickets WHERE status = 'open'`).n;
      return { headline: n, detail: "waiting for an answer", status: n > 2 ? "warning" : "info" };
    },
  },
  { key: "secret", title: "Secret margin", order: 40, group: "ops", permissionRequired: "ops.view_secret", getData: () => ({ headline: "42%", detail: "top secret" }) },
  {
    key: "broken",
    title: "Warehouse",
    group: "ops",
    getData: () => {
      throw boom;
    },
  },
  { key: "clock", title: "Clock", group: "timing", onDashboard: false, refreshMs: 300, getData: () => ({ headline: ++clock, detail: "ticks" }) },
];

let app: FastifyInstance;
let base = "";
const sockets: Client[] = [];
const tokens: Record<string, string> = {};

/** A browser's cookie jar on this file's server (a new one: not logged in). */
class Jar extends CookieJar {
  constructor() {
    super(base);
  }
}

async function socket(jar: CookieJar): Promise<Client> {
  const c = await Client.open(base, jar.header);
  sockets.push(c);
  return c;
}

/** the data-widget keys of a page, in document order */
const tileKeys = (html: string) => [...html.matchAll(/data-widget="([^"]+)"/g)].map((m) => m[1]);

let admin: CookieJar, clerk: CookieJar, ops: CookieJar;

beforeAll(async () => {
  site.register(orders, { app: "shop", listDisplay: ["id", "totalCents"], dashboardWidgets: orderWidgets });
  site.register(tickets, { app: "support", name: "ticket", listDisplay: ["id", "status"] });
  for (const w of standalone) site.dashboard.register(w);
  site.dashboard.page("ops", { title: "Operations", path: "ops/" });
  site.context.provide("openTickets", {
    ttlMs: 60_000,
    compute: () => {
      ticketComputes++;
      return db.get<{ n: number }>(sql`SELECT count(*) AS n FROM tickets WHERE status = 'open'`).n;
    },
  });
  site.context.badge({ label: "Open tickets", context: "openTickets", url: "/admin/support/ticket/", status: (n: number) => (n > 2 ? "warning" : "info"), permissionRequired: "support.view_ticket" });

  const u = site.users;
  const root = await u.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });
  const c = await u.createUser({ username: "clerk", password: "clerk-pass", isStaff: true });
  await u.grant(c, "shop.view_order");
  const o = await u.createUser({ username: "ops", password: "ops-pass", isStaff: true });
  await u.grant(o, "ops.view_secret");
  await u.grant(o, "support.view_ticket");
  const outsider = await u.createUser({ username: "outsider", password: "outsider-pass", isStaff: false });
  for (const [name, user] of [["admin", root], ["clerk", c], ["ops", o], ["outsider", outsider]] as const) tokens[name] = await site.tokens.createToken(user.id, "tests");

  for (let i = 1; i <= 3; i++) addOrder(i * 1000);
  db.insert(tickets).values([{ status: "open" }, { status: "closed" }]).run();

  ({ app, base } = await startAdmin(site, {
    pubsub,
    setup: (app) => {
      app.live("/board/support", site.dashboard.page("support"));
      site.dashboard.log = { error: (obj, msg) => void logged.push({ obj, msg }), warn: () => {}, info: () => {}, debug: () => {} };
    },
  }));
  // users log in through the real form: GET for the CSRF token and cookie, POST the credentials
  [admin, clerk, ops] = await Promise.all([login(base, "admin"), login(base, "clerk"), login(base, "ops")]);
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await app?.close();
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("dashboard pages", () => {
  it("renders every dashboard widget as a nested live tile, by order, above the app index", async () => {
    const { status, html, roots } = await admin.html("/admin/");
    expect(status).toBe(200);
    expect(tileKeys(html)).toEqual(["shop.order.count", "open-tickets", "shop.order.revenue", "secret", "broken"]);
    // each tile is its own view root (a child of the page's root), with its own token
    const tileRoots = roots.filter((r) => r.view === "admin-dashboard-tile");
    expect(tileRoots).toHaveLength(5);
    expect(html).toMatch(/<div class="dash-cell span-2"><div id="[^"]+-shop_order_revenue" lv-view="admin-dashboard-tile" lv-token="[^"]+" lv-child>/);
    // title with icon, headline, detail, link, status colour
    expect(html).toMatch(/<a class="tile dash-tile" href="\/admin\/shop\/order\/" data-widget="shop.order.count">\s*<span class="tile-title"><span class="icon" aria-hidden="true"><svg viewBox="0 0 16 16"><circle cx="8" cy="8" r="6"\/><\/svg><\/span><span class="tile-name">Orders<\/span><\/span>\s*<span class="tile-headline">3<\/span>\s*<span class="tile-detail">in orders<\/span>/);
    expect(html).toMatch(/class="tile dash-tile tile-ok" href="\/admin\/shop\/order\/" data-widget="shop.order.revenue">[\s\S]*?€60\.00/);
    // a standalone widget without url is not a link; a failing one says so without breaking the page
    expect(html).toMatch(/<div class="tile dash-tile tile-unavailable" data-widget="broken">[\s\S]*?Unavailable right now/);
    expect(logged.some((l) => (l.obj as { err?: unknown }).err === boom)).toBe(true);
    // the app index is still there, after the tiles
    expect(html.indexOf('<h2><a lv-navigate href="/admin/shop/">Shop</a></h2>')).toBeGreaterThan(html.lastIndexOf("data-widget"));
    expect(html).toContain('href="/admin/support/ticket/"');
    // links to the group dashboards
    expect(html).toContain('href="/admin/dashboard/ops/"');
  });

  it("scoped pages: per app and per group, including onDashboard: false widgets", async () => {
    expect(tileKeys((await admin.html("/admin/shop/")).html)).toEqual(["shop.order.count", "shop.order.revenue", "shop.order.order-backlog"]);
    expect(tileKeys((await admin.html("/admin/support/")).html)).toEqual([]);
    const grp = await admin.html("/admin/dashboard/ops/");
    expect(tileKeys(grp.html)).toEqual(["secret", "broken"]);
    expect(grp.html).toContain("Ops dashboard");
    expect(grp.html).not.toContain('<h2><a lv-navigate href="/admin/shop/">');
    expect(tileKeys((await admin.html("/admin/dashboard/timing/")).html)).toEqual(["clock"]);
    expect((await admin.html("/admin/dashboard/nope/")).status).toBe(404);
    expect((await admin.html("/admin/nope/")).status).toBe(404);
    // anonymous visitors go to the login page
    const anon = await new Jar().fetch("/admin/dashboard/ops/");
    expect(anon.status).toBe(302);
    expect(anon.headers.get("location")).toMatch(/^\/admin\/login\//);
  });

  it("custom pages from a group's widgets: inside the admin shell, or mounted with app.live", async () => {
    const inShell = await admin.html("/admin/ops/");
    expect(inShell.status).toBe(200);
    expect(inShell.html).toContain("<h1>Operations</h1>");
    expect(inShell.html).toContain('class="topbar"');
    expect(tileKeys(inShell.html)).toEqual(["secret", "broken"]);
    expect(tileKeys((await clerk.html("/admin/ops/")).html)).toEqual(["broken"]);
    const own = await admin.html("/board/support");
    expect(own.status).toBe(200);
    expect(tileKeys(own.html)).toEqual(["open-tickets"]);
    expect(own.html).not.toContain('class="topbar"');
    expect((await new Jar().html("/board/support")).status).toBe(403);
    expect(site.dashboard.page("ops")).toBe(site.dashboard.page("ops"));
    expect(() => site.dashboard.page("ops", { path: "elsewhere/" })).toThrow(/already made/);
  });

  it("a user lacking permissionRequired gets no tile at all, and the tile view refuses that session", async () => {
    const { html, roots } = await clerk.html("/admin/");
    expect(tileKeys(html)).toEqual(["shop.order.count", "open-tickets", "shop.order.revenue", "broken"]);
    expect(html).not.toContain("Secret margin");
    expect(html).not.toMatch(/secret/);
    expect(roots.filter((r) => r.view === "admin-dashboard-tile")).toHaveLength(4);
    // ops may see the secret one but not the orders model, so none of its widgets
    expect(tileKeys((await ops.html("/admin/")).html)).toEqual(["open-tickets", "secret", "broken"]);

    // the child re-checks on join: its authorize refuses a session lacking the permission
    const Tile = site.dashboard.tileView;
    const user = (perms: string[]): SessionUser => ({ id: 9, username: "x", isStaff: true, isSuperuser: false, permissions: perms });
    const session = (u: SessionUser | null): AdminSession => ({ id: "s", user: u });
    expect(await Tile.authorize!(session(user(["shop.view_order"])), {}, { widget: "secret" })).toBe(false);
    expect(await Tile.authorize!(session(user(["ops.view_secret"])), {}, { widget: "secret" })).toBe(true);
    expect(await Tile.authorize!(session(user(["ops.view_secret"])), {}, { widget: "shop.order.count" })).toBe(false);
    expect(await Tile.authorize!(session({ ...user(["ops.view_secret"]), isStaff: false }), {}, { widget: "secret" })).toBe(false);
    expect(await Tile.authorize!(session(null), {}, { widget: "open-tickets" })).toBe(false);
    expect(await Tile.authorize!(session(user([])), {}, { widget: "no-such-widget" })).toBe(false);

    // and over the wire: a validly signed token for the secret tile, bound to clerk's session, is refused
    const signer = new TokenSigner(SECRET);
    const sid = signer.verify(roots[0].token).s;
    const forged = signer.sign({ v: "admin-dashboard-tile", s: sid, i: "lv-x-secret", p: { key: "secret", widget: "secret" } });
    const c = await socket(clerk);
    c.join(1, forged, `${base}/admin/`);
    const err = await c.until(() => c.find((f) => f[0] === "!" && f[1] === 1), "an error frame");
    expect(err[2]).toBe("unauthorized");
    expect(c.html.get(1)).toBeUndefined();
    expect(calls.secret).toBeUndefined();
  });
});

describe("live tiles", () => {
  it("a publish on the widget's topic pushes a small delta with the new headline", async () => {
    const { roots } = await admin.html("/admin/");
    const tile = roots.find((r) => r.id.endsWith("-shop_order_count"))!;
    const c = await socket(admin);
    c.join(1, tile.token, `${base}/admin/`);
    await c.until(() => c.html.get(1)?.includes('<span class="tile-headline">3</span>'), "the tile's first render");
    const before = c.frames.length;
    addOrder(500);
    await pubsub.publish("orders", { type: "order.created" });
    await c.until(() => c.html.get(1)?.includes('<span class="tile-headline">4</span>'), "the new headline");
    const pushed = c.raw.slice(before);
    expect(pushed).toHaveLength(1);
    expect(JSON.parse(pushed[0])[0]).toBe("d"); // a delta, not the whole tile
    expect(pushed[0].length).toBeLessThan(120);
    // a publish on another topic does nothing
    await pubsub.publish("tickets", {});
    await new Promise((r) => setTimeout(r, 300));
    expect(c.raw.length).toBe(before + 1);
  });

  it("a burst of publishes is coalesced: a handful of getData runs, ending on the latest data", async () => {
    const { roots } = await admin.html("/admin/");
    const tile = roots.find((r) => r.id.endsWith("-shop_order_count"))!;
    const c = await socket(admin);
    c.join(1, tile.token, `${base}/admin/`);
    await c.until(() => c.html.get(1), "the tile's first render");
    // the throttle window is the test's: longer than the burst can take on a loaded machine
    // (with the default 250 ms, a slow burst spanned several windows, each with its own run)
    const throttleMs = site.dashboard.throttleMs;
    site.dashboard.throttleMs = 2_000;
    try {
      const start = calls.count;
      for (let i = 0; i < 40; i++) {
        addOrder(100);
        await pubsub.publish("orders", { type: "order.created" });
      }
      const want = orderCount();
      await c.until(() => c.html.get(1)?.includes(`<span class="tile-headline">${want}</span>`), "the latest headline");
      // nothing more runs in the next window
      await new Promise((r) => setTimeout(r, site.dashboard.throttleMs));
      // at most one getData per window: the one right away and the one at the end of the window
      expect(calls.count - start).toBeGreaterThanOrEqual(1);
      expect(calls.count - start).toBeLessThanOrEqual(3);
    } finally {
      site.dashboard.throttleMs = throttleMs;
    }
  });

  it("refreshMs re-runs getData on an interval without any publish", async () => {
    const { roots } = await admin.html("/admin/dashboard/timing/");
    const tile = roots.find((r) => r.id.endsWith("-clock"))!;
    const c = await socket(admin);
    c.join(1, tile.token, `${base}/admin/dashboard/timing/`);
    const first = await c.until(() => /tile-headline">(\d+)</.exec(c.html.get(1) ?? "")?.[1], "the first render");
    await c.until(() => Number(/tile-headline">(\d+)</.exec(c.html.get(1) ?? "")?.[1]) >= Number(first) + 2, "two ticks");
    c.close();
  });

  it("every open dashboard updates: two sessions see the same publish", async () => {
    const pages = await Promise.all([admin.html("/admin/"), clerk.html("/admin/")]);
    const clients = await Promise.all([socket(admin), socket(clerk)]);
    pages.forEach((p, i) => clients[i].join(1, p.roots.find((r) => r.id.endsWith("-shop_order_revenue"))!.token, `${base}/admin/`));
    await Promise.all(clients.map((c) => c.until(() => c.html.get(1), "first render")));
    addOrder(100_000);
    const cents = db.get<{ c: number }>(sql`SELECT sum(total_cents) AS c FROM orders`).c;
    await pubsub.publish("orders", {});
    const want = `€${(cents / 100).toFixed(2)}`;
    await Promise.all(clients.map((c) => c.until(() => c.html.get(1)?.includes(want), `headline ${want}`)));
  });
});

describe("GET /admin/api/dashboard/widgets/", () => {
  const api = (query = "", auth?: string) => fetch(`${base}/admin/api/dashboard/widgets/${query}`, { headers: auth === undefined ? {} : { authorization: auth } });
  type Body = { widgets: Array<{ key: string; title: string; icon: string; url: string | null; order: number; group: string | null; span: number; app: string | null; data: Record<string, unknown> }> };

  it("401 with a JSON error and WWW-Authenticate: Bearer without a token, with a wrong one, or a non-staff user's", async () => {
    for (const auth of [undefined, "", "Bearer", "Bearer nope", `Bearer weft_${"A".repeat(43)}`, `Basic ${Buffer.from("admin:admin-pass").toString("base64")}`, `Bearer ${tokens.outsider}`]) {
      const res = await api("", auth);
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(typeof ((await res.json()) as { error: string }).error).toBe("string");
    }
    // a session cookie is not enough either
    const res = await fetch(`${base}/admin/api/dashboard/widgets/`, { headers: { cookie: admin.header } });
    expect(res.status).toBe(401);
  });

  it("returns every widget the token's user may see with its full data, sorted by order", async () => {
    const res = await api("", `Bearer ${tokens.admin}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { widgets } = (await res.json()) as Body;
    expect(widgets.map((w) => w.key)).toEqual(["shop.order.count", "open-tickets", "shop.order.revenue", "shop.order.order-backlog", "secret", "broken", "clock"]);
    const revenue = widgets.find((w) => w.key === "shop.order.revenue")!;
    const cents = db.get<{ c: number }>(sql`SELECT sum(total_cents) AS c FROM orders`).c;
    expect(revenue).toEqual({
      key: "shop.order.revenue",
      title: "Revenue",
      icon: "",
      url: "/admin/shop/order/",
      order: 20,
      group: null,
      span: 2,
      app: "shop",
      data: { headline: `€${(cents / 100).toFixed(2)}`, detail: "all time", status: "ok", currency: "EUR", cents },
    });
    expect(widgets.find((w) => w.key === "shop.order.count")!.icon).toContain("<svg");
    expect(widgets.find((w) => w.key === "open-tickets")).toMatchObject({ group: "support", app: null, url: "/admin/support/", data: { headline: 1, status: "info" } });
    expect(widgets.find((w) => w.key === "shop.order.order-backlog")!.data).toEqual({ headline: 0, detail: "to ship", status: null });
  });

  it("a widget whose getData throws gets { error: 'unavailable' } (stack logged); the others still answer", async () => {
    logged.length = 0;
    const { widgets } = (await (await api("?group=ops", `Bearer ${tokens.admin}`)).json()) as Body;
    expect(widgets.map((w) => [w.key, w.data])).toEqual([
      ["secret", { headline: "42%", detail: "top secret", status: null }],
      ["broken", { error: "unavailable" }],
    ]);
    const entry = logged.find((l) => (l.obj as { widget?: string }).widget === "broken")!;
    expect((entry.obj as { err: Error }).err.stack).toContain("the warehouse API is down");
  });

  it("filters: group, app, dashboard_only, and combinations", async () => {
    const keys = async (q: string, who = "admin") => ((await (await api(q, `Bearer ${tokens[who]}`)).json()) as Body).widgets.map((w) => w.key);
    expect(await keys("?group=support")).toEqual(["open-tickets"]);
    expect(await keys("?app=shop")).toEqual(["shop.order.count", "shop.order.revenue", "shop.order.order-backlog"]);
    expect(await keys("?app=shop&dashboard_only=1")).toEqual(["shop.order.count", "shop.order.revenue"]);
    expect(await keys("?dashboard_only=1")).toEqual(["shop.order.count", "open-tickets", "shop.order.revenue", "secret", "broken"]);
    expect(await keys("?dashboard_only=0")).toHaveLength(7);
    expect(await keys("?group=ops&app=shop")).toEqual([]);
    expect(await keys("?group=nope")).toEqual([]);
    const bad = await api("?dashboard_only=maybe", `Bearer ${tokens.admin}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/dashboard_only/);
    // names of Object.prototype's members are not flags (a plain-object lookup read them as true)
    for (const v of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      const res = await api(`?dashboard_only=${v}`, `Bearer ${tokens.admin}`);
      expect(res.status, v).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/dashboard_only must be 1 or 0/);
    }
    expect((await api("?group=a&group=b", `Bearer ${tokens.admin}`)).status).toBe(400);
  });

  it("filters by the token user's permissions", async () => {
    const keys = async (who: string) => ((await (await api("", `Bearer ${tokens[who]}`)).json()) as Body).widgets.map((w) => w.key);
    expect(await keys("clerk")).toEqual(["shop.order.count", "open-tickets", "shop.order.revenue", "shop.order.order-backlog", "broken", "clock"]);
    expect(await keys("ops")).toEqual(["open-tickets", "secret", "broken", "clock"]);
  });
});

describe("site-wide context", () => {
  it("the shell's badges come from badge providers, computed once per TTL however many pages load", async () => {
    const pages = await Promise.all([...Array(10)].map(() => ops.html("/admin/")));
    for (const p of pages) expect(p.html).toMatch(/<a class="topbar-badge" href="\/admin\/support\/ticket\/" title="Open tickets">Open tickets <span class="badge badge-info">1<\/span><\/a>/);
    expect(ticketComputes).toBe(1);
    // clerk lacks support.view_ticket: no badge (and no computation)
    expect((await clerk.html("/admin/")).html).not.toContain(`class="topbar-badge"`);
    // within the TTL a change is not seen; invalidate() makes the next page compute again
    db.insert(tickets).values([{ status: "open" }, { status: "open" }, { status: "open" }]).run();
    expect((await ops.html("/admin/")).html).toContain('<span class="badge badge-info">1</span>');
    site.context.invalidate("openTickets");
    expect((await ops.html("/admin/")).html).toContain('<span class="badge badge-warning">4</span>');
    expect(ticketComputes).toBe(2);
  });

  it("caches per TTL, shares one computation between concurrent callers, and does not cache failures", async () => {
    let now = 1_000;
    const ctx = new SiteContext(site, { now: () => now });
    let n = 0;
    let fail = false;
    ctx.provide("n", {
      ttlMs: 5_000,
      compute: async () => {
        await new Promise((r) => setTimeout(r, 20));
        if (fail) throw new Error("db down");
        return ++n;
      },
    });
    expect(await Promise.all([ctx.get("n"), ctx.get("n"), ctx.get("n")])).toEqual([1, 1, 1]);
    now += 4_999;
    expect(await ctx.get("n")).toBe(1);
    now += 2;
    expect(await ctx.get("n")).toBe(2);
    now += 10_000;
    fail = true;
    await expect(ctx.get("n")).rejects.toThrow("db down");
    fail = false;
    expect(await ctx.get("n")).toBe(3);
    await expect(ctx.get("missing")).rejects.toThrow(/no context provider "missing"/);
    expect(() => ctx.provide("n", { ttlMs: 1, compute: () => 0 })).toThrow(/twice/);
    expect(() => ctx.provide("bad name", { ttlMs: 1, compute: () => 0 })).toThrow(/name/);
    expect(() => ctx.provide("x", { ttlMs: 0, compute: () => 0 })).toThrow(/ttlMs/);
    // a failing badge is left out (and logged), the others still show
    ctx.provide("boom", { ttlMs: 1000, compute: () => { throw new Error("nope"); } });
    const errors: unknown[] = [];
    ctx.log = { error: (o) => void errors.push(o), warn: () => {}, info: () => {}, debug: () => {} };
    ctx.badge({ label: "Boom", context: "boom", url: "/b" });
    ctx.badge({ label: "N", context: "n", url: "/n", status: "danger", order: 1 });
    const su: SessionUser = { id: 1, username: "a", isStaff: true, isSuperuser: true, permissions: [] };
    expect(await ctx.badges(su)).toEqual([{ label: "N", value: "3", url: "/n", status: "danger" }]);
    expect(errors).toHaveLength(1);
    expect(await ctx.badges(null)).toEqual([]);
  });
});

describe("registration", () => {
  const ok = { title: "Fine", getData: () => ({ headline: 1, detail: "" }) };
  it("checks every option with a clear error naming the widget", () => {
    const d = site.dashboard;
    const bad: Array<[unknown, RegExp]> = [
      [null, /must be an object/],
      [{ getData: ok.getData }, /\(untitled\).*`title` must be a non-empty string/],
      [{ title: "No data" }, /"No data".*`getData` must be a function/],
      [{ ...ok, span: 3 }, /"Fine".*`span` must be 1 or 2/],
      [{ ...ok, order: "first" }, /`order` must be a finite number/],
      [{ ...ok, key: "Has Spaces" }, /`key` "Has Spaces"/],
      [{ ...ok, group: "Sup port" }, /`group`/],
      [{ ...ok, refreshMs: 10 }, /`refreshMs` must be an integer >= 250/],
      [{ ...ok, topics: "orders" }, /`topics` must be an array/],
      [{ ...ok, topics: ["a b"] }, /topic "a b"/],
      [{ ...ok, permissionRequired: "superpowers" }, /`permissionRequired` "superpowers" is not an "app.codename"/],
      [{ ...ok, onDashboard: "no" }, /`onDashboard` must be a boolean/],
      [{ ...ok, url: "javascript:alert(1)" }, /`url` must be/],
      [{ ...ok, icon: 5 }, /`icon`/],
      [{ ...ok, title: "Secret margin", key: "secret" }, /key "secret" \("Secret margin"\) is registered twice/],
    ];
    for (const [w, msg] of bad) expect(() => d.register(w as DashboardWidget), String(msg)).toThrow(msg);
    expect(d.get("fine")).toBeUndefined();
  });

  it("attached widgets are checked by site.register, which then keeps nothing", () => {
    const extra = sqliteTable("extras", { id: integer("id").primaryKey() });
    expect(() => site.register(extra, { app: "shop", dashboardWidgets: [ok, { ...ok, span: 5 as 1 }] })).toThrow(/"Fine" of ModelAdmin\(shop\.extra\): `span` must be 1 or 2/);
    expect(() => site.register(extra, { app: "shop", dashboardWidgets: [ok, ok] })).toThrow(/"shop\.extra\.fine".*registered twice/);
    expect(() => site.register(extra, { app: "shop", dashboardWidgets: [{ ...ok, app: "other" }] })).toThrow(/differs from its ModelAdmin's app "shop"/);
    expect(site.get("shop", "extra")).toBeUndefined();
    expect(site.dashboard.get("shop.extra.fine")).toBeUndefined();
    expect(() => site.register(extra, { app: "dashboard" })).toThrow(/reserved/);
  });

  it("fills in the defaults: order 50, span 1, url of the model's change list, key from the title", () => {
    const w = site.dashboard.get("shop.order.order-backlog")!;
    expect(w).toMatchObject({ order: 30, span: 1, url: "/admin/shop/order/", app: "shop", onDashboard: false, group: null, topics: [], refreshMs: null, permissions: [] });
    expect(site.dashboard.get("broken")).toMatchObject({ order: 50, url: null, app: null, onDashboard: true });
  });
});
