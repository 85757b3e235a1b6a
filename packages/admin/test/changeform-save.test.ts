/**
 * The change form's writes and their record, on SQLite and on PostgreSQL: saving (validation,
 * audit, publish, readonly fields, constraints, a busy database), delete with its confirmation
 * and cascade, and the history and timeline pages that read what those wrote (one site: the
 * history tests read the saves and the delete of the tests before them).
 * (Site: support/changeform-site.ts. The database-busy test is about SQLite's file lock: SQLite only.)
 */
import Database from "better-sqlite3";
import { count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../src/audit/index.js";
import type { QueryBuilder } from "../src/query/dialect/index.js";
import { ENGINES } from "./support/engines.js";
import { fieldErrors, text, useChangeformSite, type ChangeformSuite } from "./support/changeform-site.js";

describe.each(ENGINES)("%s", (engine) => {
  const cf = useChangeformSite(engine);
  const { login, open, orderRow, auditOf, auditCount, formOf } = cf;
  let shop: ChangeformSuite["shop"], site: ChangeformSuite["site"], db: QueryBuilder, users: ChangeformSuite["users"], published: ChangeformSuite["published"], gate: ChangeformSuite["gate"], customers: ChangeformSuite["customers"], orders: ChangeformSuite["orders"], orderItems: ChangeformSuite["orderItems"], supportTickets: ChangeformSuite["supportTickets"];
  beforeAll(() => void ({ shop, site, db, users, published, gate, customers, orders, orderItems, supportTickets } = cf));

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
