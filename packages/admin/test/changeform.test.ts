/**
 * The change form over HTTP and the real protocol, on SQLite and on PostgreSQL: what it renders,
 * live validation, and what users without a permission see and are refused. A fastify server
 * with weft + AdminSite + adminPlugin on the demo's schema (migrations, CHECK constraints,
 * foreign keys) seeded small, users logged in through the real login form, views joined and
 * driven over a WebSocket as the browser would.
 * (Site: support/changeform-site.ts; saving, delete and history: changeform-save.test.ts; saving
 * without JavaScript: changeform-post.test.ts.)
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { QueryBuilder } from "../src/query/dialect/index.js";
import { ENGINES } from "./support/engines.js";
import { fieldErrors, main, text, useChangeformSite, type ChangeformSuite } from "./support/changeform-site.js";

describe.each(ENGINES)("%s", (engine) => {
  const cf = useChangeformSite(engine);
  const { login, open, orderRow, auditCount, formOf } = cf;
  let db: QueryBuilder, gate: ChangeformSuite["gate"], base: string, customers: ChangeformSuite["customers"], supportTickets: ChangeformSuite["supportTickets"];
  beforeAll(() => void ({ db, gate, base, customers, supportTickets } = cf));

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
});
