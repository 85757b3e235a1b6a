/**
 * The change form without JavaScript, on SQLite and on PostgreSQL: a plain POST saves with the
 * live save's validation, audit and publish, re-renders with the errors, adds, and refuses a
 * missing or forged CSRF token and a user without the permission.
 * (Site: support/changeform-site.ts.)
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ENGINES } from "./support/engines.js";
import { fieldErrors, useChangeformSite, type ChangeformSuite } from "./support/changeform-site.js";

describe.each(ENGINES)("%s", (engine) => {
  const cf = useChangeformSite(engine);
  const { login, orderRow, auditOf, auditCount, formOf } = cf;
  let users: ChangeformSuite["users"], published: ChangeformSuite["published"];
  beforeAll(() => void ({ users, published } = cf));

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
      const bads: Record<string, string>[] = [{}, { _csrf: "forged" }];
      for (const bad of bads) {
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
});
