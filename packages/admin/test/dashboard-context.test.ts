/**
 * The dashboard's site-wide context and widget registration, on a real server
 * (support/dashboard-site.ts, on SQLite and on PostgreSQL): the shell's badges from a context
 * provider (computed once per TTL however many pages load, per permission, invalidated on
 * demand); SiteContext itself on an injected clock (TTL, shared computation, failures not
 * cached, a failing badge left out); and registration's checks of every widget option, attached
 * widgets checked by site.register, and the defaults filled in.
 */
import { sqliteTable, integer } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { DashboardWidget, SessionUser } from "../src/index.js";
import { SiteContext } from "../src/dashboard/index.js";
import { qb } from "../src/query/dialect/index.js";
import { useDashboardSite, type DashboardSite } from "./support/dashboard-site.js";
import { ENGINES } from "./support/engines.js";

describe.each(ENGINES)("%s", (engine) => {
  const d = useDashboardSite(engine);
  const { tickets } = d;
  let site: DashboardSite["site"], clerk: DashboardSite["clerk"], ops: DashboardSite["ops"];
  beforeAll(() => void ({ site, clerk, ops } = d));

  describe("site-wide context", () => {
    it("the shell's badges come from badge providers, computed once per TTL however many pages load", async () => {
      const pages = await Promise.all([...Array(10)].map(() => ops.html("/admin/")));
      for (const p of pages) expect(p.html).toMatch(/<a class="topbar-badge" href="\/admin\/support\/ticket\/" title="Open tickets">Open tickets <span class="badge badge-info">1<\/span><\/a>/);
      expect(d.ticketComputes).toBe(1);
      // clerk lacks support.view_ticket: no badge (and no computation)
      expect((await clerk.html("/admin/")).html).not.toContain(`class="topbar-badge"`);
      // within the TTL a change is not seen; invalidate() makes the next page compute again
      await qb(d.e.db).insert(tickets).values([{ status: "open" }, { status: "open" }, { status: "open" }]);
      expect((await ops.html("/admin/")).html).toContain('<span class="badge badge-info">1</span>');
      site.context.invalidate("openTickets");
      expect((await ops.html("/admin/")).html).toContain('<span class="badge badge-warning">4</span>');
      expect(d.ticketComputes).toBe(2);
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
});
