// `listEditable` (as Django admin's list_editable) on both engines: the list's rows as a
// formset (`form-N-id`, `form-N-status`, `form-TOTAL_FORMS`), saved live (events) and without
// JavaScript (a POST with CSRF), in ONE transaction with one audit entry per changed row,
// through saveModel / clean / formfieldOverrides validators / getReadonlyFields /
// hasChangePermission(user, row). Invalid rows write nothing and keep the user's edits; forged
// payloads (a column not in listEditable, a row the user may not change, a read-only field, a
// view-only user) are refused and write nothing; the live list pauses while edits are unsaved.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { AdminSite } from "../src/index.js";
import { objectHistory } from "../src/audit/index.js";
import { ChangeListView } from "../src/changelist/view.js";
import { LIVE_LIST } from "../src/changelist/live.js";
import { qb } from "../src/query/dialect/index.js";
import { useAdminServer } from "./support.js";
import { ENGINES, N_ORDERS, openShop, orderOf, type Shop } from "./support/engines.js";
import { formValues, indexOf, rowHtml } from "./support/list-editable.js";

describe.each(ENGINES)("listEditable on %s", (engine) => {
  let shop: Shop;
  let site: AdminSite;
  const server = useAdminServer(() => shop?.close());
  const pubsub = new MemoryChannelLayer();
  const saved = ChangeListView.live;
  /** the transaction of every saveModel call */
  const txs: unknown[] = [];

  beforeAll(async () => {
    ChangeListView.live = { ...LIVE_LIST, throttleMs: 100, fadeMs: 50 };
    shop = await openShop(engine);
    site = new AdminSite({ db: shop.db, display: { currency: "EUR" } });
    site.register(shop.orders, {
      app: "shop",
      name: "order",
      listDisplay: ["number", "status", "totalCents", "isGift"],
      listEditable: ["status", "totalCents", "isGift"],
      ordering: ["id"],
      listPerPage: 10,
      fieldTypes: { totalCents: { type: "money" } },
      formfieldOverrides: { totalCents: { validators: [(v) => (typeof v === "number" && v > 1_000_000 ? "Ensure the total is at most €10,000.00." : undefined)] } },
      clean: (values) => (values.isGift && values.status === "pending" ? { formErrors: ["A gift cannot be pending."] } : undefined),
      getReadonlyFields: (_u, obj) => (obj?.status === "shipped" ? ["status"] : []),
      hasChangePermission: (u, obj) => site.hasPerm(u, "shop.change_order") && obj?.number !== "ORD-0007",
      // a total of 42.42 makes the write reuse ORD-0001's number: the unique index refuses it
      saveModel: async (ctx, obj) => {
        txs.push(ctx.tx);
        return ctx.save(obj.totalCents === 4242 ? { ...obj, number: "ORD-0001" } : obj);
      },
    });
    await site.users.createUser({ username: "root", password: "root-pass", isStaff: true, isSuperuser: true });
    const viewer = await site.users.createUser({ username: "viewer", password: "viewer-pass", isStaff: true });
    await site.users.grant(viewer, "shop.view_order");
    await server.start(site, { pubsub });
  }, 60_000);

  afterAll(async () => {
    ChangeListView.live = saved;
  });

  beforeEach(async () => {
    // every test starts from the seed's first ten orders
    for (let i = 1; i <= 10; i++) {
      const o = orderOf(i);
      await qb(shop.db).update(shop.orders).set({ number: o.number, status: o.status, totalCents: o.totalCents, isGift: o.isGift }).where(eq(shop.orders.id, i));
    }
    txs.length = 0;
  });

  const order = async (id: number) => (await qb(shop.db).select().from(shop.orders).where(eq(shop.orders.id, id)))[0]!;
  const history = async (id: number) => (await objectHistory(site.db, "shop.order", String(id))).length;
  const histories = async () => Promise.all(Array.from({ length: 10 }, (_, i) => history(i + 1)));
  const snapshot = async () => JSON.stringify(await qb(shop.db).select().from(shop.orders));
  async function open(user = "root") {
    const { c, first } = await server.view(user, `/admin/shop/order/`, "admin-changelist");
    const html = () => c.html.get(1)!;
    const event = async (name: string, payload: object) => void (await c.reply(c.event(1, name, payload)));
    return { c, first, html, event };
  }

  it("renders the change form's widgets in the rows the user may change, plain cells otherwise", async () => {
    const { first } = await open();
    expect(first).toContain('<form id="cl-editable" class="cl-editable" method="post" action="/admin/shop/order/"');
    expect(first).toContain('name="form-TOTAL_FORMS" value="9"');
    expect(first).toMatch(/<input type="hidden" form="cl-editable" name="_csrf"/);
    // a select of the enum (labels in words), a money input in euros, a checkbox
    expect(rowHtml(first, 1)).toMatch(/<select id="id_form-0-status" name="form-0-status" aria-label="Status of ORD-0001">/);
    expect(rowHtml(first, 1)).toContain('<option value="paid" selected>Paid</option>');
    expect(rowHtml(first, 1)).toMatch(/<input type="number" id="id_form-0-totalCents" name="form-0-totalCents" value="47.00" step="0.01"/);
    expect(rowHtml(first, 4)).toMatch(/<input type="checkbox" id="id_form-3-isGift" name="form-3-isGift" value="1" checked/);
    // hasChangePermission(user, row) refuses ORD-0007: no inputs; getReadonlyFields: a shipped order's status is text
    expect(rowHtml(first, 7)).not.toMatch(/name="form-|<select/);
    expect(rowHtml(first, 2)).not.toContain("form-1-status");
    expect(rowHtml(first, 2)).toContain('name="form-1-totalCents"');
    // view-only staff: plain cells, no form
    const v = await open("viewer");
    expect(v.first).not.toContain("<form id=\"cl-editable\"");
    expect(v.first).not.toMatch(/name="form-/);
  });

  it("saves three changed rows in ONE transaction, one audit entry each, through saveModel", async () => {
    const l = await open();
    const before = await histories();
    const p = formValues(l.html());
    p[`form-${indexOf(l.html(), 1)}-status`] = "shipped";
    p[`form-${indexOf(l.html(), 3)}-totalCents`] = "99.50";
    delete p[`form-${indexOf(l.html(), 4)}-isGift`];
    await l.event("list_save", p);
    expect(l.html()).toContain("3 orders were changed successfully.");
    expect(await order(1)).toMatchObject({ status: "shipped" });
    expect(await order(3)).toMatchObject({ totalCents: 9950 });
    expect(await order(4)).toMatchObject({ isGift: false });
    expect(txs).toHaveLength(3);
    expect(new Set(txs).size).toBe(1);
    const after = await histories();
    expect(after.map((n, i) => n - before[i]!)).toEqual([1, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
    const entry = (await objectHistory(site.db, "shop.order", "3"))[0]!;
    expect(entry.action).toBe("change");
    expect(entry.changes).toEqual({ totalCents: [orderOf(3).totalCents, 9950] });
    // the page was read again: shipped now, so its status is read-only text
    expect(rowHtml(l.html(), 1)).not.toMatch(/name="form-\d+-status"/);
  });

  it("one invalid row writes nothing: errors at its cells, every edit kept", async () => {
    const l = await open();
    const before = await snapshot();
    const p = formValues(l.html());
    p[`form-${indexOf(l.html(), 6)}-status`] = "paid";
    p[`form-${indexOf(l.html(), 9)}-totalCents`] = "20000";
    p[`form-${indexOf(l.html(), 3)}-isGift`] = "1";
    await l.event("list_save", p);
    expect(await snapshot()).toBe(before);
    expect(txs).toHaveLength(0);
    const html = l.html();
    expect(html).toContain("Please correct the errors below; nothing was saved.");
    expect(rowHtml(html, 9)).toContain("Ensure the total is at most €10,000.00.");
    expect(rowHtml(html, 9)).toMatch(/value="20000"[^>]*aria-invalid="true"/);
    // clean()'s form error, under the row
    expect(rowHtml(html, 3)).toContain("ORD-0003: A gift cannot be pending.");
    // the valid edit is kept too
    expect(rowHtml(html, 6)).toContain('<option value="paid" selected>Paid</option>');
    expect(rowHtml(html, 6)).toContain("cl-dirty");
    // a database refusal in the middle of the transaction rolls back the rows before it
    const q = formValues(html);
    q[`form-${indexOf(html, 9)}-totalCents`] = "10.00";
    q[`form-${indexOf(html, 3)}-isGift`] = "";
    delete q[`form-${indexOf(html, 3)}-isGift`];
    q[`form-${indexOf(html, 10)}-totalCents`] = "42.42";
    await l.event("list_save", q);
    expect(l.html()).toMatch(/Nothing was saved\./);
    expect(txs.length).toBeGreaterThanOrEqual(2);
    expect(await snapshot()).toBe(before);
  });

  it("refuses forged payloads with a clear error and writes nothing", async () => {
    const l = await open();
    const before = await snapshot();
    const audit = JSON.stringify(await histories());
    const valid = () => {
      const p = formValues(l.html());
      p[`form-${indexOf(l.html(), 1)}-status`] = "pending";
      return p;
    };
    // a column not in listEditable
    await l.event("list_save", { ...valid(), "form-0-number": "HACKED" });
    expect(l.html()).toContain("The field “number” cannot be edited in the list; nothing was saved.");
    // a row the user may not change (hasChangePermission(user, ORD-0007) is false)
    const p = valid();
    const n = Number(p["form-TOTAL_FORMS"]);
    await l.event("list_save", { ...p, "form-TOTAL_FORMS": String(n + 1), [`form-${n}-id`]: "7", [`form-${n}-status`]: "pending" });
    expect(l.html()).toContain("You don&#39;t have permission to change the order “ORD-0007”; nothing was saved.");
    // a field read-only for the row (getReadonlyFields: a shipped order's status)
    await l.event("list_save", { ...valid(), [`form-${indexOf(l.html(), 2)}-status`]: "pending" });
    expect(l.html()).toContain("The field “Status” of the order “ORD-0002” is read-only; nothing was saved.");
    // a malformed formset
    await l.event("list_save", { ...valid(), "form-TOTAL_FORMS": "x" });
    expect(l.html()).toContain("form-TOTAL_FORMS is missing or wrong");
    expect(await snapshot()).toBe(before);
    expect(JSON.stringify(await histories())).toBe(audit);
    // a view-only user
    const v = await open("viewer");
    await v.event("list_save", { "form-TOTAL_FORMS": "1", "form-0-id": "1", "form-0-status": "pending" });
    expect(v.html()).toContain("You don&#39;t have permission to change orders; nothing was saved.");
    await v.event("list_edit", { "form-TOTAL_FORMS": "1", "form-0-id": "1", "form-0-status": "pending" });
    expect(v.html()).toContain("You don&#39;t have permission to do that.");
    expect(await snapshot()).toBe(before);
    expect(JSON.stringify(await histories())).toBe(audit);
  });

  it("saves a POST of the whole formset without JavaScript (CSRF checked), or re-renders it with the errors", async () => {
    const jar = await server.login("root");
    const page = await (await jar.fetch("/admin/shop/order/")).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const form = formValues(page);
    form[`form-${indexOf(page, 5)}-totalCents`] = "12.34";
    expect((await jar.post("/admin/shop/order/", form)).status).toBe(403);
    expect((await order(5)).totalCents).toBe(orderOf(5).totalCents);
    const res = await jar.post("/admin/shop/order/", { ...form, _csrf: csrf, _save: "Save" });
    expect(res.status).toBe(303);
    // Django's message after the redirect (the flash of a live save does not survive it)
    expect(res.headers.get("location")).toBe("/admin/shop/order/?changed=1.5");
    expect(await (await jar.fetch(res.headers.get("location")!)).text()).toContain("1 order was changed successfully.");
    expect((await order(5)).totalCents).toBe(1234);
    expect((await objectHistory(site.db, "shop.order", "5"))[0]!.changes).toEqual({ totalCents: [orderOf(5).totalCents, 1234] });
    // invalid: 200, the errors at the cells, the user's strings kept, nothing written
    const bad = { ...formValues(page), _csrf: csrf, [`form-${indexOf(page, 6)}-totalCents`]: "abc", [`form-${indexOf(page, 1)}-status`]: "pending" };
    const again = await jar.post("/admin/shop/order/", bad);
    const html = await again.text();
    expect(again.status).toBe(200);
    expect(rowHtml(html, 6)).toMatch(/value="abc"/);
    expect(rowHtml(html, 6)).toContain("errorlist");
    expect(rowHtml(html, 1)).toContain('<option value="pending" selected>Pending</option>');
    expect((await order(1)).status).toBe(orderOf(1).status);
  });

  it("pauses the live list while edits are unsaved: new rows are only counted, shown rows keep the user's values", async () => {
    const l = await open();
    const p = formValues(l.html());
    p[`form-${indexOf(l.html(), 6)}-status`] = "paid";
    await l.event("list_edit", p);
    expect(l.html()).toContain("1 unsaved row");
    // a row changed elsewhere is not re-read in place; a new matching row is only counted
    await shop.exec("update orders set number = 'RENAMED-6' where id = 6");
    await pubsub.publish("orders", { type: "order.changed", id: 6 });
    const id = N_ORDERS + 7000;
    await shop.exec(`insert into orders (id, number, customer_id, status, total_cents, is_gift, created_at) values (${id}, 'NEW-1', 1, 'pending', 100, ${engine === "sqlite" ? "0" : "false"}, ${engine === "sqlite" ? String(Date.now()) : "now()"})`);
    await pubsub.publish("orders", { type: "order.created", id });
    await l.c.until(() => l.html().includes("1 new order — show"), "the new order counted");
    expect(rowHtml(l.html(), 6)).not.toContain("RENAMED-6");
    expect(rowHtml(l.html(), 6)).toContain('<option value="paid" selected>Paid</option>');
    // "show" would move the rows being edited: refused until saved or discarded
    await l.event("showNew", {});
    expect(l.html()).toContain("Save or discard your changes first");
    await l.event("list_save", formValues(l.html()));
    expect(l.html()).toContain("1 order was changed successfully.");
    expect(await order(6)).toMatchObject({ status: "paid", number: "RENAMED-6" });
    expect(rowHtml(l.html(), 6)).toContain("RENAMED-6");
    await shop.exec(`delete from orders where id = ${id}`);
  });
});
