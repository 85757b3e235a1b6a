/**
 * The change form, delete confirmation, history and timeline pages over HTTP and the real
 * protocol, on SQLite and on PostgreSQL: a fastify server with weft + AdminSite + adminPlugin on
 * the demo's schema (migrations, CHECK constraints, foreign keys) seeded small, users logged in
 * through the real login form, views joined and driven over a WebSocket as the browser would.
 * (Site: support/changeform-site.ts. The database-busy test is about SQLite's file lock: SQLite only.)
 */
import Database from "better-sqlite3";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AdminSite, AdminUser } from "../src/index.js";
import { adminTablesFor } from "../src/auth/tables.js";
import { recordAudit } from "../src/audit/index.js";
import { qb, type QueryBuilder } from "../src/query/dialect/index.js";
import { ENGINES } from "./support/engines.js";
import { openChangeformSite, type ChangeformSite } from "./support/changeform-site.js";

describe.each(ENGINES)("%s", (engine) => {
  let cfs: ChangeformSite;
  let shop: ChangeformSite["shop"];
  let site: AdminSite;
  let db: QueryBuilder;
  let users: Record<string, AdminUser>;
  let published: ChangeformSite["published"];
  let gate: ChangeformSite["gate"];
  let base = "";
  let customers: ChangeformSite["shop"]["customers"];
  let orders: ChangeformSite["shop"]["orders"];
  let orderItems: ChangeformSite["shop"]["orderItems"];
  let supportTickets: ChangeformSite["shop"]["supportTickets"];
  beforeAll(async () => {
    cfs = await openChangeformSite(engine);
    ({ shop, site, users, published, gate, base } = cfs);
    ({ customers, orders, orderItems, supportTickets } = shop);
    db = qb(shop.db);
  }, 120_000);
  afterAll(async () => {
    await cfs?.close();
  });
  const login = (username: string) => cfs.login(username);
  const open = (username: string, path: string) => cfs.open(username, path);

  const orderRow = async (id: number) => (await db.select().from(orders).where(eq(orders.id, id)))[0]!;
  const auditOf = async (model: string, id: number | string) => {
    const { weftAuditLog } = adminTablesFor(shop.db);
    return qb(shop.db).select().from(weftAuditLog).where(and(eq(weftAuditLog.model, model), eq(weftAuditLog.objectId, String(id)))).orderBy(weftAuditLog.id);
  };
  const auditCount = async () => {
    const { weftAuditLog } = adminTablesFor(shop.db);
    return (await qb(shop.db).select({ n: count() }).from(weftAuditLog))[0]!.n;
  };
  const text = (html: string) => html.replace(/<[^>]+>/g, "").replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/\s+/g, " ");
  /** The form values the browser would send for order `id` as stored (plus the submit button). */
  async function formOf(id: number, extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const o = await orderRow(id);
    return { customerId: String(o.customerId), status: o.status, totalCents: String(o.totalCents), currency: o.currency, note: o.note ?? "", ...extra };
  }
  /** The page's main content (the view), without the shell (whose user menu has a logout form). */
  const main = (page: string) => page.slice(page.indexOf('<main class="content"'), page.indexOf("</main>"));
  /** Error list items of field `key` in the html. */
  function fieldErrors(html: string, key: string): string[] {
    const m = new RegExp(`<ul class="errorlist" id="id_${key}_errors">(.*?)</ul>`, "s").exec(html);
    return m ? [...m[1].matchAll(/<li>(.*?)<\/li>/g)].map((x) => x[1]) : [];
  }


  describe("rendering", () => {
    it("renders the change form with inputs derived from the columns", async () => {
      const jar = await login("admin");
      const o = await orderRow(3);
      const res = await jar.fetch("/admin/shop/order/3/change/");
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain("<title data-suffix=\" | Test shop\">Change order | Test shop</title>");
      expect(html).toContain("<h1>Change order</h1>");
      expect(html).toContain(o.number);
      // enum → select with the current value selected
      expect(html).toMatch(new RegExp(`<select id="id_status" name="status"[^>]*>[\\s\\S]*<option value="${o.status}" selected>`));
      // integer with the CHECK bound → number input with min
      expect(html).toMatch(/<input type="number" id="id_totalCents" name="totalCents" value="\d+" step="1" min="0"/);
      // foreign key → select of customers labelled by name (40 customers < the limit)
      const customer = (await db.select().from(customers).where(eq(customers.id, o.customerId)))[0]!;
      expect(html).toContain(`<option value="${customer.id}" selected>${customer.name.replace(/'/g, "&#39;")}</option>`);
      // nullable long text → textarea, not required
      expect(html).toMatch(/<textarea id="id_note" name="note" rows="4">/);
      expect(html).not.toMatch(/<label class="cf-label" for="id_note">Note<span class="cf-required"/);
      // required markers on required fields
      expect(html).toMatch(/for="id_totalCents">Total \(cents\)<span class="cf-required"/);
      // readonly fields and the primary key are text, never inputs
      for (const k of ["number", "createdAt", "updatedAt", "id"]) expect(html).not.toMatch(new RegExp(`name="${k}"`));
      expect(html).toMatch(/id="id_createdAt">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC</);
      expect(html).toContain(`· ID 3`);
      // buttons and links
      expect(html).toContain('name="_save"');
      expect(html).toContain('name="_continue"');
      expect(html).toContain('name="_addanother"');
      expect(html).toContain('href="/admin/shop/order/3/delete/"');
      expect(html).toContain('href="/admin/shop/order/3/history/"');
      // the form validates live and submits over the socket
      expect(html).toMatch(/<form id="changeform" class="cf-form" method="post" action="\/admin\/shop\/order\/\d+\/change\/" lv-change="validate" lv-submit="save" novalidate/);
      // the stylesheet carries the form's rules
      const css = /<link rel="stylesheet" href="([^"]+)"/.exec(html)![1];
      expect(await (await fetch(base + css)).text()).toContain(".cf-row{");
    });

    it("renders the add form with defaults, and a boolean checkbox / datetime input on other models", async () => {
      const jar = await login("admin");
      const html = await (await jar.fetch("/admin/shop/order/add/")).text();
      expect(html).toContain("<title data-suffix=\" | Test shop\">Add order | Test shop</title>");
      // the order number has no default: editable on the add form only
      expect(html).toMatch(/<input type="text" id="id_number" name="number" value="" required/);
      expect(html).toMatch(/<option value="pending" selected>Pending<\/option>/); // the stored value, the label in words
      expect(html).toMatch(/<input type="text" id="id_currency" name="currency" value="EUR"/);
      expect(html).not.toContain('href="/admin/shop/order/undefined');
      const cust = await (await jar.fetch("/admin/shop/customer/1/change/")).text();
      expect(cust).toMatch(/<input type="checkbox" id="id_isVip" name="isVip" value="1"/);
      expect(cust).toMatch(/<input type="datetime-local" id="id_createdAt" name="createdAt" value="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d" step="1"/);
      // the model's changeFormWidgets, as nested views with the object's id
      expect(cust).toContain('<p class="badge-widget">Customer widget for 1</p>');
      expect(cust).toMatch(/lv-view="test-customer-badge"/);
    });

    it("answers 404 for an unknown object or model, and 403 without the permission", async () => {
      const jar = await login("admin");
      for (const path of ["/admin/shop/order/999999/change/", "/admin/shop/order/abc/change/", "/admin/shop/nothing/1/change/", "/admin/shop/order/999999/delete/", "/admin/shop/order/999999/history/"]) {
        expect((await jar.fetch(path)).status, path).toBe(404);
      }
      const viewer = await login("viewer");
      expect((await viewer.fetch("/admin/shop/order/add/")).status).toBe(403);
      expect((await viewer.fetch("/admin/shop/order/3/delete/")).status).toBe(403);
      expect((await viewer.fetch("/admin/shop/orderitem/1/change/")).status).toBe(403);
      // anonymous: the login page
      const anon = await fetch(`${base}/admin/shop/order/3/change/`, { redirect: "manual" });
      expect(anon.status).toBe(302);
      expect(anon.headers.get("location")).toContain("/admin/login/?next=");
    });
  });

  describe("live validation", () => {
    it("shows errors under the fields the user touched, without saving", async () => {
      const before = await orderRow(4);
      const audits = (await auditCount());
      const lv = await open("admin", "/admin/shop/order/4/change/");
      await lv.event("validate", await formOf(4, { totalCents: "-5", _target: "totalCents" }));
      expect(fieldErrors(lv.html(), "totalCents")).toEqual(["Ensure this value is greater than or equal to 0."]);
      expect(lv.html()).toContain('aria-invalid="true"');
      // on the add form, the empty required number is not reported before the user touches it
      const add = await open("admin", "/admin/shop/order/add/");
      await add.event("validate", { number: "", customerId: "1", status: "pending", totalCents: "-1", currency: "EUR", note: "", _target: "totalCents" });
      expect(fieldErrors(add.html(), "totalCents")).toEqual(["Ensure this value is greater than or equal to 0."]);
      expect(fieldErrors(add.html(), "number")).toEqual([]);
      await lv.event("validate", await formOf(4, { totalCents: "-5", currency: "", _target: "currency" }));
      expect(fieldErrors(lv.html(), "currency")).toEqual(["This field is required."]);
      await lv.event("validate", await formOf(4, { totalCents: "12.5", status: "lost", _target: "status" }));
      expect(fieldErrors(lv.html(), "totalCents")).toEqual(["Enter a whole number."]);
      expect(fieldErrors(lv.html(), "status")).toEqual(["Select a valid choice. lost is not one of the available choices."]);
      await lv.event("validate", await formOf(4, { customerId: "99999", _target: "customerId" }));
      expect(fieldErrors(lv.html(), "customerId")).toEqual(["Select a valid choice. That choice is not one of the available choices."]);
      // one debounced event carrying two edits names only the last target: both count as touched
      const lv2 = await open("admin", "/admin/shop/order/4/change/");
      await lv2.event("validate", await formOf(4, { totalCents: "-7", currency: "", _target: "currency" }));
      expect(fieldErrors(lv2.html(), "totalCents")).toEqual(["Ensure this value is greater than or equal to 0."]);
      expect(fieldErrors(lv2.html(), "currency")).toEqual(["This field is required."]);
      expect(fieldErrors(lv2.html(), "status")).toEqual([]);
      // fixed: the errors go away
      await lv.event("validate", await formOf(4, { totalCents: "100", _target: "totalCents" }));
      expect(lv.html()).not.toContain('class="errorlist"');
      expect(await orderRow(4)).toEqual(before);
      expect((await auditCount())).toBe(audits);
      expect(lv.errors()).toEqual([]);
    });
  });

  describe("saving", () => {
    it("refuses an invalid save with every error shown and nothing written", async () => {
      const before = await orderRow(5);
      const audits = (await auditCount());
      const lv = await open("admin", "/admin/shop/order/5/change/");
      await lv.event("save", await formOf(5, { totalCents: "-1", currency: "  ", _save: "1" }));
      const html = lv.html();
      expect(text(html)).toContain("Please correct the errors below.");
      expect(fieldErrors(html, "totalCents")).toEqual(["Ensure this value is greater than or equal to 0."]);
      expect(fieldErrors(html, "currency")).toEqual(["This field is required."]);
      // the user's input stays in the form
      expect(html).toMatch(/name="totalCents" value="-1"/);
      expect(lv.redirect()).toBeUndefined();
      expect(await orderRow(5)).toEqual(before);
      expect((await auditCount())).toBe(audits);
    });

    it("saves a valid change, audits before/after of the changed fields only, publishes, and stays on continue", async () => {
      const before = await orderRow(6);
      const status = before.status === "shipped" ? "paid" : "shipped";
      published.length = 0;
      const lv = await open("manager", "/admin/shop/order/6/change/");
      await lv.event("save", await formOf(6, { status, totalCents: String(before.totalCents + 100), note: "Leave at the door", _continue: "1" }));
      const after = await orderRow(6);
      expect(after.status).toBe(status);
      expect(after.totalCents).toBe(before.totalCents + 100);
      expect(after.note).toBe("Leave at the door");
      expect(after.createdAt).toEqual(before.createdAt);
      const entries = (await auditOf("shop.order", 6));
      expect(entries).toHaveLength(1);
      const e = entries[0];
      expect(e).toMatchObject({ userId: users.manager.id, action: "change", objectRepr: before.number });
      expect(JSON.parse(e.changes)).toEqual({
        status: [before.status, status],
        totalCents: [before.totalCents, before.totalCents + 100],
        note: [before.note, "Leave at the door"],
      });
      expect(Date.now() - e.at.getTime()).toBeLessThan(60_000);
      expect(published).toContainEqual({ topic: "orders", msg: { type: "order.changed", id: 6 } });
      // stays on the form with Django's message and the stored values
      expect(lv.redirect()).toBeUndefined();
      expect(text(lv.html())).toContain(`The order “${before.number}” was changed successfully. You may edit it again below.`);
      expect(lv.html()).toMatch(new RegExp(`name="totalCents" value="${before.totalCents + 100}"`));
      // a second save without changes writes an entry without changes and no UPDATE
      await lv.event("save", await formOf(6, { _continue: "1" }));
      expect(await orderRow(6)).toEqual(after);
      expect(JSON.parse((await auditOf("shop.order", 6))[1].changes)).toEqual({});
    });

    it("never writes readonly fields or the primary key, even from a crafted event", async () => {
      const before = await orderRow(7);
      const lv = await open("admin", "/admin/shop/order/7/change/");
      await lv.event("save", {
        ...await formOf(7, { totalCents: String(before.totalCents + 1) }),
        number: "ORD-HACKED",
        createdAt: "2001-01-01T00:00:00",
        updatedAt: "2001-01-01T00:00:00",
        id: "424242",
        unknownColumn: "x",
        _continue: "1",
      });
      const after = await orderRow(7);
      expect(after.totalCents).toBe(before.totalCents + 1);
      expect(after.number).toBe(before.number);
      expect(after.createdAt).toEqual(before.createdAt);
      expect(after.updatedAt).toEqual(before.updatedAt);
      expect((await db.select().from(orders).where(eq(orders.id, 424242)))[0]).toBeUndefined();
      expect(Object.keys(JSON.parse((await auditOf("shop.order", 7)).at(-1)!.changes))).toEqual(["totalCents"]);
      // a partial payload never blanks the fields it leaves out
      await lv.event("save", { totalCents: String(before.totalCents + 2), _continue: "1" });
      expect(await orderRow(7)).toMatchObject({ totalCents: before.totalCents + 2, status: before.status, currency: before.currency, customerId: before.customerId });
    });

    it("Save goes to the change list with ?saved=, whose notice reads the audit log", async () => {
      const lv = await open("admin", "/admin/shop/order/8/change/");
      await lv.event("save", await formOf(8, { note: "saved plainly", _save: "1" }));
      await lv.c.until(() => lv.redirect(), "redirect");
      expect(lv.redirect()).toBe("/admin/shop/order/?saved=8");
      const { savedNotice } = await import("../src/changeform/notice.js");
      const admin = site.get("shop", "order")!;
      const sessionUser = { id: users.admin.id, username: "admin", isStaff: true, isSuperuser: true, permissions: [] };
      expect((await savedNotice(shop.db, admin, sessionUser, { saved: "8" }))).toBe(`The order “${(await orderRow(8)).number}” was changed successfully.`);
      // another user, or a crafted id: nothing
      expect((await savedNotice(shop.db, admin, { ...sessionUser, id: users.manager.id }, { saved: "8" }))).toBeNull();
      expect((await savedNotice(shop.db, admin, sessionUser, { saved: "9" }))).toBeNull();
      expect((await savedNotice(shop.db, admin, sessionUser, { deleted: "8" }))).toBeNull();
    });

    it("adds an order (audit [null, value]), then Save and add another lands on the add page with the message", async () => {
      published.length = 0;
      const customer = (await db.select().from(customers).limit(1))[0]!;
      const lv = await open("clerk", "/admin/shop/order/add/");
      await lv.event("validate", { number: "", customerId: String(customer.id), status: "paid", totalCents: "1999", currency: "EUR", note: "", _target: "number" });
      expect(fieldErrors(lv.html(), "number")).toEqual(["This field is required."]);
      await lv.event("save", { number: "ORD-900001", customerId: String(customer.id), status: "paid", totalCents: "1999", currency: "EUR", note: "", _addanother: "1" });
      await lv.c.until(() => lv.redirect(), "redirect");
      const row = (await db.select().from(orders).where(eq(orders.number, "ORD-900001")))[0]!;
      expect(row).toMatchObject({ customerId: customer.id, status: "paid", totalCents: 1999, currency: "EUR", note: null });
      expect(lv.redirect()).toBe(`/admin/shop/order/add/?saved=${row.id}`);
      const [e] = (await auditOf("shop.order", row.id));
      expect(e).toMatchObject({ action: "add", userId: users.clerk.id, objectRepr: "ORD-900001" });
      const changes = JSON.parse(e.changes);
      expect(changes).toMatchObject({ number: [null, "ORD-900001"], customerId: [null, customer.id], status: [null, "paid"], totalCents: [null, 1999], currency: [null, "EUR"] });
      expect(changes.createdAt[0]).toBeNull();
      expect(changes.createdAt[1]).toBe(row.createdAt.toISOString());
      expect(changes).not.toHaveProperty("id");
      expect(changes).not.toHaveProperty("note");
      expect(published).toContainEqual({ topic: "orders", msg: { type: "order.created", id: row.id } });
      const next = await (await (await login("clerk")).fetch(lv.redirect()!)).text();
      expect(text(next)).toContain("The order “ORD-900001” was added successfully. You may add another order below.");
    });

    it("reports a UNIQUE constraint on the field, with nothing written", async () => {
      const audits = (await auditCount());
      const n = (await db.select({ n: count() }).from(orders))[0]!.n;
      const taken = (await orderRow(2)).number;
      const lv = await open("admin", "/admin/shop/order/add/");
      await lv.event("save", { number: taken, customerId: "1", status: "paid", totalCents: "10", currency: "EUR", note: "", _save: "1" });
      expect(text(lv.html())).toContain("Could not save: the order violates a constraint: Number must be unique.");
      expect(fieldErrors(lv.html(), "number")).toEqual(["Order with this Number already exists."]);
      expect(lv.html()).not.toMatch(/at \w+ \(|\.ts:\d+/); // no stack
      expect((await db.select({ n: count() }).from(orders))[0]!.n).toBe(n);
      expect((await auditCount())).toBe(audits);
      expect(lv.redirect()).toBeUndefined();
    });

    // SQLite's file lock (BEGIN IMMEDIATE on another connection, busy_timeout): SQLite only
    it.runIf(engine === "sqlite")("says the database is busy when another writer holds the lock, and writes nothing", async () => {
      const before = await orderRow(9);
      const audits = (await auditCount());
      const other = new Database(shop.file!);
      const lv = await open("admin", "/admin/shop/order/9/change/");
      shop.sqlite!.pragma("busy_timeout = 50");
      other.exec("BEGIN IMMEDIATE");
      try {
        await lv.event("save", await formOf(9, { totalCents: String(before.totalCents + 5), _continue: "1" }));
      } finally {
        other.exec("ROLLBACK");
        other.close();
        shop.sqlite!.pragma("busy_timeout = 5000");
      }
      expect(text(lv.html())).toContain("Could not save: the database is busy, please try again.");
      expect(lv.html()).toMatch(new RegExp(`name="totalCents" value="${before.totalCents + 5}"`));
      expect(await orderRow(9)).toEqual(before);
      expect((await auditCount())).toBe(audits);
      // once the lock is gone, the same save goes through
      await lv.event("save", await formOf(9, { totalCents: String(before.totalCents + 5), _continue: "1" }));
      expect((await orderRow(9)).totalCents).toBe(before.totalCents + 5);
    });
  });

  describe("without JavaScript (POST)", () => {
    /** The change / add page's form attributes and the CSRF input the shell associates with it. */
    async function formPage(username: string, path: string): Promise<{ csrf: string; html: string }> {
      const { html } = await (await login(username)).html(path);
      expect(html).toContain(`<form id="changeform" class="cf-form" method="post" action="${path}"`);
      const csrf = /<input type="hidden" form="changeform" name="_csrf" value="([^"]+)">/.exec(html)?.[1] ?? "";
      expect(csrf, "the form's CSRF input").toBeTruthy();
      return { csrf, html };
    }

    it("saves with the live save's validation, audit and publish, then 303 to the list with ?saved=", async () => {
      const path = "/admin/shop/order/12/change/";
      const { csrf } = await formPage("admin", path);
      const before = (await auditCount());
      const from = published.length;
      const res = await (await login("admin")).post(path, { _csrf: csrf, ...await formOf(12, { note: "posted without JS", _save: "1" }) });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/admin/shop/order/?saved=12");
      expect((await orderRow(12)).note).toBe("posted without JS");
      expect((await auditCount())).toBe(before + 1);
      expect((await auditOf("shop.order", 12)).at(-1)).toMatchObject({ action: "change", userId: users.admin.id });
      await vi.waitFor(() => expect(published.slice(from).some((p) => p.topic === "orders" && p.msg?.id === 12)).toBe(true));
      // the list says so, from the audit log, as after the live save
      const list = await (await login("admin")).html("/admin/shop/order/?saved=12");
      expect(list.html).toContain("was changed successfully.");
      // Save and continue editing: back to the form with the message
      const again = await (await login("admin")).post(path, { _csrf: csrf, ...await formOf(12, { note: "and again", _continue: "1" }) });
      expect(again.status).toBe(303);
      expect(again.headers.get("location")).toBe(`${path}?saved=12`);
    });

    it("re-renders the form with the errors and the posted values, writing nothing", async () => {
      const path = "/admin/shop/order/13/change/";
      const { csrf } = await formPage("admin", path);
      const before = (await auditCount());
      const note = (await orderRow(13)).note;
      const res = await (await login("admin")).post(path, { _csrf: csrf, ...await formOf(13, { totalCents: "not a number", note: "kept in the form", _save: "1" }) });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain("Please correct the error below.");
      expect(fieldErrors(html, "totalCents").length).toBeGreaterThan(0);
      expect(html).toContain("kept in the form");
      expect((await orderRow(13)).note).toBe(note);
      expect((await auditCount())).toBe(before);
    });

    it("adds an object: 303 to the list; refuses a missing or forged CSRF token and a user without the permission", async () => {
      const { csrf } = await formPage("admin", "/admin/shop/order/add/");
      const before = (await auditCount());
      const form = { ...await formOf(14, { number: "ORD-NOJS-1", note: "added without JS", _save: "1" }) };
      for (const bad of [{}, { _csrf: "forged" }]) {
        const res = await (await login("admin")).post("/admin/shop/order/add/", { ...bad, ...form });
        expect(res.status).toBe(403);
        expect(await res.text()).toContain("CSRF verification failed");
      }
      expect((await auditCount())).toBe(before);
      const viewer = await formPage("viewer", "/admin/shop/order/14/change/").catch(() => null);
      expect(viewer).toBeNull(); // a view-only user has no form at all
      const { html: vhtml } = await (await login("viewer")).html("/admin/shop/order/14/change/");
      const vcsrf = /name="_csrf" value="([^"]+)"/.exec(vhtml)?.[1] ?? "";
      const denied = await (await login("viewer")).post("/admin/shop/order/14/change/", { _csrf: vcsrf, ...await formOf(14, { note: "viewer was here", _save: "1" }) });
      expect(denied.status).toBe(403);
      expect(await denied.text()).toContain("Permission denied");
      expect((await orderRow(14)).note).not.toBe("viewer was here");
      const res = await (await login("admin")).post("/admin/shop/order/add/", { _csrf: csrf, ...form });
      expect(res.status, (await res.clone().text()).match(/<ul class="errorlist"[^]*?<\/ul>|cf-form-error[^<]*<[^]*?</g)?.join(" | ")).toBe(303);
      expect(res.headers.get("location")).toMatch(/^\/admin\/shop\/order\/\?saved=\d+$/);
      expect((await auditCount())).toBe(before + 1);
    });
  });

  describe("permissions", () => {
    it("shows a view-only user a read-only form without save buttons, and refuses a crafted save", async () => {
      const before = await orderRow(10);
      const audits = (await auditCount());
      const lv = await open("viewer", "/admin/shop/order/10/change/");
      for (const html of [main(lv.page), lv.html()]) {
        expect(html).toContain("View order");
        expect(html).not.toContain("<form");
        expect(html).not.toContain('name="_save"');
        expect(html).not.toContain("lv-submit");
        expect(html).not.toMatch(/<(input|select|textarea)[^>]*name="(status|totalCents|note|customerId|currency)"/);
        expect(html).not.toContain("/delete/");
        expect(html).toContain(before.number);
      }
      await lv.event("save", await formOf(10, { totalCents: "1", _save: "1" }));
      await lv.event("validate", await formOf(10, { totalCents: "1", _target: "totalCents" }));
      expect(text(lv.html())).toContain("You don't have permission to change this order.");
      expect(await orderRow(10)).toEqual(before);
      expect((await auditCount())).toBe(audits);
      expect(lv.redirect()).toBeUndefined();
    });

    it("checks the change permission again in the save event", async () => {
      const ticket = (await db.select().from(supportTickets).limit(1))[0]!;
      const lv = await open("admin", `/admin/support/ticket/${ticket.id}/change/`);
      expect(lv.html()).toContain('name="_save"');
      gate.change = false;
      try {
        await lv.event("save", { customerId: String(ticket.customerId), orderId: "", subject: "changed by a stale page", status: ticket.status, priority: ticket.priority, _continue: "1" });
      } finally {
        gate.change = true;
      }
      expect(text(lv.html())).toContain("You don't have permission to change this ticket.");
      expect((await db.select().from(supportTickets).where(eq(supportTickets.id, ticket.id)))[0]).toEqual(ticket);
    });

    it("hides Delete and Save and add another from a user without those permissions", async () => {
      const lv = await open("manager", "/admin/shop/order/11/change/");
      expect(lv.html()).not.toContain("/delete/");
      expect(lv.html()).not.toContain('name="_addanother"');
      expect((await (await login("manager")).fetch("/admin/shop/order/11/delete/")).status).toBe(403);
    });
  });

  describe("delete", () => {
    it("asks for confirmation, then deletes with its cascade, audits, publishes and goes to the list", async () => {
      const id = 12;
      const before = await orderRow(id);
      const items = (await db.select({ n: count() }).from(orderItems).where(eq(orderItems.orderId, id)))[0]!.n;
      expect(items).toBeGreaterThan(0);
      published.length = 0;
      const lv = await open("admin", `/admin/shop/order/${id}/delete/`);
      const t = text(lv.page);
      expect(t).toContain(`Are you sure you want to delete the order “${before.number}”?`);
      expect(t).toContain(`Order items: ${items} will be deleted`);
      expect(lv.page).toContain("Yes, I'm sure");
      expect(lv.page).toContain(`href="/admin/shop/order/${id}/change/">No, take me back</a>`);
      expect(lv.page).toContain("<title data-suffix=\" | Test shop\">Delete order | Test shop</title>");
      await lv.event("confirm", {});
      await lv.c.until(() => lv.redirect(), "redirect");
      expect(lv.redirect()).toBe(`/admin/shop/order/?deleted=${id}`);
      expect((await db.select().from(orders).where(eq(orders.id, id)))[0]).toBeUndefined();
      expect((await db.select({ n: count() }).from(orderItems).where(eq(orderItems.orderId, id)))[0]!.n).toBe(0);
      const e = (await auditOf("shop.order", id)).at(-1)!;
      expect(e).toMatchObject({ action: "delete", userId: users.admin.id, objectRepr: before.number });
      expect(JSON.parse(e.changes)).toMatchObject({ number: [before.number, null], status: [before.status, null] });
      expect(published).toContainEqual({ topic: "orders", msg: { type: "order.deleted", id } });
      const jar = await login("admin");
      expect((await jar.fetch(`/admin/shop/order/${id}/change/`)).status).toBe(404);
      const { savedNotice } = await import("../src/changeform/notice.js");
      const sessionUser = { id: users.admin.id, username: "admin", isStaff: true, isSuperuser: true, permissions: [] };
      expect((await savedNotice(shop.db, site.get("shop", "order")!, sessionUser, { deleted: String(id) }))).toBe(`The order “${before.number}” was deleted successfully.`);
    });

    it("lists protected related objects instead of deleting, and a crafted confirm is refused by the database", async () => {
      const customer = (await db.select({ id: orders.customerId }).from(orders).limit(1))[0]!;
      const row = (await db.select().from(customers).where(eq(customers.id, customer.id)))[0]!;
      const audits = (await auditCount());
      const lv = await open("admin", `/admin/shop/customer/${customer.id}/delete/`);
      expect(text(lv.page)).toContain(`would require deleting the following protected related objects: Orders:`);
      expect(lv.page).not.toContain("Yes, I'm sure");
      await lv.event("confirm", {});
      expect(text(lv.html())).toContain("Could not delete: other rows still refer to this customer");
      expect((await db.select().from(customers).where(eq(customers.id, customer.id)))[0]).toEqual(row);
      expect((await auditCount())).toBe(audits);
    });

    it("checks the permission again in the confirm event", async () => {
      const ticket = (await db.select().from(supportTickets).limit(1))[0]!;
      const lv = await open("admin", `/admin/support/ticket/${ticket.id}/delete/`);
      gate.delete = false;
      try {
        await lv.event("confirm", {});
      } finally {
        gate.delete = true;
      }
      expect(text(lv.html())).toContain("You don't have permission to delete this ticket.");
      expect((await db.select().from(supportTickets).where(eq(supportTickets.id, ticket.id)))[0]).toEqual(ticket);
      expect(lv.redirect()).toBeUndefined();
    });
  });

  describe("history", () => {
    it("lists an object's entries with who, when, and before → after", async () => {
      const before = await orderRow(14);
      const lv = await open("manager", "/admin/shop/order/14/change/");
      await lv.event("save", await formOf(14, { totalCents: String(before.totalCents + 7), _continue: "1" }));
      const jar = await login("manager");
      const res = await jar.fetch("/admin/shop/order/14/history/");
      expect(res.status).toBe(200);
      const html = await res.text();
      const t = text(html);
      expect(html).toContain("<title data-suffix=\" | Test shop\">History of order | Test shop</title>");
      expect(t).toContain(`History: ${before.number}`);
      expect(t).toContain("manager");
      expect(t).toContain("Changed");
      expect(t).toContain(`Total (cents): ${before.totalCents} → ${before.totalCents + 7}`);
      expect(html).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[^"]+Z">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
      // the change form links it
      expect(lv.page).toContain('href="/admin/shop/order/14/history/"');
    });

    it("keeps the history of a deleted object readable", async () => {
      const jar = await login("admin");
      const html = await (await jar.fetch("/admin/shop/order/12/history/")).text();
      expect(text(html)).toContain("has been deleted");
      expect(text(html)).toContain("Deleted");
    });

    it("shows a user's timeline with links to the objects; others' only to superusers", async () => {
      const manager = await login("manager");
      const mine = await manager.fetch(`/admin/history/user/${users.manager.id}/`);
      expect(mine.status).toBe(200);
      const html = await mine.text();
      expect(text(html)).toContain("My actions");
      expect(html).toContain('href="/admin/shop/order/6/change/"');
      expect(html).toContain('href="/admin/shop/order/14/change/"');
      expect(text(html)).not.toContain("ORD-900001"); // the clerk's
      expect((await manager.fetch(`/admin/history/user/${users.admin.id}/`)).status).toBe(403);
      const admin = await login("admin");
      const theirs = await (await admin.fetch(`/admin/history/user/${users.manager.id}/`)).text();
      expect(text(theirs)).toContain("Actions of manager");
      expect(theirs).toContain('href="/admin/shop/order/6/change/"');
      // the admin's own: the deleted order links to its history
      const own = await (await admin.fetch(`/admin/history/user/${users.admin.id}/`)).text();
      expect(own).toContain('href="/admin/shop/order/12/history/"');
      expect((await admin.fetch("/admin/history/user/999999/")).status).toBe(404);
      // the shell's user menu links there
      expect(own).toContain(`href="/admin/history/user/${users.admin.id}/">My actions</a>`);
    });

    it("pages a long timeline 50 entries at a time, newest first", async () => {
      const u = await site.users.createUser({ username: "busy", password: "busy-pass", isStaff: true });
      users.busy = u;
      for (let i = 1; i <= 57; i++) {
        (await recordAudit(shop.db, { userId: u.id, action: "change", model: "shop.order", objectId: i, objectRepr: `Entry ${i}`, changes: { note: [null, `n${i}`] } }));
      }
      const lv = await open("busy", `/admin/history/user/${u.id}/`);
      const reprs = (html: string) => [...html.matchAll(/Entry (\d+)</g)].map((m) => Number(m[1]));
      expect(reprs(lv.html())).toEqual(Array.from({ length: 50 }, (_, i) => 57 - i));
      const older = /<a lv-patch href="(\?before=\d+)">Older/.exec(lv.html())![1];
      const jar = await login("busy");
      const page2 = await (await jar.fetch(`/admin/history/user/${u.id}/${older}`)).text();
      expect(reprs(page2)).toEqual([7, 6, 5, 4, 3, 2, 1]);
      expect(page2).not.toContain("Older");
      expect(page2).toContain("Newest");
    });
  });
});
