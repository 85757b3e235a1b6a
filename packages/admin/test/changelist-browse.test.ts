/**
 * The admin change list over a real server, on SQLite and on PostgreSQL: fastify + weft +
 * AdminSite + adminPlugin, logged in through the real login form, driven over the real
 * WebSocket protocol. Access and rendering, search / sort / filter / paging as URL patches,
 * refused parameters, empty states, and the number of SQL statements per page.
 * (Site and helpers: support/changelist-site.ts; selection and actions: changelist-actions.test.ts.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { and, count, desc, eq, inArray } from "drizzle-orm";
import type { LiveViewClass } from "@weft/server";
import { countStatements } from "../src/query/index.js";
import { Client, SECRET, viewRoots } from "../../server/test/helpers.js";
import { TokenSigner } from "../../server/src/live/token.js";
import type { QueryBuilder } from "../src/query/dialect/index.js";
import { ENGINES } from "./support/engines.js";
import { decode, flashes, headerHref, LIST, N_ORDERS, numbersIn, OrderWidget, PER_PAGE, pksIn, statusesIn, useChangelistSite, type ChangelistSuite } from "./support/changelist-site.js";

describe.each(ENGINES)("%s", (engine) => {
  const cls = useChangelistSite(engine);
  const { login, openList, countOf } = cls;
  let db: QueryBuilder, shop: ChangelistSuite["shop"], site: ChangelistSuite["site"], base: string, customers: ChangelistSuite["customers"], orders: ChangelistSuite["orders"];
  beforeAll(() => void ({ db, shop, site, base, customers, orders } = cls));

  describe("access", () => {
    it("sends anonymous visitors to the login page", async () => {
      const res = await fetch(base + LIST + "?q=ORD", { redirect: "manual" });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(`/admin/login/?next=${encodeURIComponent(LIST + "?q=ORD")}`);
    });

    it("answers 403 to staff without the view permission, 404 for an unknown model: pages in the shell; the API keeps JSON", async () => {
      const jar = await login("nobody");
      const denied = await jar.fetch(LIST);
      expect(denied.status).toBe(403);
      expect(denied.headers.get("content-type")).toContain("text/html");
      const deniedHtml = await denied.text();
      expect(deniedHtml).toContain('<nav class="sidebar"');
      expect(deniedHtml).toMatch(/<title[^>]*>Permission denied \| /);
      expect(deniedHtml).toContain("have permission to view this page.");
      expect(deniedHtml).toContain('href="/admin/">Back to the dashboard</a>');
      const admin = await login("admin");
      for (const path of ["/admin/shop/nothing/", "/admin/no/such/page/at/all/", "/admin/shop/order/999999999/change/"]) {
        const res = await admin.fetch(path);
        expect(res.status, path).toBe(404);
        const html = await res.text();
        expect(html, path).toContain('<nav class="sidebar"');
        expect(html, path).toContain("<h1 id=\"error-heading\">Page not found</h1>");
      }
      const api = await admin.fetch("/admin/api/nothing/");
      expect(api.status).toBe(404);
      expect(api.headers.get("content-type")).toContain("application/json");
      expect(await api.json()).toEqual({ error: "not found" });
    });

    it("marks columns for narrow screens: the title cell, labels, listDisplayPriority classes", async () => {
      const html = await (await (await login("admin")).fetch("/admin/shop/customer/")).text();
      expect(html).toMatch(/<th scope="col" class="cl-p2"><a lv-patch href="[^"]*" class="cl-sort">Email<\/a><\/th>/);
      expect(html).toMatch(/<td class="cl-title" data-label="Name"><a lv-navigate href="\/admin\/shop\/customer\/\d+\/change\/">/);
      expect(html).toMatch(/<td class="cl-p2" data-label="Email">[^<]+@/);
    });

    it("renders the list without JavaScript: title, count, rows, links, cells", async () => {
      const res = await (await login("admin")).fetch(LIST);
      const html = await res.text();
      expect(html).toContain("<title data-suffix=\" | Test shop\">Orders | Test shop</title>");
      expect(html).toContain(`${N_ORDERS} orders`);
      expect(numbersIn(html)).toHaveLength(PER_PAGE);
      expect(numbersIn(html)[0]).toBe(`ORD-0${N_ORDERS}`); // ordering -createdAt
      expect(html).toContain('href="/admin/shop/order/add/"');
      // booleans, nulls, dates, badges
      expect(html).toMatch(/<span class="bool bool-yes" role="img" aria-label="Yes"[^>]*>✓<\/span>/);
      expect(html).toMatch(/class="bool bool-no"[^>]*>✗</);
      expect(html).toMatch(/<span class="muted" title="empty">—<\/span>/);
      expect(html).toMatch(/<time datetime="2025-01-\d\dT\d\d:00:00.000Z">/);
      expect(html).toMatch(/<span class="badge badge-ok">paid<\/span>/);
      expect(html).toMatch(/<span class="badge badge-danger">cancelled<\/span>/);
      // the widget slot, for a superuser
      expect(html).toContain("widget says 42");
    });

    it("a slot widget checks its permissionRequired on join: a crafted join by a user lacking it is refused", async () => {
      const adminPage = await (await login("admin")).fetch(LIST).then((r) => r.text());
      const widget = viewRoots(adminPage).find((r) => !["admin-changelist", "admin-health"].includes(r.view))!;
      expect(widget, "the slot widget's root").toBeDefined();
      const clerkJar = await login("clerk");
      const clerkPage = await clerkJar.fetch(LIST).then((r) => r.text());
      expect(clerkPage).not.toContain("widget says");
      // a validly signed token naming the widget, bound to the clerk's session (as a leaked or
      // replayed page would give), with the admin's props
      const signer = new TokenSigner(SECRET);
      const claims = signer.verify(widget.token);
      const clerkSid = signer.verify(viewRoots(clerkPage)[0].token).s;
      const forged = signer.sign({ v: claims.v, s: clerkSid, i: claims.i, p: claims.p });
      const c = await Client.open(base, clerkJar.header);
      cls.sockets.push(c);
      c.join(1, forged, base + LIST);
      const err = await c.until(() => c.find((f) => f[0] === "!" && f[1] === 1), "an error frame");
      expect(err[2]).toBe("unauthorized");
      expect(c.html.get(1)).toBeUndefined();
      // the same token for the admin's own session joins (the refusal is the permission's)
      const ok = await Client.open(base, (await login("admin")).header);
      cls.sockets.push(ok);
      ok.join(1, widget.token, base + LIST);
      await ok.until(() => ok.html.get(1)?.includes("widget says 42"), "the widget's render for a superuser");
      // and the guard refuses without a staff user, whatever the class's own authorize says
      // the admin gave the class a static authorize (guardWidget) when it was registered
      expect(await (OrderWidget as LiveViewClass).authorize!({ id: "s" }, {}, {})).toBe(false);
    });
  });

  describe("search, sort, filters, pages — in the URL", () => {
    it("search patches the URL: the first keystroke pushes, the next ones replace", async () => {
      const l = await openList("admin");
      let html = await l.search("ORD-001");
      expect(l.lastPatch()).toEqual([`${LIST}?q=ORD-001`, 0]);
      expect(numbersIn(html).every((n) => n.startsWith("ORD-001"))).toBe(true);
      expect(html).toContain(`10 results`);
      expect(html).toContain(`${N_ORDERS} total`);
      html = await l.search("ORD-0012");
      expect(l.lastPatch()).toEqual([`${LIST}?q=ORD-0012`, 1]);
      expect(numbersIn(html)).toEqual(["ORD-0012"]);
      expect(html).toContain("1 result ");
      // a search by the related column; the input shows the query
      html = await l.patch(`${LIST}?q=smith`);
      expect(html).toContain('value="smith"');
      const smiths = (await db.select().from(customers)).filter((c) => /smith/i.test(c.name)).map((c) => c.id);
      const expected = (await db.select({ n: count() }).from(orders).where(inArray(orders.customerId, smiths)))[0].n;
      expect(html).toContain(`${expected} results`);
      // after a navigation, a new search pushes again
      await l.search("smith jones");
      expect(l.lastPatch()![1]).toBe(0);
      expect(l.html()).toContain("No orders match “smith jones”");
      expect(l.html()).toContain(`<a lv-patch href="${LIST}">Clear the search</a>`);
    });

    it("header links sort (by a related column too), with indicators and priority", async () => {
      const l = await openList("admin");
      expect(l.html()).toMatch(/aria-sort="descending"><a lv-patch href="[^"]+" class="cl-sort">Created at<span class="cl-sort-ind" aria-hidden="true">▼<\/span>/);
      const href = headerHref(l.html(), "Customer");
      expect(href).toBe(`${LIST}?sort=customer,-createdAt`.replace(",", "%2C"));
      const html = await l.patch(href);
      expect(html).toMatch(/class="cl-sort">Customer<span class="cl-sort-ind" aria-hidden="true">▲<sup>1<\/sup>/);
      expect(html).toMatch(/class="cl-sort">Created at<span class="cl-sort-ind" aria-hidden="true">▼<sup>2<\/sup>/);
      const names = (await db.select({ id: orders.id, name: customers.name, at: orders.createdAt }).from(orders).innerJoin(customers, eq(customers.id, orders.customerId)));
      names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : b.at.getTime() - a.at.getTime()));
      expect(pksIn(html)).toEqual(names.slice(0, PER_PAGE).map((r) => r.id));
      // clicking again flips the direction
      const again = await l.patch(headerHref(html, "Customer"));
      expect(again).toMatch(/class="cl-sort">Customer<span class="cl-sort-ind" aria-hidden="true">▼<sup>1<\/sup>/);
    });

    it("filter links filter; pagination links page; everything composes", async () => {
      const l = await openList("admin");
      const paid = decode(/<a lv-patch href="([^"]+)">Paid<\/a>/.exec(l.html())![1]);
      expect(paid).toBe(`${LIST}?status__exact=paid`);
      let html = await l.patch(paid);
      expect(new Set(statusesIn(html))).toEqual(new Set(["paid"]));
      expect(html).toContain(`${await countOf("paid")} results`);
      expect(html).toMatch(/<li class="selected"><a lv-patch href="[^"]+" aria-current="true">Paid<\/a><\/li>/);
      // a foreign-key filter (choices from the related table) on top
      const cid = (await db.select().from(orders).where(eq(orders.status, "paid")).orderBy(orders.id))[0].customerId;
      const cust = decode(new RegExp(`<a lv-patch href="([^"]*customerId__exact=${cid}(?:&amp;[^"]*)?)">`).exec(html)![1]);
      html = await l.patch(cust);
      const both = (await db.select({ id: orders.id }).from(orders).where(and(eq(orders.status, "paid"), eq(orders.customerId, cid))).orderBy(desc(orders.createdAt)));
      expect(both.length).toBeGreaterThan(0);
      expect(pksIn(html)).toEqual(both.map((o) => o.id).slice(0, PER_PAGE));
      // pages
      html = await l.patch(LIST);
      expect(html).toContain(`Page 1 of ${Math.ceil(N_ORDERS / PER_PAGE)}`);
      const next = decode(/<a lv-patch href="([^"]+)" class="pg pg-next"/.exec(html)![1]);
      expect(next).toBe(`${LIST}?p=2`);
      html = await l.patch(next);
      expect(html).toContain(`Page 2 of ${Math.ceil(N_ORDERS / PER_PAGE)}`);
      expect(html).toMatch(/<span class="pg pg-current" aria-current="page" title="Page 2">2<\/span>/);
      expect(numbersIn(html)[0]).toBe(`ORD-0${N_ORDERS - PER_PAGE}`);
      const last = decode(/<a lv-patch href="([^"]+)" class="pg pg-last"/.exec(html)![1]);
      html = await l.patch(last);
      expect(pksIn(html)).toEqual(Array.from({ length: N_ORDERS % PER_PAGE }, (_, i) => N_ORDERS % PER_PAGE - i));
      // filter + sort + page in one URL, and the search form carries them for no-JS submits
      html = await l.patch(`${LIST}?q=ORD-0&status__exact=paid&sort=-totalCents&p=2`);
      expect(html).toContain('<input type="hidden" name="status__exact" value="paid">');
      expect(html).toContain('<input type="hidden" name="sort" value="-totalCents">');
      const expected = (await db.select().from(orders).where(eq(orders.status, "paid"))).sort((a, b) => b.totalCents - a.totalCents || b.id - a.id);
      expect(pksIn(html)).toEqual(expected.slice(PER_PAGE, PER_PAGE * 2).map((o) => o.id));
    });

    it("refused parameters: the whole list with an error flash naming the parameter (HTTP and live)", async () => {
      for (const qs of ["o=99", "sort=secret", "status__exact=bogus", "p=0", "evil=1", "note__exact=x"]) {
        const html = await (await (await login("admin")).fetch(`${LIST}?${qs}`)).text();
        const f = flashes(html);
        expect(f, qs).toHaveLength(1);
        expect(f[0][0]).toBe("error");
        expect(f[0][1]).toContain(`change list parameter "${qs.split("=")[0]}"`);
        expect(html, qs).toContain(`${N_ORDERS} orders`);
      }
      const l = await openList("admin");
      let html = await l.patch(`${LIST}?sort=number,number`);
      expect(flashes(html)[0][1]).toContain('"number" given twice');
      expect(numbersIn(html)).toHaveLength(PER_PAGE);
      // the next good URL clears it
      html = await l.patch(`${LIST}?p=2`);
      expect(flashes(html)).toEqual([]);
      // a search longer than allowed is refused before the URL changes
      const patches = l.c.frames.filter((f) => f[0] === "t").length;
      html = await l.event("search", { q: "x".repeat(600) });
      expect(flashes(html)[0][1]).toContain("longer than");
      expect(l.c.frames.filter((f) => f[0] === "t").length).toBe(patches);
    });
  });

  describe("empty states", () => {
    it("no rows at all: 'No notes yet' with an Add link for users who may add", async () => {
      const html = await (await (await login("admin")).fetch("/admin/shop/note/")).text();
      expect(html).toContain("No notes yet.");
      expect(html).toContain('<a class="button primary" href="/admin/shop/note/add/">Add the first note</a>');
      expect(html).not.toContain("<table");
    });
  });

  describe("statements per page", () => {
    it("is constant: 2 per page (plain, searched, sorted by a related column, filtered, deep pages), +1 for a cold full count, 0 to select; plus the session read every frame makes", async () => {
      const l = await openList("admin");
      const pages = [
        `${LIST}?p=2`,
        `${LIST}?q=smith`,
        `${LIST}?q=ORD-01&p=2`,
        `${LIST}?sort=customer`,
        `${LIST}?sort=-customer&p=5`,
        `${LIST}?status__exact=paid`,
        `${LIST}?customerId__exact=3&isGift__exact=1`,
        `${LIST}?isGift__exact=0&sort=customer`,
        `${LIST}?p=9`,
      ];
      for (const p of pages) await l.patch(p); // warm the filter-choice and full-count caches
      const counter = countStatements(shop.db);
      // session authority reads the current session before each frame (authority.cacheMs 0): one
      // primary-key read of weft_sessions, counted apart from the page's own statements
      const sessionReads = () => counter.statements.filter((s) => /"weft_sessions"/.test(s)).length;
      const own = () => counter.count - sessionReads();
      try {
        // the full count is cached for 10 s: keep it warm, whatever this machine's speed
        const { fullCount } = await import("../src/changelist/totals.js");
        const orderQuery = site.query(site.get("shop", "order")!);
        for (const p of pages) {
          await fullCount(shop.db, orderQuery);
          counter.reset();
          await l.patch(p === pages[0] ? LIST : p);
          expect(own(), `${p}\n${counter.statements.join("\n")}`).toBe(2);
          expect(sessionReads(), `${p}\n${counter.statements.join("\n")}`).toBe(1);
        }
        // selecting rows re-renders from the last fetch: no statement
        counter.reset();
        await l.event("selectPage");
        await l.event("select", { pk: String(pksIn(l.html())[0]) });
        await l.event("clearSelection");
        expect(own()).toBe(0);
        expect(sessionReads()).toBe(3);
        // the unfiltered total of a filtered list is cached per admin, briefly
        const { forgetFullCount } = await import("../src/changelist/totals.js");
        forgetFullCount(site.query(site.get("shop", "order")!));
        counter.reset();
        await l.patch(`${LIST}?status__exact=shipped`);
        expect(own()).toBe(3);
      } finally {
        counter.restore();
      }
    });
  });
});
