/**
 * The ModelAdmin form hooks (model/form-hooks.ts) through the real change form: `saveModel`,
 * `deleteModel`, `clean`, `formfieldOverrides` validators and widget, `getReadonlyFields(user, obj)`
 * and object-level `hasChangePermission` / `hasDeletePermission`, on the demo database (SQLite and PostgreSQL).
 */
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { adminTablesFor, type AdminTables } from "../src/auth/tables.js";
import { qb, type QueryBuilder } from "../src/query/dialect/index.js";
import { ENGINES } from "./support/engines.js";
import { openDemoShop, type DemoShop } from "./support/demo-shop.js";
import { useAdminServer } from "./support.js";

// One database per engine: the demo's shop on SQLite or PostgreSQL (support/demo-shop.ts).
describe.each(ENGINES)("%s", (engine) => {
  let shop: DemoShop;
  let db: QueryBuilder;
  let site: AdminSite;
  let orders: DemoShop["orders"];
  let customers: DemoShop["customers"];
  let supportTickets: DemoShop["supportTickets"];
  let weftAuditLog: AdminTables["weftAuditLog"];
  const deleted: number[] = [];

  const server = useAdminServer(() => shop?.close());

  beforeAll(async () => {
    shop = await openDemoShop(engine, { customers: 10, products: 5, orders: 20, tickets: 5, ordersToday: 1 }, "admin_form_hooks");
    ({ orders, customers, supportTickets } = shop);
    db = qb(shop.db);
    ({ weftAuditLog } = adminTablesFor(shop.db));
    site = await AdminSite.create({ db: shop.db, title: "Hooks shop", emptyValueDisplay: "n/a" });
    site.register(orders, {
      app: "shop",
      relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
      listDisplay: ["number", "status", "totalCents"],
      readonlyFields: ["number", "createdAt", "updatedAt"],
      clean(values, { obj }) {
        if (obj?.status === "refunded" && obj.totalCents !== values.totalCents) return { fieldErrors: { totalCents: "A refunded order's total cannot change." } };
        if (values.status === "cancelled" && !values.note) return { formErrors: ["Say why the order is cancelled (note)."] };
      },
      formfieldOverrides: { currency: { validators: [(v) => (typeof v === "string" && /^[A-Z]{3}$/.test(v) ? undefined : "Use a three-letter code such as EUR.")], widget: "textarea" } },
      getReadonlyFields: (_user, obj) => (obj?.status === "refunded" ? ["status"] : []),
      async saveModel(ctx, obj) {
        return ctx.save({ ...obj, note: `${obj.note ?? ""} [by ${ctx.user?.username}]`.trim() });
      },
      hasDeletePermission: (u, obj) => u.isSuperuser && obj?.status !== "delivered",
    });
    site.register(customers, { app: "shop", listDisplay: ["name", "city", "country"], readonlyFields: ["city", "country"], emptyValueDisplay: "(none)", formfieldOverrides: { country: { emptyValueDisplay: "(no country)" } } });
    site.register(supportTickets, {
      app: "support",
      name: "ticket",
      listDisplay: ["subject", "status", "orderId", { name: "nothing", label: "Nothing", value: () => null, emptyValue: "nil" }],
      hasChangePermission: (u, obj) => u.isSuperuser && obj?.status !== "closed",
      async deleteModel(ctx, obj) {
        // records the delete, then does the default one (a soft delete would UPDATE through ctx.tx instead)
        deleted.push(obj.id as number);
        await ctx.delete();
      },
    });
    await site.users.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });
    await server.start(site);
  }, 60_000);

  const open = async (path: string) => server.live("admin", path);

  const orderRow = async (id: number) => (await db.select().from(orders).where(eq(orders.id, id)))[0]!;
  const setOrder = async (id: number, v: Partial<typeof orders.$inferInsert>) => void (await db.update(orders).set(v).where(eq(orders.id, id)));
  const formOf = async (id: number, extra: Record<string, string> = {}) => {
    const o = await orderRow(id);
    return { customerId: String(o.customerId), status: o.status, totalCents: String(o.totalCents), currency: o.currency, note: o.note ?? "", ...extra };
  };
  const auditOf = (model: string, id: number) => db.select().from(weftAuditLog).where(and(eq(weftAuditLog.model, model), eq(weftAuditLog.objectId, String(id)))).orderBy(weftAuditLog.id);

  describe("saveModel", () => {
    it("writes through the hook, in the audit entry's transaction", async () => {
      await setOrder(1, { status: "pending", note: null });
      const f = await open("/admin/shop/order/1/change/");
      await f.event("save", await formOf(1, { totalCents: "1234", note: "gift" }));
      expect(f.redirect()).toContain("/admin/shop/order/?saved=1");
      expect((await orderRow(1)).totalCents).toBe(1234);
      expect((await orderRow(1)).note).toBe("gift [by admin]");
      const last = (await auditOf("shop.order", 1)).at(-1)!;
      expect(JSON.parse(String(last.changes)).note[1]).toBe("gift [by admin]");
    });
  });

  describe("clean and formfieldOverrides", () => {
    it("refuses a refunded order's total change, live and on save, and makes its status readonly", async () => {
      await setOrder(2, { status: "refunded", totalCents: 5000 });
      const f = await open("/admin/shop/order/2/change/");
      // getReadonlyFields: no status input on a refunded order
      expect(f.page).not.toMatch(/name="status"/);
      await f.event("validate", { ...(await formOf(2, { totalCents: "4000" })), _target: "totalCents" });
      expect(f.html()).toContain("A refunded order&#39;s total cannot change.");
      await f.event("save", await formOf(2, { totalCents: "4000", status: "pending" }));
      expect(f.redirect()).toBeUndefined();
      expect(await orderRow(2)).toMatchObject({ totalCents: 5000, status: "refunded" });
    });

    it("shows form errors and per-field validators, and the widget override", async () => {
      await setOrder(3, { status: "pending", note: null });
      const f = await open("/admin/shop/order/3/change/");
      expect(f.page).toMatch(/<textarea id="id_currency" name="currency"/);
      await f.event("save", await formOf(3, { status: "cancelled", currency: "euro" }));
      expect(f.html()).toContain("Use a three-letter code such as EUR.");
      expect((await orderRow(3)).status).toBe("pending");
      await f.event("save", await formOf(3, { status: "cancelled", note: "" }));
      expect(f.html()).toContain("Say why the order is cancelled (note).");
      expect((await orderRow(3)).status).toBe("pending");
    });
  });

  describe("object-level permissions and deleteModel", () => {
    it("hasChangePermission(user, obj): a closed ticket's form is read-only and its save refused", async () => {
      await db.update(supportTickets).set({ status: "closed" }).where(eq(supportTickets.id, 1));
      const f = await open("/admin/support/ticket/1/change/");
      expect(f.page).toContain("<h1>View ticket</h1>");
      expect(f.page).not.toContain('name="_save"');
      await f.event("save", { subject: "changed" });
      expect(f.html()).toContain("You don&#39;t have permission to change this ticket.");
      const jar = await server.login("admin");
      const page = await (await jar.fetch("/admin/support/ticket/1/change/")).text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1];
      const res = await jar.fetch("/admin/support/ticket/1/change/", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ _csrf: csrf, subject: "changed", _save: "1" }).toString(), redirect: "manual" });
      expect(res.status).toBe(403);
    });

    it("hasDeletePermission(user, obj): a delivered order's delete page is refused", async () => {
      await setOrder(4, { status: "delivered" });
      const jar = await server.login("admin");
      expect((await jar.fetch("/admin/shop/order/4/delete/")).status).toBe(403);
      expect(await (await jar.fetch("/admin/shop/order/4/change/")).text()).not.toContain('href="/admin/shop/order/4/delete/"');
    });

    it("deleteModel does the delete, audited", async () => {
      await db.update(supportTickets).set({ status: "open" }).where(eq(supportTickets.id, 2));
      const f = await open("/admin/support/ticket/2/delete/");
      await f.event("confirm", {});
      expect(deleted).toEqual([2]);
      expect((await db.select().from(supportTickets).where(eq(supportTickets.id, 2)))).toEqual([]);
      expect((await auditOf("support.ticket", 2)).at(-1)!.action).toBe("delete");
    });
  });

  describe("emptyValueDisplay", () => {
    it("shows the ModelAdmin's text for empty values in the list and read-only fields", async () => {
      await db.update(customers).set({ city: "" });
      const jar = await server.login("admin");
      const form = await (await jar.fetch("/admin/shop/customer/1/change/")).text();
      expect(form).toMatch(/id="id_city">\(none\)</);
      const list = await (await jar.fetch("/admin/shop/customer/?o=-1")).text();
      expect(list).toContain(`<span class="muted" title="empty">(none)</span>`);
    });

    it("lets a field's own text win over the ModelAdmin's, and the site's apply where neither is set", async () => {
      await db.update(customers).set({ country: "" }).where(eq(customers.id, 1));
      await db.update(supportTickets).set({ orderId: null });
      const jar = await server.login("admin");
      const form = await (await jar.fetch("/admin/shop/customer/1/change/")).text();
      expect(form).toMatch(/id="id_country">\(no country\)</);
      expect(form).toMatch(/id="id_city">\(none\)</);
      const list = await (await jar.fetch("/admin/shop/customer/")).text();
      expect(list).toContain(`<span class="muted" title="empty">(no country)</span>`);
      // the site's text (no ModelAdmin text on tickets); a computed column's emptyValue over it
      const tickets = await (await jar.fetch("/admin/support/ticket/")).text();
      expect(tickets).toContain(`<span class="muted" title="empty">n/a</span>`);
      expect(tickets).toContain(`<span class="muted" title="empty">nil</span>`);
      expect(tickets).not.toContain(`title="empty">—</span>`);
    });
  });
});
