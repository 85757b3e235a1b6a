// Autocomplete in the change list's foreign-key filters (changelist/filter-autocomplete.ts) on
// both engines: past FK_CHOICE_LIMIT related rows the "By customer" filter is a combobox
// searching the customers' searchFields (the change form's search, permission-checked), driven
// over the real protocol (search, ↑/↓, Enter, click) and without JavaScript (a GET form whose
// text resolves to one row, or a message); a small related table keeps its links.
import { beforeAll, describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { FK_CHOICE_LIMIT } from "../src/query/index.js";
import { qb } from "../src/query/dialect/index.js";
import { useAdminServer } from "./support.js";
import { CUSTOMERS, ENGINES, N_ORDERS, openShop, orderOf, type Shop } from "./support/engines.js";

const EXTRA = FK_CHOICE_LIMIT + 50;
const options = (html: string) => [...html.matchAll(/role="option" aria-selected="(true|false)"[^>]*>([^<]*)<\/li>/g)].map((m) => (m[1] === "true" ? `*${m[2]}` : m[2]));
const filterOf = (html: string) => /<section class="cl-filter[^"]*" data-filter="customerId">[\s\S]*?<\/section>/.exec(html)?.[0] ?? "";
const ordersOf = (customerId: number) => Array.from({ length: N_ORDERS }, (_, i) => orderOf(i + 1)).filter((o) => o.customerId === customerId);
const flashOf = (html: string) => /class="flash flash-error"[^>]*><span>([^<]*)</.exec(html)?.[1];

describe.each(ENGINES)("list filter autocomplete on %s", (engine) => {
  let shop: Shop;
  const server = useAdminServer(() => shop?.close());
  let seq = 1000;

  beforeAll(async () => {
    shop = await openShop(engine);
    // past the threshold: the filter can no longer list every customer
    await qb(shop.db).insert(shop.customers).values(Array.from({ length: EXTRA }, (_, i) => ({ id: 100 + i, name: `Filler ${String(i).padStart(3, "0")}`, email: `f${i}@example.com` })));
    const site = new AdminSite({ db: shop.db });
    const { customers, orders } = shop;
    site.register(orders, {
      app: "shop",
      name: "order",
      relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
      listDisplay: ["number", "customer", "status"],
      listFilter: ["status", "customer"],
      ordering: ["id"],
      listPerPage: 100,
    });
    site.register(customers, { app: "shop", name: "customer", listDisplay: ["name", "email"], searchFields: ["name", "^email"], ordering: ["name"] });
    await site.users.createUser({ username: "root", password: "root-pass", isStaff: true, isSuperuser: true });
    // may see orders, not customers: no search over them, the filter keeps its links
    const u = await site.users.createUser({ username: "ordersonly", password: "ordersonly-pass", isStaff: true });
    await site.users.grant(u, "shop.view_order");
    await server.start(site);
  }, 60_000);

  async function open(path: string, user = "root") {
    const { c, first } = await server.view(user, path, "admin-changelist");
    const send = async (name: string, payload: object) => {
      const s = ++seq;
      c.send(["e", 1, s, name, payload, "fac-customerId"]);
      return c.reply(s);
    };
    return { c, first, html: () => c.html.get(1)!, send };
  }

  it("renders a combobox (not hundreds of links) with a no-JavaScript GET form keeping the other parameters", async () => {
    const jar = await server.login("root");
    const html = await (await jar.fetch(`${server.base}/admin/shop/order/?status__exact=paid`)).text();
    const f = filterOf(html);
    expect(f).toContain('role="combobox"');
    expect(f).toContain('name="customerId__search"');
    expect(f).toMatch(/<form class="cf-ac" method="get" action="\/admin\/shop\/order\/"/);
    expect(f).toContain('<input type="hidden" name="status__exact" value="paid">');
    expect(f).not.toContain("Filler 000");
    expect(f).not.toContain(">All<");
    // the status filter keeps its links
    expect(html).toMatch(/data-filter="status">[\s\S]*?>Paid</);
  });

  it("searches as you type, moves with the arrows, picks with Enter: the list is filtered, the other filters kept", async () => {
    const v = await open("/admin/shop/order/?status__exact=paid");
    await v.send("search", { customerId__search: "smith", _target: "customerId__search" });
    expect(options(filterOf(v.html()))).toEqual(["Ann Smith", "Cleo SMITHERS"]);
    expect(filterOf(v.html())).toContain('aria-expanded="true"');
    await v.send("key", { field: "customerId", key: "ArrowDown", value: "smith" });
    await v.send("key", { field: "customerId", key: "ArrowDown", value: "smith" });
    expect(options(filterOf(v.html()))).toEqual(["Ann Smith", "*Cleo SMITHERS"]);
    expect(filterOf(v.html())).toMatch(/aria-activedescendant="fac_customerId_opt1"/);
    await v.send("submit", { customerId__search: "smith", "status__exact": "paid" });
    await v.c.until(() => v.html().includes('class="cl-filter-chosen"'), "the chosen customer");
    const f = filterOf(v.html());
    expect(f).toContain(">Cleo SMITHERS</span>");
    // × clears this filter and keeps the status
    expect(f).toMatch(/<a lv-patch href="\/admin\/shop\/order\/\?status__exact=paid" class="cl-filter-clear"/);
    const expected = ordersOf(3).filter((o) => o.status === "paid").map((o) => o.number);
    const shown = [...v.html().matchAll(/ORD-\d{4}/g)].map((m) => m[0]);
    expect([...new Set(shown)]).toEqual(expected);
    expect(v.c.raw.some((r) => r.includes("status__exact=paid&customerId__exact=3"))).toBe(true);
  });

  it("a click picks a listed row; Escape closes; a forged value or field is ignored", async () => {
    const v = await open("/admin/shop/order/");
    await v.send("search", { customerId__search: "Dan" });
    expect(options(filterOf(v.html()))).toEqual(["Dan Brown"]);
    await v.send("key", { field: "customerId", key: "Escape" });
    expect(options(filterOf(v.html()))).toEqual([]);
    expect(filterOf(v.html())).toContain('aria-expanded="false"');
    await v.send("search", { customerId__search: "Da" });
    // a row that was not offered, another field: nothing happens
    await v.send("pick", { field: "customerId", value: "1" });
    await v.send("pick", { field: "status", value: "4" });
    expect(v.c.raw.some((r) => r.includes("customerId__exact"))).toBe(false);
    await v.send("pick", { field: "customerId", value: "4" });
    await v.c.until(() => v.html().includes(">Dan Brown</span>"), "Dan Brown chosen");
    expect(v.html()).toContain(`${ordersOf(4).length} results`);
    // text naming nobody: a message, the filter unchanged
    await v.send("submit", { customerId__search: "Nobody at all" });
    expect(filterOf(v.html())).toContain("No customers match “Nobody at all”.");
    expect(v.html()).toContain(`${ordersOf(4).length} results`);
    // blank text and Enter: the filter is removed
    await v.send("submit", { customerId__search: "" });
    await v.c.until(() => !v.html().includes("cl-filter-chosen"), "the filter cleared");
  });

  it("without JavaScript: one matching row filters, several or none say so and leave the filter off", async () => {
    const jar = await server.login("root");
    const one = await (await jar.fetch(`${server.base}/admin/shop/order/?status__exact=paid&customerId__search=cleo`)).text();
    expect(filterOf(one)).toContain(">Cleo SMITHERS</span>");
    expect(one).toContain(`${ordersOf(3).filter((o) => o.status === "paid").length} result`);
    const many = await (await jar.fetch(`${server.base}/admin/shop/order/?status__exact=paid&customerId__search=smith`)).text();
    expect(filterOf(many)).toContain("Several customers match “smith”; pick one from the list or type more.");
    expect(filterOf(many)).toContain('value="smith"');
    expect(many).toContain(`${Array.from({ length: N_ORDERS }, (_, i) => orderOf(i + 1)).filter((o) => o.status === "paid").length} results`);
    const none = await (await jar.fetch(`${server.base}/admin/shop/order/?customerId__search=${encodeURIComponent("<b>zz</b>")}`)).text();
    expect(filterOf(none)).toContain("No customers match “&lt;b&gt;zz&lt;/b&gt;”.");
    expect(none).not.toContain("<b>zz</b>");
    // a search parameter on a field that is not a foreign-key filter is refused as before
    const bad = await (await jar.fetch(`${server.base}/admin/shop/order/?number__search=x`)).text();
    expect(flashOf(bad)).toMatch(/number__search/);
  });

  it("a live pick on a page opened from a no-JavaScript search keeps the other parameters", async () => {
    const v = await open("/admin/shop/order/?status__exact=paid&customerId__search=smith");
    await v.send("search", { customerId__search: "Dan" });
    await v.send("pick", { field: "customerId", value: "4" });
    await v.c.until(() => v.html().includes(">Dan Brown</span>"), "Dan Brown chosen");
    expect(v.c.raw.some((r) => r.includes("status__exact=paid&customerId__exact=4"))).toBe(true);
  });

  it("keeps the links for a user who may not view the related model (no search over it)", async () => {
    const jar = await server.login("ordersonly");
    const html = await (await jar.fetch(`${server.base}/admin/shop/order/`)).text();
    const f = filterOf(html);
    expect(f).not.toContain('role="combobox"');
    expect(f).toContain(`>${CUSTOMERS[0]}<`);
    expect(f).toContain(">All<");
  });
});
