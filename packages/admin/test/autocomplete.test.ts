/**
 * Foreign-key autocomplete (changeform/autocomplete.ts) over HTTP and the real protocol: the
 * demo's schema on a SQLite file and a PostgreSQL database, the order's customer searched as you type, picked with
 * the keyboard, saved live and without JavaScript; permission and option checks.
 */
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { AdminSite, type AdminUser } from "../src/index.js";
import { adminTablesFor, type AdminTables } from "../src/auth/tables.js";
import { qb, type QueryBuilder } from "../src/query/dialect/index.js";
import { ENGINES } from "./support/engines.js";
import { openDemoShop, type DemoShop } from "./support/demo-shop.js";
import { formSpec } from "../src/changeform/fields.js";
import { useAdminServer } from "./support.js";

// One database per engine: the demo's shop on SQLite or PostgreSQL (support/demo-shop.ts).
describe.each(ENGINES)("%s", (engine) => {
  let shop: DemoShop;
  let db: QueryBuilder;
  let site: AdminSite;
  let orders: DemoShop["orders"];
  let customers: DemoShop["customers"];
  let weftAuditLog: AdminTables["weftAuditLog"];
  const server = useAdminServer(() => shop?.close());
  const users: Record<string, AdminUser> = {};

  beforeAll(async () => {
    shop = await openDemoShop(engine, { customers: 300, products: 5, orders: 20, tickets: 1, ordersToday: 1 }, "admin_autocomplete");
    ({ orders, customers } = shop);
    ({ weftAuditLog } = adminTablesFor(shop.db));
    db = qb(shop.db);
    // two customers the tests find by name
    await db.update(customers).set({ name: "Zelda Quartz" }).where(eq(customers.id, 7));
    await db.update(customers).set({ name: "Zelda Quince" }).where(eq(customers.id, 8));
    site = await AdminSite.create({ db: shop.db, title: "Test shop" });
    site.register(orders, {
      app: "shop",
      relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
      listDisplay: ["number", "customer", "status"],
      readonlyFields: ["number", "createdAt", "updatedAt"],
      autocompleteFields: ["customerId"],
    });
    site.register(customers, { app: "shop", listDisplay: ["name", "email"], searchFields: ["name", "^email"], ordering: ["name"] });
    users.admin = await site.users.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });
    // may change orders but not see customers: gets no results
    users.blind = await site.users.createUser({ username: "blind", password: "blind-pass", isStaff: true });
    for (const p of ["shop.view_order", "shop.change_order"]) await site.users.grant(users.blind, p);
    await server.start(site);
  }, 60_000);

  const open = (username: string, path: string) => server.live(username, path);

  const orderRow = async (id: number) => (await db.select().from(orders).where(eq(orders.id, id)))[0]!;
  const formOf = async (id: number, extra: Record<string, string> = {}) => {
    const o = await orderRow(id);
    const name = (await db.select().from(customers).where(eq(customers.id, o.customerId)))[0]!.name;
    return { customerId: String(o.customerId), customerId__search: name, status: o.status, totalCents: String(o.totalCents), currency: o.currency, note: o.note ?? "", ...extra };
  };
  const options = (html: string) => [...html.matchAll(/role="option" aria-selected="(true|false)"[^>]*>([^<]*)<\/li>/g)].map((m) => (m[1] === "true" ? `*${m[2]}` : m[2]));

  describe("autocomplete", () => {
    it("renders a combobox with the related object's label, not a select of 300 rows or a bare id", async () => {
      const o = await orderRow(3);
      const name = (await db.select().from(customers).where(eq(customers.id, o.customerId)))[0]!.name;
      const lv = await open("admin", "/admin/shop/order/3/change/");
      expect(lv.page).toContain(`<input type="hidden" name="customerId" value="${o.customerId}">`);
      expect(lv.page).toMatch(new RegExp(`name="customerId__search" value="${name.replace(/'/g, "&#39;")}" role="combobox" aria-autocomplete="list" aria-expanded="false"`));
      expect(lv.page).not.toContain('<select id="id_customerId"');
    });

    it("searches as you type, moves with the arrows, picks with Enter, saves and audits", async () => {
      const before = await orderRow(2);
      const lv = await open("admin", "/admin/shop/order/2/change/");
      await lv.event("validate", await formOf(2, { customerId__search: "zelda", _target: "customerId__search" }));
      expect(options(lv.html())).toEqual(["Zelda Quartz", "Zelda Quince"]);
      expect(lv.html()).toContain('aria-expanded="true"');
      await lv.event("ac_key", { field: "customerId", key: "ArrowDown", value: "zelda" });
      await lv.event("ac_key", { field: "customerId", key: "ArrowDown", value: "zelda" });
      expect(options(lv.html())).toEqual(["Zelda Quartz", "*Zelda Quince"]);
      expect(lv.html()).toContain('aria-activedescendant="id_customerId_opt1"');
      await lv.event("ac_key", { field: "customerId", key: "ArrowUp", value: "zelda" });
      expect(options(lv.html())).toEqual(["*Zelda Quartz", "Zelda Quince"]);
      // Enter submits the form: with a highlighted result, the submit picks it and saves nothing
      await lv.event("save", await formOf(2, { customerId__search: "zelda", _save: "1" }));
      expect(await orderRow(2)).toEqual(before);
      expect(lv.redirect()).toBeUndefined();
      expect(lv.html()).toContain('<input type="hidden" name="customerId" value="7">');
      expect(lv.html()).toMatch(/id="id_customerId_g1" name="customerId__search" value="Zelda Quartz"[^>]*aria-expanded="false"/);
      // the fresh input takes the focus back (lv-mounted)
      expect(lv.html()).toMatch(/id="id_customerId_g1"[^>]*lv-mounted="\[\[&quot;focus&quot;/);
      await lv.event("save", await formOf(2, { customerId: "7", customerId__search: "Zelda Quartz", _save: "1" }));
      expect((await orderRow(2)).customerId).toBe(7);
      expect(lv.redirect()).toBe("/admin/shop/order/?saved=2");
      const audit = (await db.select().from(weftAuditLog).where(and(eq(weftAuditLog.model, "shop.order"), eq(weftAuditLog.objectId, "2"))).orderBy(weftAuditLog.id));
      expect(JSON.parse(audit.at(-1)!.changes)).toEqual({ customerId: [before.customerId, 7] });
      expect(lv.errors()).toEqual([]);
    });

    it("Escape closes the list; a click picks; typed text is resolved on save, ambiguous text refused", async () => {
      const lv = await open("admin", "/admin/shop/order/4/change/");
      await lv.event("validate", await formOf(4, { customerId__search: "zelda q", _target: "customerId__search" }));
      await lv.event("ac_key", { field: "customerId", key: "Escape", value: "zelda q" });
      expect(options(lv.html())).toEqual([]);
      expect(lv.html()).toContain('aria-expanded="false"');
      // ambiguous: two match, nothing written, the field says so
      const before = await orderRow(4);
      await lv.event("save", await formOf(4, { customerId__search: "zelda q", _save: "1" }));
      expect(lv.html()).toContain("Several customers match “zelda q”");
      expect(await orderRow(4)).toEqual(before);
      // a crafted pick of a value that was not listed is ignored
      await lv.event("ac_pick", { field: "customerId", value: "1" });
      expect(await orderRow(4)).toEqual(before);
      await lv.event("validate", await formOf(4, { customerId__search: "quince", _target: "customerId__search" }));
      await lv.event("ac_pick", { field: "customerId", value: "8" });
      expect(lv.html()).toContain('<input type="hidden" name="customerId" value="8">');
    });

    it("without JavaScript: the typed name is resolved when it matches one customer", async () => {
      const path = "/admin/shop/order/5/change/";
      const jar = await server.login("admin");
      const { html } = await jar.html(path);
      const csrf = /<input type="hidden" form="changeform" name="_csrf" value="([^"]+)">/.exec(html)![1];
      const res = await jar.post(path, { _csrf: csrf, ...(await formOf(5, { customerId__search: "Zelda Quince", _save: "1" })) });
      expect(res.status).toBe(303);
      expect((await orderRow(5)).customerId).toBe(8);
      const bad = await jar.post(path, { _csrf: csrf, ...(await formOf(5, { customerId__search: "nobody-like-this", _save: "1" })) });
      expect(bad.status).toBe(200);
      expect(await bad.text()).toContain("No customers match “nobody-like-this”.");
      expect((await orderRow(5)).customerId).toBe(8);
    });

    it("lists nothing to a user without the view permission on the related model", async () => {
      const lv = await open("blind", "/admin/shop/order/6/change/");
      await lv.event("validate", await formOf(6, { customerId__search: "zelda", _target: "customerId__search" }));
      expect(options(lv.html())).toEqual([]);
    });

    it("refuses autocompleteFields naming a non-foreign key or a related admin without searchFields", () => {
      const s = new AdminSite({ db: shop.db, title: "x" });
      const a = s.register(orders, { app: "shop", listDisplay: ["number"], autocompleteFields: ["status"] });
      s.register(customers, { app: "shop", listDisplay: ["name"] });
      expect(() => formSpec(s, a)).toThrow(/autocompleteFields: "status" is not a foreign-key column/);
      const s2 = new AdminSite({ db: shop.db, title: "x" });
      const b = s2.register(orders, { app: "shop", listDisplay: ["number"], autocompleteFields: ["customerId"] });
      s2.register(customers, { app: "shop", listDisplay: ["name"] });
      expect(() => formSpec(s2, b)).toThrow(/needs a registered ModelAdmin with searchFields/);
    });
  });
});
