/**
 * Inlines (changeform/inlines.ts): an order's items on the order's change form over HTTP and
 * the real protocol (demo schema, on a SQLite file and a PostgreSQL database): add, edit and delete rows saved with the
 * order in one transaction and audited per row; errors on a row write nothing; maxNum; the
 * form without JavaScript; permissions; option checks.
 */
import { and, asc, count, eq, ne } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite, TabularInline, type AdminUser } from "../src/index.js";
import { adminTablesFor, type AdminTables } from "../src/auth/tables.js";
import { qb, type QueryBuilder } from "../src/query/dialect/index.js";
import { ENGINES } from "./support/engines.js";
import { openDemoShop, type DemoShop } from "./support/demo-shop.js";
import { inlineSpecs } from "../src/changeform/inline-spec.js";
import { loginOnce, openLive, startAdmin, useAdminServer } from "./support.js";

// One database per engine: the demo's shop on SQLite or PostgreSQL (support/demo-shop.ts).
describe.each(ENGINES)("%s", (engine) => {
  let shop: DemoShop;
  let db: QueryBuilder;
  let site: AdminSite;
  let orders: DemoShop["orders"];
  let orderItems: DemoShop["orderItems"];
  let products: DemoShop["products"];
  let customers: DemoShop["customers"];
  let weftAuditLog: AdminTables["weftAuditLog"];
  const server = useAdminServer(() => shop?.close());
  const users: Record<string, AdminUser> = {};

  beforeAll(async () => {
    shop = await openDemoShop(engine, { customers: 10, products: 6, orders: 12, tickets: 1, ordersToday: 1 }, "admin_inlines");
    ({ orders, orderItems, products, customers } = shop);
    ({ weftAuditLog } = adminTablesFor(shop.db));
    db = qb(shop.db);
    site = await AdminSite.create({ db: shop.db, title: "Test shop", display: { currency: "EUR" } });
    site.register(orders, {
      app: "shop",
      relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
      listDisplay: ["number", "status"],
      readonlyFields: ["number", "createdAt", "updatedAt"],
      inlines: [TabularInline(orderItems, { fields: ["productId", "quantity", "unitPriceCents"], extra: 1, maxNum: 6 })],
    });
    site.register(customers, { app: "shop", listDisplay: ["name"] });
    site.register(products, { app: "inventory", listDisplay: ["name"] });
    site.register(orderItems, { app: "shop", name: "orderitem", verboseName: "Order item", listDisplay: ["quantity"], fieldTypes: { unitPriceCents: { type: "money" } } });
    users.admin = await site.users.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });
    // may change orders and see items, not write them
    users.looker = await site.users.createUser({ username: "looker", password: "looker-pass", isStaff: true });
    for (const p of ["shop.view_order", "shop.change_order", "shop.view_customer", "shop.view_orderitem"]) await site.users.grant(users.looker, p);
    await server.start(site);
  }, 60_000);

  const open = (username: string, path: string) => server.live(username, path);

  const orderRow = async (id: number) => (await db.select().from(orders).where(eq(orders.id, id)))[0]!;
  const itemsOf = (id: number) => db.select().from(orderItems).where(eq(orderItems.orderId, id)).orderBy(asc(orderItems.id));
  const audits = (model: string) => db.select().from(weftAuditLog).where(eq(weftAuditLog.model, model)).orderBy(weftAuditLog.id);
  /** The payload the browser sends for order `id` with its items as stored, plus one blank row and `extra` fields. */
  async function formOf(id: number, extra: Record<string, string> = {}, blank = 1): Promise<Record<string, string>> {
    const o = await orderRow(id);
    const p: Record<string, string> = { customerId: String(o.customerId), status: o.status, totalCents: String(o.totalCents), currency: o.currency, note: o.note ?? "" };
    const items = await itemsOf(id);
    items.forEach((it, i) => Object.assign(p, { [`orderitem-${i}-id`]: String(it.id), [`orderitem-${i}-productId`]: String(it.productId), [`orderitem-${i}-quantity`]: String(it.quantity), [`orderitem-${i}-unitPriceCents`]: (it.unitPriceCents / 100).toFixed(2) }));
    for (let b = 0; b < blank; b++) Object.assign(p, { [`orderitem-${items.length + b}-id`]: "", [`orderitem-${items.length + b}-productId`]: "", [`orderitem-${items.length + b}-quantity`]: "", [`orderitem-${items.length + b}-unitPriceCents`]: "" });
    p["orderitem-TOTAL_FORMS"] = String(items.length + blank);
    return { ...p, ...extra };
  }
  /** an order with at least two items */
  const orderWithItems = async (min = 2) => {
    const counts = await db.select({ orderId: orderItems.orderId, n: count() }).from(orderItems).groupBy(orderItems.orderId);
    const ok = new Set(counts.filter((c) => c.n >= min && c.n < 5).map((c) => c.orderId));
    return (await db.select().from(orders).orderBy(orders.id)).find((o) => ok.has(o.id))!;
  };

  describe("inlines", () => {
    it("renders the items as a table with a blank row and Delete boxes", async () => {
      const o = await orderWithItems();
      const lv = await open("admin", `/admin/shop/order/${o.id}/change/`);
      const n = (await itemsOf(o.id)).length;
      expect(lv.page).toContain('<fieldset class="card cf-fieldset cf-inline" id="inline-orderitem">');
      expect(lv.page).toContain(`<input type="hidden" name="orderitem-TOTAL_FORMS" value="${n + 1}">`);
      expect(lv.page).toContain(`name="orderitem-0-DELETE"`);
      expect(lv.page).toContain(`<input type="hidden" name="orderitem-${n}-id" value="">`);
      expect(lv.page).toContain('<select id="id_orderitem-0-productId" name="orderitem-0-productId"');
      expect(lv.page).toContain("+ Add another order item");
    });

    it("adds, edits and deletes items with the order in one save, audited per row", async () => {
      const o = await orderWithItems();
      const before = await itemsOf(o.id);
      const product = (await db.select().from(products).limit(1))[0]!;
      const lv = await open("admin", `/admin/shop/order/${o.id}/change/`);
      const n = before.length;
      await lv.event("save", await formOf(o.id, {
        note: "inline save",
        "orderitem-0-quantity": String(before[0].quantity + 3),
        "orderitem-1-DELETE": "on",
        [`orderitem-${n}-productId`]: String(product.id),
        [`orderitem-${n}-quantity`]: "2",
        [`orderitem-${n}-unitPriceCents`]: "12.50",
        _save: "1",
      }));
      expect(lv.redirect()).toBe(`/admin/shop/order/?saved=${o.id}`);
      const after = await itemsOf(o.id);
      expect(after.find((i) => i.id === before[0].id)!.quantity).toBe(before[0].quantity + 3);
      expect(after.find((i) => i.id === before[1].id)).toBeUndefined();
      const added = after.find((i) => !before.some((b) => b.id === i.id))!;
      expect(added).toMatchObject({ productId: product.id, quantity: 2, unitPriceCents: 1250, orderId: o.id });
      expect((await orderRow(o.id)).note).toBe("inline save");
      const entries = await audits("shop.orderitem");
      expect(entries.map((e) => [e.action, e.objectId]).sort()).toEqual([["add", String(added.id)], ["change", String(before[0].id)], ["delete", String(before[1].id)]].sort());
      expect(JSON.parse(entries.find((e) => e.action === "change")!.changes)).toEqual({ quantity: [before[0].quantity, before[0].quantity + 3] });
      expect(lv.errors()).toEqual([]);
    });

    it("an error on one row writes nothing — not the order, not the other rows", async () => {
      const o = await orderWithItems();
      const before = await itemsOf(o.id);
      const auditN = (await db.select().from(weftAuditLog)).length;
      const lv = await open("admin", `/admin/shop/order/${o.id}/change/`);
      await lv.event("save", await formOf(o.id, { note: "never", "orderitem-0-quantity": "7", "orderitem-1-quantity": "abc", _save: "1" }));
      expect(lv.redirect()).toBeUndefined();
      expect(lv.html()).toContain("Please correct the error below.");
      expect(lv.html()).toMatch(/id="id_orderitem-1-quantity_errors"><li>Enter a whole number.<\/li>/);
      expect(await itemsOf(o.id)).toEqual(before);
      expect((await orderRow(o.id)).note).not.toBe("never");
      expect((await db.select().from(weftAuditLog)).length).toBe(auditN);
      // a database refusal on a child (unknown product) rolls back the order too
      await lv.event("save", await formOf(o.id, { note: "never", "orderitem-0-productId": "99999", _save: "1" }));
      expect(await itemsOf(o.id)).toEqual(before);
      expect((await orderRow(o.id)).note).not.toBe("never");
    });

    it("adds rows with the button up to maxNum, and refuses more", async () => {
      const o = await orderWithItems(1);
      const n = (await itemsOf(o.id)).length;
      const lv = await open("admin", `/admin/shop/order/${o.id}/change/`);
      for (let i = n + 1; i < 6; i++) await lv.event("save", await formOf(o.id, { _inline_add: "orderitem" }, i - n));
      expect((await itemsOf(o.id)).length).toBe(n);
      expect(lv.html()).toContain('name="orderitem-TOTAL_FORMS" value="6"');
      expect(lv.html()).not.toContain("Add another order item");
      // a crafted payload with more rows than maxNum does not get them
      const p = await formOf(o.id, { _save: "1" }, 8 - n);
      for (let i = n; i < 8; i++) Object.assign(p, { [`orderitem-${i}-productId`]: "1", [`orderitem-${i}-quantity`]: "1", [`orderitem-${i}-unitPriceCents`]: "1" });
      await lv.event("save", p);
      expect((await itemsOf(o.id)).length).toBe(6);
    });

    it("adds an order with its items (add form)", async () => {
      const c = (await db.select().from(customers).limit(1))[0]!;
      const lv = await open("admin", "/admin/shop/order/add/");
      expect(lv.html()).toContain('name="orderitem-TOTAL_FORMS" value="1"');
      await lv.event("save", { number: "ORD-INLINE-1", customerId: String(c.id), status: "pending", totalCents: "10", currency: "EUR", note: "", "orderitem-TOTAL_FORMS": "1", "orderitem-0-id": "", "orderitem-0-productId": "1", "orderitem-0-quantity": "4", "orderitem-0-unitPriceCents": "2.00", _save: "1" });
      const o = (await db.select().from(orders).where(eq(orders.number, "ORD-INLINE-1")))[0]!;
      expect(await itemsOf(o.id)).toMatchObject([{ productId: 1, quantity: 4, unitPriceCents: 200 }]);
    });

    it("without JavaScript: the posted rows are saved the same way", async () => {
      const o = await orderWithItems();
      const before = await itemsOf(o.id);
      const path = `/admin/shop/order/${o.id}/change/`;
      const jar = await server.login("admin");
      const { html } = await jar.html(path);
      const csrf = /<input type="hidden" form="changeform" name="_csrf" value="([^"]+)">/.exec(html)![1];
      const res = await jar.post(path, { _csrf: csrf, ...(await formOf(o.id, { "orderitem-0-DELETE": "on", _save: "1" })) });
      expect(res.status).toBe(303);
      expect((await itemsOf(o.id)).map((i) => i.id)).toEqual(before.slice(1).map((i) => i.id));
    });

    it("a user with only the view permission on items sees them read-only and cannot write them", async () => {
      const o = await orderWithItems();
      const before = await itemsOf(o.id);
      const lv = await open("looker", `/admin/shop/order/${o.id}/change/`);
      expect(lv.page).toContain('id="inline-orderitem"');
      expect(lv.page).not.toContain('name="orderitem-0-quantity"');
      expect(lv.page).not.toContain("DELETE");
      expect(lv.page).not.toContain("Add another order item");
      await lv.event("save", await formOf(o.id, { "orderitem-0-quantity": "99", "orderitem-1-DELETE": "on", "orderitem-9-productId": "1", _save: "1" }));
      expect(await itemsOf(o.id)).toEqual(before);
    });

    it("refuses an inline of an unregistered table or with an unknown field", () => {
      const s = new AdminSite({ db: shop.db, title: "x" });
      const a = s.register(orders, { app: "shop", listDisplay: ["number"], inlines: [TabularInline(orderItems)] });
      expect(() => inlineSpecs(s, a)).toThrow(/order_items must be registered with the site/);
      const s2 = new AdminSite({ db: shop.db, title: "x" });
      const b = s2.register(orders, { app: "shop", listDisplay: ["number"], inlines: [TabularInline(orderItems, { fields: ["nope"] })] });
      s2.register(orderItems, { app: "shop", listDisplay: ["quantity"] });
      expect(() => inlineSpecs(s2, b)).toThrow(/"nope" is not a field of order_items's form/);
      void and;
    });
  });

  // An item's product over a large table (> 200 products, searchable): the change form's combobox
  // in each inline row, permission-checked and scoped by the products admin's getQueryset.
  describe("autocomplete in inlines", () => {
    let app2: FastifyInstance | undefined;
    let base2 = "";
    const login2 = loginOnce(() => base2);
    /** a product the clerk may not see (outside the products admin's getQueryset) */
    let hidden = 0;

    beforeAll(async () => {
      const first = (await db.select().from(products).orderBy(products.id))[0]!;
      const rows = Array.from({ length: 205 }, (_, i) => ({ sku: `BULK-${i}`, name: `Bulk part ${String(i).padStart(3, "0")}`, category: first.category, priceCents: 100 + i }));
      await db.insert(products).values(rows);
      await db.insert(products).values({ sku: "SECRET-1", name: "Secret gadget", category: first.category, priceCents: 999 });
      hidden = (await db.select().from(products).where(eq(products.sku, "SECRET-1")))[0]!.id;
      const site2 = new AdminSite({ db: shop.db, title: "Test shop", display: { currency: "EUR" } });
      site2.register(orders, {
        app: "shop",
        relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
        listDisplay: ["number", "status"],
        readonlyFields: ["number", "createdAt", "updatedAt"],
        inlines: [TabularInline(orderItems, { fields: ["productId", "quantity", "unitPriceCents"], extra: 1, maxNum: 6 })],
      });
      site2.register(customers, { app: "shop", listDisplay: ["name"] });
      site2.register(products, { app: "inventory", listDisplay: ["name"], searchFields: ["name", "^sku"], getQueryset: (u) => (u.isSuperuser ? undefined : ne(products.id, hidden)) });
      site2.register(orderItems, { app: "shop", name: "orderitem", verboseName: "Order item", relations: { product: { column: orderItems.productId, table: products, display: products.name } }, listDisplay: ["quantity"], fieldTypes: { unitPriceCents: { type: "money" } } });
      users.clerk = await site.users.createUser({ username: "clerk", password: "clerk-pass", isStaff: true });
      for (const p of ["shop.view_order", "shop.change_order", "shop.view_customer", "shop.view_orderitem", "shop.add_orderitem", "shop.change_orderitem", "inventory.view_product"]) await site.users.grant(users.clerk, p);
      ({ app: app2, base: base2 } = await startAdmin(site2, {}));
    }, 60_000);
    afterAll(async () => void (await app2?.close()));

    const open2 = async (username: string, path: string) => openLive(base2, await login2(username), path, server.sockets);

    const nameOf = async (id: number) => (await db.select().from(products).where(eq(products.id, id)))[0]!.name;

    it("each row's product is a combobox: typing searches (scoped), ↓ and a click pick, Save writes the picked product with its audit entry", async () => {
      const o = await orderWithItems(1);
      const [item] = await itemsOf(o.id);
      const lv = await open2("clerk", `/admin/shop/order/${o.id}/change/`);
      expect(lv.page).toContain(`<input type="hidden" name="orderitem-0-productId" value="${item!.productId}">`);
      expect(lv.page).toMatch(new RegExp(`<input type="text" id="id_orderitem-0-productId" name="orderitem-0-productId__search" value="${await nameOf(item!.productId)}" role="combobox"[^>]*lv-keydown="ac_key" lv-value-field="orderitem-0-productId"`));
      expect(lv.page).not.toMatch(/<select id="id_orderitem-0-productId"/);
      // the clerk's search never lists the hidden product
      await lv.event("validate", { ...(await formOf(o.id)), "orderitem-0-productId__search": "bulk", _target: "orderitem-0-productId__search" });
      expect(lv.html()).toMatch(/role="option"[^>]*>Bulk part/);
      await lv.event("validate", { ...(await formOf(o.id)), "orderitem-0-productId__search": "Secret", _target: "orderitem-0-productId__search" });
      expect(lv.html()).not.toContain("Secret gadget");
      await lv.event("validate", { ...(await formOf(o.id)), "orderitem-0-productId__search": "Bulk part 007", _target: "orderitem-0-productId__search" });
      await lv.event("ac_key", { field: "orderitem-0-productId", key: "ArrowDown" });
      expect(lv.html()).toMatch(/aria-activedescendant="id_orderitem-0-productId_opt0"/);
      const pick = Number(/lv-value-field="orderitem-0-productId" lv-value-value="(\d+)"[^>]*>Bulk part 007</.exec(lv.html())![1]);
      await lv.event("ac_pick", { field: "orderitem-0-productId", value: String(hidden) });
      expect(lv.html()).toContain(`name="orderitem-0-productId" value="${item!.productId}"`);
      await lv.event("ac_pick", { field: "orderitem-0-productId", value: String(pick) });
      expect(lv.html()).toContain(`<input type="hidden" name="orderitem-0-productId" value="${pick}">`);
      expect(lv.html()).toMatch(/value="Bulk part 007" role="combobox"/);
      const auditN = (await audits("shop.orderitem")).length;
      await lv.event("save", await formOf(o.id, { "orderitem-0-productId": String(pick), "orderitem-0-productId__search": "Bulk part 007", _save: "1" }));
      expect(lv.redirect()).toBeDefined();
      expect((await itemsOf(o.id))[0]!.productId).toBe(pick);
      // (an unchanged stored row is written and audited with no changes, as before this feature)
      expect((await audits("shop.orderitem")).slice(auditN).filter((a) => a.changes !== "{}").map((a) => [a.action, a.objectId, a.changes])).toEqual([["change", String(item!.id), expect.stringContaining("productId")]]);
    });

    it("refuses a product outside the clerk's scope or missing (typed or forged): an error on the row, nothing written", async () => {
      const o = await orderWithItems(1);
      const before = await itemsOf(o.id);
      const lv = await open2("clerk", `/admin/shop/order/${o.id}/change/`);
      await lv.event("save", await formOf(o.id, { "orderitem-0-productId": String(hidden), note: "never", _save: "1" }));
      expect(lv.redirect()).toBeUndefined();
      expect(lv.html()).toMatch(/id="id_orderitem-0-productId_errors"><li>Select a valid choice. That choice is not one of the available choices.<\/li>/);
      await lv.event("save", await formOf(o.id, { "orderitem-0-productId__search": "Secret gadget", note: "never", _save: "1" }));
      expect(lv.html()).toContain("No products match “Secret gadget”.");
      expect(await itemsOf(o.id)).toEqual(before);
      expect((await orderRow(o.id)).note).not.toBe("never");
      // the superuser sees it: saved
      const root = await open2("admin", `/admin/shop/order/${o.id}/change/`);
      await root.event("save", await formOf(o.id, { "orderitem-0-productId": String(hidden), _save: "1" }));
      expect((await itemsOf(o.id))[0]!.productId).toBe(hidden);
    });

    it("without JavaScript the product's name typed in a new row is resolved on save", async () => {
      const o = await orderWithItems(1);
      const n = (await itemsOf(o.id)).length;
      const path = `/admin/shop/order/${o.id}/change/`;
      const jar = await login2("clerk");
      const { html } = await jar.html(path);
      const csrf = /<input type="hidden" form="changeform" name="_csrf" value="([^"]+)">/.exec(html)![1];
      const res = await jar.post(path, { _csrf: csrf, ...(await formOf(o.id, { [`orderitem-${n}-productId__search`]: "bulk part 042", [`orderitem-${n}-quantity`]: "3", [`orderitem-${n}-unitPriceCents`]: "1.00", _save: "1" })) });
      expect(res.status).toBe(303);
      const added = (await itemsOf(o.id))[n]!;
      expect(await nameOf(added.productId)).toBe("Bulk part 042");
      expect(added.quantity).toBe(3);
    });
  });
});
