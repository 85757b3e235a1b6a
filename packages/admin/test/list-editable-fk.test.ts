// Foreign keys in `listEditable` (as Django admin's list_editable with a ForeignKey) on both
// engines: the cell is the change form's widget for the key — a select over a small related
// table, the autocomplete combobox when the key is in autocompleteFields (or past 200 rows) —
// saved live and without JavaScript in ONE transaction with its audit entry. The server checks
// every changed key: a row that does not exist, or one outside the related admin's
// getQueryset(user), is a field error and nothing is written. A no-JS save redirects to
// `?changed=<n>.<id>`, where the list says Django's "1 order was changed successfully."
import { eq, ne } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { objectHistory } from "../src/audit/index.js";
import { qb } from "../src/query/dialect/index.js";
import type { Client } from "../../server/test/helpers.js";
import { loginOnce, openView, startAdmin } from "./support.js";
import { ENGINES, openShop, orderOf, type Shop } from "./support/engines.js";
import { formValues, indexOf, rowHtml } from "./support/list-editable.js";

const INVALID = "Select a valid choice. That choice is not one of the available choices.";

describe.each(ENGINES)("listEditable foreign keys on %s", (engine) => {
  let shop: Shop;
  const apps: FastifyInstance[] = [];
  const sockets: Client[] = [];
  /** the same shop under two sites: the customer a select (5 customers), or an autocomplete */
  const bases = { select: "", ac: "" };
  const sites: Partial<Record<keyof typeof bases, AdminSite>> = {};
  const logins = { select: loginOnce(() => bases.select), ac: loginOnce(() => bases.ac) };

  function siteFor(kind: keyof typeof bases): AdminSite {
    const site = new AdminSite({ db: shop.db });
    // staff other than superusers never see customer 5 ("Eve Black")
    site.register(shop.customers, { app: "shop", name: "customer", searchFields: ["name"], getQueryset: (u) => (u.isSuperuser ? undefined : ne(shop.customers.id, 5)) });
    site.register(shop.orders, {
      app: "shop",
      name: "order",
      relations: { customer: { column: shop.orders.customerId, table: shop.customers, display: shop.customers.name } },
      listDisplay: ["number", "customer", "status"],
      listEditable: ["customer"],
      ordering: ["id"],
      listPerPage: 10,
      ...(kind === "ac" ? { autocompleteFields: ["customerId"] } : {}),
    });
    return site;
  }

  beforeAll(async () => {
    shop = await openShop(engine);
    for (const kind of ["select", "ac"] as const) {
      const site = (sites[kind] = siteFor(kind));
      const started = await startAdmin(site);
      apps.push(started.app);
      bases[kind] = started.base;
    }
    // the users live in the shared database: created once
    const users = sites.select!.users;
    await users.createUser({ username: "root", password: "root-pass", isStaff: true, isSuperuser: true });
    const clerk = await users.createUser({ username: "clerk", password: "clerk-pass", isStaff: true });
    for (const p of ["shop.view_order", "shop.change_order", "shop.view_customer"]) await users.grant(clerk, p);
    const viewer = await users.createUser({ username: "viewer", password: "viewer-pass", isStaff: true });
    for (const p of ["shop.view_order", "shop.view_customer"]) await users.grant(viewer, p);
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const a of apps) await a.close();
    await shop?.close();
  });

  beforeEach(async () => {
    for (let i = 1; i <= 10; i++) await qb(shop.db).update(shop.orders).set({ customerId: orderOf(i).customerId }).where(eq(shop.orders.id, i));
  });

  const customerOf = async (id: number) => (await qb(shop.db).select().from(shop.orders).where(eq(shop.orders.id, id)))[0]!.customerId;
  const audits = async (id: number) => objectHistory(sites.select!.db, "shop.order", String(id));
  async function open(kind: keyof typeof bases, user = "root") {
    const { c, first } = await openView(await logins[kind](user), `${bases[kind]}/admin/shop/order/`, "admin-changelist", { ref: 1, sockets });
    const html = () => c.html.get(1)!;
    const event = async (name: string, payload: object) => void (await c.reply(c.event(1, name, payload)));
    return { c, first, html, event };
  }

  it("a small related table: the cell is the change form's select; a pick is saved in one transaction with its audit entry", async () => {
    const l = await open("select");
    const i = indexOf(l.first, 1);
    expect(rowHtml(l.first, 1)).toMatch(new RegExp(`<select id="id_form-${i}-customerId" name="form-${i}-customerId" aria-label="Customer of ORD-0001">`));
    expect(rowHtml(l.first, 1)).toContain('<option value="1" selected>Ann Smith</option>');
    expect(rowHtml(l.first, 1)).toContain('<option value="4">Dan Brown</option>');
    const p = formValues(l.html());
    p[`form-${i}-customerId`] = "4";
    await l.event("list_save", p);
    expect(l.html()).toContain("1 order was changed successfully.");
    expect(await customerOf(1)).toBe(4);
    const [entry] = await audits(1);
    expect(entry).toMatchObject({ action: "change", changes: { customerId: [1, 4] } });
    expect(rowHtml(l.html(), 1)).toContain('<option value="4" selected>Dan Brown</option>');
  });

  it("refuses a key that names no row, or a row outside the related admin's getQueryset: a field error, nothing written", async () => {
    const l = await open("select", "clerk");
    const i = indexOf(l.first, 2);
    // the clerk's choices still list every customer (the select is the change form's); the save checks the scope
    for (const [bad, other] of [["999", "3"], ["5", "3"]] as const) {
      const before = (await audits(2)).length;
      const p = formValues(l.html());
      p[`form-${i}-customerId`] = bad;
      p[`form-${indexOf(l.html(), 3)}-customerId`] = other;
      await l.event("list_save", p);
      expect(l.html()).toContain("Please correct the error below; nothing was saved.");
      expect(rowHtml(l.html(), 2)).toContain(INVALID);
      expect(await customerOf(2)).toBe(orderOf(2).customerId);
      expect(await customerOf(3)).toBe(orderOf(3).customerId);
      expect((await audits(2)).length).toBe(before);
    }
    // the superuser sees customer 5: the same key is saved
    const r = await open("select");
    const q = formValues(r.html());
    q[`form-${indexOf(r.html(), 2)}-customerId`] = "5";
    await r.event("list_save", q);
    expect(await customerOf(2)).toBe(5);
  });

  it("autocompleteFields: the cell is the combobox; typing searches (scoped), ↓ and a click pick, Save writes the picked row", async () => {
    const l = await open("ac", "clerk");
    const i = indexOf(l.first, 1);
    const name = `form-${i}-customerId`;
    const row = () => rowHtml(l.html(), 1);
    expect(row()).toContain(`<input type="hidden" name="${name}" value="1">`);
    expect(row()).toMatch(new RegExp(`<input type="text" id="id_${name}" name="${name}__search" value="Ann Smith" role="combobox"[^>]*lv-keydown="list_ac_key" lv-value-field="${name}"[^>]*aria-label="Customer of ORD-0001"`));
    // "b" matches Bob Jones, Dan Brown, Eve Black; Eve is outside the clerk's customers
    await l.event("list_edit", { ...formValues(l.html()), [`${name}__search`]: "b", _target: `${name}__search` });
    expect(row()).toMatch(/role="option"[^>]*>Bob Jones</);
    expect(row()).toMatch(/role="option"[^>]*>Dan Brown</);
    expect(row()).not.toContain("Eve Black");
    await l.event("list_ac_key", { field: name, key: "ArrowDown" });
    expect(row().match(/aria-selected="true"/g)).toHaveLength(1);
    expect(row()).toMatch(/aria-activedescendant="id_form-\d+-customerId_opt0"/);
    // a value that was not listed is not picked
    await l.event("list_ac_pick", { field: name, value: "5" });
    expect(row()).toContain(`name="${name}" value="1"`);
    await l.event("list_ac_pick", { field: name, value: "4" });
    expect(row()).toContain(`<input type="hidden" name="${name}" value="4">`);
    expect(row()).toMatch(/value="Dan Brown" role="combobox"/);
    expect(row()).toContain("cl-dirty");
    expect(l.html()).toContain("1 unsaved row");
    expect(await customerOf(1)).toBe(1);
    await l.event("list_save", formValues(l.html()));
    expect(l.html()).toContain("1 order was changed successfully.");
    expect(await customerOf(1)).toBe(4);
    expect((await audits(1))[0]).toMatchObject({ action: "change", changes: { customerId: [1, 4] } });
  });

  it("Enter in a combobox with a result highlighted picks it instead of saving", async () => {
    const l = await open("ac");
    const name = `form-${indexOf(l.first, 3)}-customerId`;
    await l.event("list_edit", { ...formValues(l.html()), [`${name}__search`]: "Eve", _target: `${name}__search` });
    await l.event("list_ac_key", { field: name, key: "ArrowDown" });
    await l.event("list_save", formValues(l.html()));
    expect(await customerOf(3)).toBe(orderOf(3).customerId);
    expect(rowHtml(l.html(), 3)).toContain(`<input type="hidden" name="${name}" value="5">`);
    expect(l.html()).not.toContain("changed successfully");
  });

  it("a view-only user gets plain cells; the combobox events are refused (permission checked on every event)", async () => {
    const l = await open("ac", "viewer");
    expect(l.first).not.toMatch(/name="form-\d+-customerId/);
    expect(rowHtml(l.first, 1)).toContain("Ann Smith");
    await l.event("list_ac_key", { field: "form-0-customerId", key: "ArrowDown" });
    expect(l.html()).toContain("You don&#39;t have permission to do that.");
    await l.event("list_ac_pick", { field: "form-0-customerId", value: "4" });
    expect(l.html()).not.toContain("unsaved row");
    expect(await customerOf(1)).toBe(1);
  });

  it("without JavaScript: the typed name is resolved on save, the list redirects with Django's message; a name matching nothing is an error", async () => {
    const jar = await logins.ac("clerk");
    const page = await (await jar.fetch("/admin/shop/order/")).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const name = `form-${indexOf(page, 6)}-customerId`;
    const res = await jar.post("/admin/shop/order/", { ...formValues(page), _csrf: csrf, _save: "Save", [`${name}__search`]: "dan brown" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/shop/order/?changed=1.6");
    expect(await customerOf(6)).toBe(4);
    const after = await (await jar.fetch(res.headers.get("location")!)).text();
    expect(after).toContain("1 order was changed successfully.");
    // another user following the same link sees no message (the audit entry is the clerk's)
    const rootPage = await (await (await logins.ac("root")).fetch("/admin/shop/order/?changed=1.6")).text();
    expect(rootPage).not.toContain("changed successfully");
    // a name outside the clerk's scope matches nothing: 200, the error at the cell, nothing written
    const bad = await jar.post("/admin/shop/order/", { ...formValues(page), _csrf: csrf, _save: "Save", [`${name}__search`]: "Eve Black" });
    expect(bad.status).toBe(200);
    expect(rowHtml(await bad.text(), 6)).toContain("No customers match “Eve Black”.");
    expect(await customerOf(6)).toBe(4);
  });
});
