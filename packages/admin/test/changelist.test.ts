/**
 * The admin change list over a real server: fastify + weft + AdminSite + adminPlugin on a
 * temp SQLite file, logged in through the real login form, driven over the real WebSocket
 * protocol. Search / sort / filter / paging as URL patches, refused parameters, selection and
 * actions (delete with confirmation, custom actions), permissions on every event, empty
 * states, widgets, and the number of SQL statements per page.
 */
import Database from "better-sqlite3";
import { and, count, desc, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { FastifyInstance } from "fastify";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite, type AdminAction } from "../src/index.js";
import { countStatements } from "../src/query/index.js";
import { LiveView } from "@weft/server";
import { Client, SECRET, viewRoots } from "../../server/test/helpers.js";
import { TokenSigner } from "../../server/src/live/token.js";
import { loginOnce, openView, startAdmin } from "./support.js";

// ---------------------------------------------------------------------------------------------
// schema + data

const STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled"] as const;
const customers = sqliteTable("customers", {
  id: integer("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull(),
});
const orders = sqliteTable("orders", {
  id: integer("id").primaryKey(),
  number: text("number").notNull(),
  customerId: integer("customer_id").notNull().references(() => customers.id),
  status: text("status", { enum: STATUSES }).notNull(),
  isGift: integer("is_gift", { mode: "boolean" }).notNull(),
  totalCents: integer("total_cents").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  note: text("note"),
});
const notes = sqliteTable("notes", { id: integer("id").primaryKey(), body: text("body").notNull() });
const DDL = `
  create table customers (id integer primary key, name text not null, email text not null);
  create table orders (id integer primary key, number text not null, customer_id integer not null references customers(id),
    status text not null, is_gift integer not null, total_cents integer not null, created_at integer not null, note text);
  create index orders_created_at_idx on orders(created_at);
  create index orders_status_created_at_idx on orders(status, created_at);
  create index orders_customer_id_idx on orders(customer_id);
  create table notes (id integer primary key, body text not null);
`;
const SURNAMES = ["Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Wright"];
const N_CUSTOMERS = 30;
const N_ORDERS = 260;
const PER_PAGE = 25;
const T0 = Date.UTC(2025, 0, 1);

const dir = mkdtempSync(join(tmpdir(), "weft-changelist-"));
const sqlite = new Database(join(dir, "shop.db"));
sqlite.pragma("foreign_keys = ON");
sqlite.exec(DDL);
const db = drizzle(sqlite);
{
  const ic = sqlite.prepare("insert into customers (id, name, email) values (?, ?, ?)");
  const io = sqlite.prepare("insert into orders (id, number, customer_id, status, is_gift, total_cents, created_at, note) values (?, ?, ?, ?, ?, ?, ?, ?)");
  sqlite.transaction(() => {
    for (let i = 1; i <= N_CUSTOMERS; i++) ic.run(i, `${["Ann", "Bob", "Cyd"][i % 3]} ${SURNAMES[i % SURNAMES.length]} ${i}`, `c${i}@example.com`);
    for (let i = 1; i <= N_ORDERS; i++) {
      io.run(i, `ORD-${String(i).padStart(4, "0")}`, ((i * 7) % N_CUSTOMERS) + 1, STATUSES[i % STATUSES.length], i % 4 === 0 ? 1 : 0, (i * 137) % 10_000, T0 + i * 3_600_000, i % 3 === 0 ? null : `note ${i}`);
    }
  })();
}

// ---------------------------------------------------------------------------------------------
// the admin

/** A change-list widget that only users with `shop.see_widget` get. */
class OrderWidget extends LiveView<{ n: number }> {
  static permissionRequired = ["shop.see_widget"];
  mount() {
    return { n: 42 };
  }
  render() {
    return `<p class="test-widget">widget says ${this.assigns.n}</p>`;
  }
}

const markShipped: AdminAction = {
  name: "mark_shipped",
  label: "Mark selected orders as shipped",
  run: ({ where }) => {
    const n = db.update(orders).set({ status: "shipped" }).where(where).run().changes;
    return `Marked ${n} orders as shipped.`;
  },
};
const explode: AdminAction = {
  name: "explode",
  label: "Explode",
  // read-only: runs without a confirmation
  changesData: false,
  run: () => {
    throw new Error("secret detail of a failing action");
  },
};
const addNote: AdminAction = {
  name: "add_note",
  label: "Add a note",
  permissions: ["shop.annotate_order"],
  confirm: "Add a note to every selected order?",
  run: ({ ids }) => {
    db.update(orders).set({ note: "annotated" }).where(inArray(orders.id, ids as number[])).run();
    return `Annotated ${ids.length}.`;
  },
};

const site = new AdminSite({ db, sqlite, title: "Test shop" });
site.register(orders, {
  app: "shop",
  // the built-in CSV export (view permission) is tested in csv.test.ts; off here so a view-only user has no action menu
  exportCsv: false,
  relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
  listDisplay: ["number", "customer", "status", "isGift", "totalCents", "createdAt", "note"],
  searchFields: ["^number", "customer.name"],
  listFilter: ["status", "isGift", "customer", "createdAt"],
  ordering: ["-createdAt"],
  listPerPage: PER_PAGE,
  actions: [markShipped, explode, addNote],
  changeListWidgets: [OrderWidget],
});
site.register(customers, { app: "shop", listDisplay: ["name", "email"], listDisplayPriority: { email: 2 }, searchFields: ["name"], ordering: ["name"], listPerPage: PER_PAGE });
site.register(notes, { app: "shop", listDisplay: ["body"] });

let app: FastifyInstance;
let base = "";
const sockets: Client[] = [];

beforeAll(async () => {
  const u = site.users;
  await u.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });
  const viewer = await u.createUser({ username: "viewer", password: "viewer-pass", isStaff: true });
  for (const p of ["shop.view_order", "shop.view_customer"]) await u.grant(viewer, p);
  const deleter = await u.createUser({ username: "deleter", password: "deleter-pass", isStaff: true });
  for (const p of ["shop.view_order", "shop.delete_order", "shop.view_customer", "shop.delete_customer"]) await u.grant(deleter, p);
  const clerk = await u.createUser({ username: "clerk", password: "clerk-pass", isStaff: true });
  for (const p of ["shop.change_order", "shop.annotate_order"]) await u.grant(clerk, p);
  await u.createUser({ username: "nobody", password: "nobody-pass", isStaff: true });

  ({ app, base } = await startAdmin(site));
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await app?.close();
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// helpers

/** Logs in through the real form (GET for the CSRF token, POST the credentials), once per user. */
const login = loginOnce(() => base);

const LIST = "/admin/shop/order/";

/** A joined change list: the socket, the view's ref, and its current HTML. */
interface Live {
  c: Client;
  ref: number;
  html(): string;
  /** sends a URL change (as a click on an `lv-patch` link) and waits for the render */
  patch(path: string): Promise<string>;
  /** sends an event and waits for its reply (or error); returns the HTML after it */
  event(name: string, payload?: object): Promise<string>;
  /** types into the search box (an lv-change event) and waits for the URL patch and render */
  search(q: string): Promise<string>;
  /** the last `patch` frame: [url, replace] */
  lastPatch(): [string, number] | undefined;
}

let nextRef = 1;

async function openList(username: string, path = LIST): Promise<Live & { first: string }> {
  const jar = await login(username);
  const ref = nextRef++;
  const { c, first } = await openView(jar, base + path, "admin-changelist", { ref, sockets });
  const live: Live & { first: string } = {
    c,
    ref,
    first,
    html: () => c.html.get(ref)!,
    async patch(p: string) {
      const n = c.frames.length;
      c.send(["p", ref, base + p]);
      await c.until(() => c.frames.slice(n).some((f) => f[1] === ref && (f[0] === "d" || f[0] === "r")), `render after ${p}`);
      return live.html();
    },
    async event(name: string, payload: object = {}) {
      const seq = c.event(ref, name, payload);
      await c.reply(seq);
      await new Promise((r) => setTimeout(r, 10)); // a delta sent right after an error frame
      return live.html();
    },
    async search(q: string) {
      const n = c.frames.length;
      const seq = c.event(ref, "search", { q, _target: "q" });
      await c.reply(seq);
      await c.until(() => c.frames.slice(n).some((f) => f[0] === "t" && f[1] === ref), `the patch for "${q}"`);
      return live.html();
    },
    lastPatch() {
      const f = c.frames.findLast((x) => x[0] === "t" && x[1] === ref);
      return f ? [f[2] as string, f[3] as number] : undefined;
    },
  };
  return live;
}

const decode = (s: string) => s.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
/** Order numbers of the rows, in order. */
const numbersIn = (html: string) => [...html.matchAll(/<a lv-navigate href="\/admin\/shop\/order\/\d+\/change\/">(ORD-\d+)<\/a>/g)].map((m) => m[1]);
/** pks of the rows, in order. */
const pksIn = (html: string) => [...html.matchAll(/<tr data-pk="(\d+)"/g)].map((m) => Number(m[1]));
const statusesIn = (html: string) => [...html.matchAll(/<span class="badge[^"]*">([a-z ]+)<\/span>/g)].map((m) => m[1]);
/** The href of the header link of a column. */
const headerHref = (html: string, label: string) => decode(new RegExp(`<a lv-patch href="([^"]+)" class="cl-sort">${label}<`).exec(html)![1]);
const flashes = (html: string) => [...html.matchAll(/<div class="flash flash-(\w+)"[^>]*><span>([^<]*)<\/span>/g)].map((m) => [m[1], decode(m[2])]);
const countOf = (status?: (typeof STATUSES)[number]) =>
  status ? db.select({ n: count() }).from(orders).where(eq(orders.status, status)).get()!.n : db.select({ n: count() }).from(orders).get()!.n;

// ---------------------------------------------------------------------------------------------

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
    sockets.push(c);
    c.join(1, forged, base + LIST);
    const err = await c.until(() => c.find((f) => f[0] === "!" && f[1] === 1), "an error frame");
    expect(err[2]).toBe("unauthorized");
    expect(c.html.get(1)).toBeUndefined();
    // the same token for the admin's own session joins (the refusal is the permission's)
    const ok = await Client.open(base, (await login("admin")).header);
    sockets.push(ok);
    ok.join(1, widget.token, base + LIST);
    await ok.until(() => ok.html.get(1)?.includes("widget says 42"), "the widget's render for a superuser");
    // and the guard refuses without a staff user, whatever the class's own authorize says
    expect(await OrderWidget.authorize!({ id: "s" }, {}, {})).toBe(false);
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
    const smiths = db.select().from(customers).all().filter((c) => /smith/i.test(c.name)).map((c) => c.id);
    const expected = db.select({ n: count() }).from(orders).where(inArray(orders.customerId, smiths)).get()!.n;
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
    const names = db.select({ id: orders.id, name: customers.name, at: orders.createdAt }).from(orders).innerJoin(customers, eq(customers.id, orders.customerId)).all();
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
    expect(html).toContain(`${countOf("paid")} results`);
    expect(html).toMatch(/<li class="selected"><a lv-patch href="[^"]+" aria-current="true">Paid<\/a><\/li>/);
    // a foreign-key filter (choices from the related table) on top
    const cid = db.select().from(orders).where(eq(orders.status, "paid")).get()!.customerId;
    const cust = decode(new RegExp(`<a lv-patch href="([^"]*customerId__exact=${cid}(?:&amp;[^"]*)?)">`).exec(html)![1]);
    html = await l.patch(cust);
    const both = db.select({ id: orders.id }).from(orders).where(and(eq(orders.status, "paid"), eq(orders.customerId, cid))).orderBy(desc(orders.createdAt)).all();
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
    const expected = db.select().from(orders).where(eq(orders.status, "paid")).all().sort((a, b) => b.totalCents - a.totalCents || b.id - a.id);
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
    const total = countOf("pending");
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
    expect(db.select().from(orders).where(inArray(orders.id, pks)).all()).toHaveLength(2);
    // cancel, then again and confirm
    html = await l.event("cancel");
    expect(html).not.toContain("cl-confirm");
    await l.event("action", { action: "delete_selected" });
    html = await l.event("confirm", { action: "delete_selected" });
    expect(flashes(html)).toEqual([["success", "Deleted 2 orders."]]);
    expect(db.select().from(orders).where(inArray(orders.id, pks)).all()).toEqual([]);
    // one audit entry per deleted object, as Django's delete_selected
    const audit = sqlite.prepare("select action, model, object_id as id, object_repr as repr from weft_audit_log where action = 'delete' and object_id in (?, ?)").all(String(pks[0]), String(pks[1]));
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
    const before = countOf();
    const cancelled = countOf("cancelled");
    expect(cancelled).toBeGreaterThan(PER_PAGE);
    await l.event("selectPage");
    await l.event("selectAll");
    let html = await l.event("action", { action: "delete_selected" });
    expect(html).toContain(`Delete ${cancelled} orders?`);
    expect(html).toContain(`…and ${cancelled - 5} more`);
    html = await l.event("confirm", { action: "delete_selected" });
    expect(flashes(html)).toEqual([["success", `Deleted ${cancelled} orders.`]]);
    expect(countOf("cancelled")).toBe(0);
    expect(countOf()).toBe(before - cancelled);
    expect(html).toContain("No orders match these filters.");
    expect(html).toContain(`(<a lv-patch href="${LIST}">${before - cancelled} total</a>)`);
  });

  it("a foreign-key conflict deletes nothing and says why", async () => {
    const l = await openList("deleter", "/admin/shop/customer/");
    await l.event("selectPage");
    await l.event("action", { action: "delete_selected" });
    const html = await l.event("confirm", { action: "delete_selected" });
    expect(flashes(html)[0]).toEqual(["error", "Cannot delete the selected customers: other records refer to them. Nothing was deleted."]);
    expect(db.select({ n: count() }).from(customers).get()!.n).toBe(N_CUSTOMERS);
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
    expect(db.select().from(orders).where(inArray(orders.id, pks)).all().map((o) => o.status)).toEqual(["pending", "pending", "pending"]);
    html = await clerk.event("confirm", { action: "mark_shipped" });
    expect(flashes(html)).toEqual([["success", "Marked 3 orders as shipped."]]);
    expect(db.select().from(orders).where(inArray(orders.id, pks)).all().map((o) => o.status)).toEqual(["shipped", "shipped", "shipped"]);
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
    const before = countOf();
    const paid = countOf("paid");
    await l.event("selectAll");
    for (const action of ["delete_selected", "mark_shipped", "add_note", "explode"]) {
      let html = await l.event("action", { action });
      expect(flashes(html), action).toEqual([["error", "You don't have permission to do that."]]);
      html = await l.event("confirm", { action });
      expect(flashes(html)[0][0]).toBe("error");
    }
    expect(countOf()).toBe(before);
    expect(countOf("paid")).toBe(paid);
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
    const counter = countStatements(db);
    // session authority reads the current session before each frame (authority.cacheMs 0): one
    // primary-key read of weft_sessions, counted apart from the page's own statements
    const sessionReads = () => counter.statements.filter((s) => /"weft_sessions"/.test(s)).length;
    const own = () => counter.count - sessionReads();
    try {
      for (const p of pages) {
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
