/**
 * The live dashboard's pages against a real fastify server (support/dashboard-site.ts: weft +
 * AdminSite + adminPlugin on SQLite and on PostgreSQL, users logged in through the real login
 * form): the dashboard, app and group pages with their nested tiles, custom pages, per-user
 * filtering (and a forged tile join refused); then the tiles live: joined with the protocol
 * client, updated by publishes through the real channel layer (a small delta, a burst
 * coalesced), on an interval, in every open session.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { AdminSession, SessionUser } from "../src/index.js";
import { TokenSigner } from "../../server/src/live/token.js";
import { SECRET } from "../../server/test/helpers.js";
import { useDashboardSite, type DashboardSite } from "./support/dashboard-site.js";
import { ENGINES } from "./support/engines.js";

describe.each(ENGINES)("%s", (engine) => {
  const d = useDashboardSite(engine);
  const { pubsub, calls, orderCount, addOrder, revenueCents, boom, logged, Jar, socket, tileKeys } = d;
  let site: DashboardSite["site"], base: string, admin: DashboardSite["admin"], clerk: DashboardSite["clerk"], ops: DashboardSite["ops"];
  beforeAll(() => void ({ site, base, admin, clerk, ops } = d));

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
      await addOrder(500);
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
          await addOrder(100);
          await pubsub.publish("orders", { type: "order.created" });
        }
        const want = await orderCount();
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
      await addOrder(100_000);
      const cents = await revenueCents();
      await pubsub.publish("orders", {});
      const want = `€${(cents / 100).toFixed(2)}`;
      await Promise.all(clients.map((c) => c.until(() => c.html.get(1)?.includes(want), `headline ${want}`)));
    });
  });
});
