/**
 * The admin change list's selection and actions over a real server, on SQLite and on
 * PostgreSQL: picking rows and pages, "all N matching", delete with confirmation and its audit
 * entries, foreign-key conflicts, custom actions, permissions on every event, crafted events.
 * (Site and helpers: support/changelist-site.ts.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { count, inArray } from "drizzle-orm";
import type { QueryBuilder } from "../src/query/dialect/index.js";
import { ENGINES } from "./support/engines.js";
import { flashes, LIST, N_CUSTOMERS, PER_PAGE, pksIn, useChangelistSite, type ChangelistSuite } from "./support/changelist-site.js";

describe.each(ENGINES)("%s", (engine) => {
  const cls = useChangelistSite(engine);
  const { openList, countOf } = cls;
  let db: QueryBuilder, shop: ChangelistSuite["shop"], customers: ChangelistSuite["customers"], orders: ChangelistSuite["orders"];
  beforeAll(() => void ({ db, shop, customers, orders } = cls));

  describe("selection and actions", () => {
    it("selects rows and pages; the browser never gets ids for 'all matching'", async () => {
      const l = await openList("admin", `${LIST}?status__exact=pending`);
      const pks = pksIn(l.html());
      let html = await l.event("select", { pk: String(pks[0]) });
      expect(html).toContain(`<tr data-pk="${pks[0]}" class="selected">`);
      expect(html).toContain(`1 of ${PER_PAGE} selected`);
      html = await l.event("select", { pk: "999999" }); // not on the page: ignored
      expect(html).toContain(`1 of ${PER_PAGE} selected`);
      html = await l.event("selectPage");
      expect(html).toContain(`${PER_PAGE} of ${PER_PAGE} selected`);
      const total = await countOf("pending");
      expect(html).toContain(`Select all ${total} orders`);
      html = await l.event("selectAll");
      expect(html).toContain(`All ${total} orders selected`);
      expect(html).not.toContain("cl-select-all");
      // a row toggled off in "all" mode goes back to picking the page's rows
      html = await l.event("select", { pk: String(pks[1]) });
      expect(html).toContain(`${PER_PAGE - 1} of ${PER_PAGE} selected`);
      html = await l.event("clearSelection");
      expect(html).toContain(`0 of ${PER_PAGE} selected`);
      // changing the filter clears the selection; changing the page keeps picked rows
      await l.event("select", { pk: String(pks[0]) });
      html = await l.patch(`${LIST}?status__exact=pending&p=2`);
      expect(html).toContain(`1 of ${PER_PAGE} selected`);
      html = await l.patch(`${LIST}?status__exact=paid`);
      expect(html).toContain(`0 of ${PER_PAGE} selected`);
    });

    it("delete selected asks first, then deletes the picked rows in a transaction", async () => {
      const l = await openList("deleter", `${LIST}?status__exact=delivered`);
      const pks = pksIn(l.html()).slice(0, 2);
      for (const pk of pks) await l.event("select", { pk: String(pk) });
      let html = await l.event("action", { action: "delete_selected" });
      expect(html).toContain("Delete 2 orders?");
      const [a, b] = pks.map((pk) => `ORD-${String(pk).padStart(4, "0")}`);
      expect(html).toMatch(new RegExp(`<ul class="cl-confirm-list">\\s*<li>${a}</li>\\s*<li>${b}</li>`));
      expect((await db.select().from(orders).where(inArray(orders.id, pks)))).toHaveLength(2);
      // cancel, then again and confirm
      html = await l.event("cancel");
      expect(html).not.toContain("cl-confirm");
      await l.event("action", { action: "delete_selected" });
      html = await l.event("confirm", { action: "delete_selected" });
      expect(flashes(html)).toEqual([["success", "Deleted 2 orders."]]);
      expect((await db.select().from(orders).where(inArray(orders.id, pks)))).toEqual([]);
      // one audit entry per deleted object, as Django's delete_selected
      const audit = await shop.rows(`select action, model, object_id as id, object_repr as repr from weft_audit_log where action = 'delete' and object_id in ('${pks[0]}', '${pks[1]}')`);
      expect(audit).toEqual(expect.arrayContaining([{ action: "delete", model: "shop.order", id: String(pks[0]), repr: a }, { action: "delete", model: "shop.order", id: String(pks[1]), repr: b }]));
      expect(pksIn(html)).not.toContain(pks[0]);
      expect(html).toContain(`0 of ${PER_PAGE} selected`);
      // a confirm with nothing pending does nothing
      html = await l.event("confirm", { action: "delete_selected" });
      expect(flashes(html)[0][0]).toBe("error");
      // nothing selected
      html = await l.event("action", { action: "delete_selected" });
      expect(flashes(html)[0][1]).toMatch(/^Items must be selected/);
    });

    it("select all matching, delete with confirmation: every matching row gone, others kept", async () => {
      const l = await openList("admin", `${LIST}?status__exact=cancelled`);
      const before = await countOf();
      const cancelled = await countOf("cancelled");
      expect(cancelled).toBeGreaterThan(PER_PAGE);
      await l.event("selectPage");
      await l.event("selectAll");
      let html = await l.event("action", { action: "delete_selected" });
      expect(html).toContain(`Delete ${cancelled} orders?`);
      expect(html).toContain(`…and ${cancelled - 5} more`);
      html = await l.event("confirm", { action: "delete_selected" });
      expect(flashes(html)).toEqual([["success", `Deleted ${cancelled} orders.`]]);
      expect(await countOf("cancelled")).toBe(0);
      expect(await countOf()).toBe(before - cancelled);
      expect(html).toContain("No orders match these filters.");
      expect(html).toContain(`(<a lv-patch href="${LIST}">${before - cancelled} total</a>)`);
    });

    it("a foreign-key conflict deletes nothing and says why", async () => {
      const l = await openList("deleter", "/admin/shop/customer/");
      await l.event("selectPage");
      await l.event("action", { action: "delete_selected" });
      const html = await l.event("confirm", { action: "delete_selected" });
      expect(flashes(html)[0]).toEqual(["error", "Cannot delete the selected customers: other records refer to them. Nothing was deleted."]);
      expect((await db.select({ n: count() }).from(customers))[0].n).toBe(N_CUSTOMERS);
    });

    it("custom actions: shown by permission, run on the selection, message flashed; a failing one is generic", async () => {
      const clerk = await openList("clerk", `${LIST}?status__exact=pending`);
      expect(clerk.html()).toContain('<option value="mark_shipped">Mark selected orders as shipped</option>');
      expect(clerk.html()).not.toContain('value="delete_selected"'); // no delete permission
      expect(clerk.html()).toContain('value="add_note"');
      expect(clerk.html()).not.toContain('href="/admin/shop/order/add/"'); // no add permission
      expect(clerk.html()).not.toContain("widget says"); // no shop.see_widget
      const pks = pksIn(clerk.html()).slice(0, 3);
      for (const pk of pks) await clerk.event("select", { pk: String(pk) });
      // an action that changes data asks first, naming the count; nothing runs before Confirm
      let html = await clerk.event("action", { action: "mark_shipped" });
      expect(html).toContain("Mark 3 orders as shipped?");
      expect(html).toContain(">Confirm</button>");
      expect((await db.select().from(orders).where(inArray(orders.id, pks))).map((o) => o.status)).toEqual(["pending", "pending", "pending"]);
      html = await clerk.event("confirm", { action: "mark_shipped" });
      expect(flashes(html)).toEqual([["success", "Marked 3 orders as shipped."]]);
      expect((await db.select().from(orders).where(inArray(orders.id, pks))).map((o) => o.status)).toEqual(["shipped", "shipped", "shipped"]);
      // the rows left the filter: the list is re-fetched
      for (const pk of pks) expect(pksIn(html)).not.toContain(pk);
      // an action with a confirm text asks first, and gets the ids
      await clerk.event("select", { pk: String(pksIn(html)[0]) });
      html = await clerk.event("action", { action: "add_note" });
      expect(html).toContain("Add a note to every selected order?");
      html = await clerk.event("confirm", { action: "add_note" });
      expect(flashes(html)).toEqual([["success", "Annotated 1."]]);
      // a throwing action: generic flash, generic error frame, no detail anywhere
      const seq = clerk.c.event(clerk.ref, "action", { action: "explode" });
      await clerk.c.reply(seq);
      await clerk.c.until(() => flashes(clerk.html()).some(([k]) => k === "error"), "the error flash");
      expect(flashes(clerk.html())).toEqual([["error", "The action “Explode” failed. Details were logged for the administrators."]]);
      expect(clerk.c.find((f) => f[0] === "!" && f[4] === seq)?.[2]).toBe("server_error");
      expect(clerk.c.raw.join("")).not.toContain("secret detail");
    });

    it("a view-only user gets no action menu, and crafted events change nothing", async () => {
      const l = await openList("viewer", `${LIST}?status__exact=paid`);
      for (const html of [l.first, l.html()]) {
        expect(html).not.toContain("cl-actions");
        expect(html).not.toContain('lv-click="select"');
        expect(html).not.toContain("<select");
        expect(html).not.toContain("Add order");
        expect(html).not.toContain("widget says");
      }
      const before = await countOf();
      const paid = await countOf("paid");
      await l.event("selectAll");
      for (const action of ["delete_selected", "mark_shipped", "add_note", "explode"]) {
        let html = await l.event("action", { action });
        expect(flashes(html), action).toEqual([["error", "You don't have permission to do that."]]);
        html = await l.event("confirm", { action });
        expect(flashes(html)[0][0]).toBe("error");
      }
      expect(await countOf()).toBe(before);
      expect(await countOf("paid")).toBe(paid);
      // an event that is not declared is refused by the runtime
      const seq = l.c.event(l.ref, "deleteRows", { where: "1=1" });
      await l.c.reply(seq);
      expect(l.c.find((f) => f[0] === "!" && f[4] === seq)?.[2]).toBe("unknown_event");
      // payloads are validated
      const bad = l.c.event(l.ref, "select", { pk: { $gt: 0 } });
      await l.c.reply(bad);
      expect(l.c.find((f) => f[0] === "!" && f[4] === bad)?.[2]).toBe("invalid_payload");
    });
  });
});
