// dateHierarchy through the admin on both engines (site zone Europe/Berlin): the HTTP render has
// the bar with plain `lv-patch` links that keep the filter; a bad period is the list's error flash
// (200, unfiltered), not a 500; the live change list counts only new rows inside the period; and
// "all N matching" (pinned for a job as the list's query string) selects only the period's rows.
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { AdminSite } from "../src/index.js";
import { ChangeListView } from "../src/changelist/view.js";
import { LIVE_LIST } from "../src/changelist/live.js";
import { selectionQuery } from "../src/changelist/actions.js";
import { jobSelection } from "../src/jobs/selection.js";
import { qb } from "../src/query/dialect/index.js";
import { useAdminServer } from "./support.js";
import { ENGINES, openShop, orderOf, type Shop } from "./support/engines.js";

const pksIn = (html: string) => [...html.matchAll(/<tr data-pk="(\d+)"/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
const bar = (html: string) => /<nav class="cl-dates"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? "";
const links = (html: string) => [...bar(html).matchAll(/<a lv-patch href="([^"]+)">([^<]+?)\s*(?:<span class="cl-date-n">([\d,]+)<\/span>)?<\/a>/g)].map((m) => ({ href: m[1]!.replace(/&amp;/g, "&"), label: m[2]!.trim(), n: m[3] }));

describe.each(ENGINES)("dateHierarchy in the change list on %s", (engine) => {
  let shop: Shop;
  let site: AdminSite;
  const server = useAdminServer(() => shop?.close());
  const pubsub = new MemoryChannelLayer();
  const saved = ChangeListView.live;

  beforeAll(async () => {
    ChangeListView.live = { ...LIVE_LIST, throttleMs: 100, fadeMs: 50 };
    shop = await openShop(engine);
    await shop.exec("delete from orders");
    // Berlin: 1 → 2025-03-15 11:00, 2 → 2025-03-16 00:30 (23:30 UTC on the 15th), 3 → 2025-04-02, 4 → 2024-07-01
    const at = ["2025-03-15T10:00:00Z", "2025-03-15T23:30:00Z", "2025-04-02T08:00:00Z", "2024-07-01T08:00:00Z"];
    await qb(shop.db).insert(shop.orders).values(at.map((a, i) => ({ ...orderOf(i + 1), status: "paid" as const, createdAt: new Date(a) })));
    site = new AdminSite({ db: shop.db, display: { timeZone: "Europe/Berlin" } });
    site.register(shop.orders, { app: "shop", name: "order", listDisplay: ["number", "status", "createdAt"], listFilter: ["status"], searchFields: ["number"], dateHierarchy: "createdAt", ordering: ["-id"] });
    await site.users.createUser({ username: "root", password: "root-pass", isStaff: true, isSuperuser: true });
    await server.start(site, { pubsub });
  }, 60_000);

  afterAll(async () => {
    ChangeListView.live = saved;
  });

  it("renders the bar over HTTP with links that keep the filter; the period filters the rows", async () => {
    const jar = await server.login("root");
    let html = await (await jar.fetch(`${server.base}/admin/shop/order/?status__exact=paid`)).text();
    expect(links(html).map((l) => [l.label, l.n])).toEqual([["2024", "1"], ["2025", "3"]]);
    expect(links(html)[1]!.href).toBe("/admin/shop/order/?status__exact=paid&createdAt__year=2025");
    html = await (await jar.fetch(`${server.base}/admin/shop/order/?status__exact=paid&createdAt__year=2025&createdAt__month=3`)).text();
    expect(links(html).map((l) => [l.label, l.n])).toEqual([["‹ All dates", undefined], ["‹ 2025", undefined], ["Mar 15", "1"], ["Mar 16", "1"]]);
    expect(bar(html)).toContain('<li class="cl-date-current" aria-current="true">March 2025</li>');
    expect(pksIn(html)).toEqual([1, 2]);
    // the search form carries the period for browsers without JavaScript
    expect(html).toContain('<input type="hidden" name="createdAt__month" value="3">');
    html = await (await jar.fetch(`${server.base}/admin/shop/order/?createdAt__year=2025&createdAt__month=3&createdAt__day=16`)).text();
    expect(pksIn(html)).toEqual([2]);
  });

  it("answers a bad period with the error flash and the whole list, not a 500", async () => {
    const jar = await server.login("root");
    for (const [q, msg] of [
      ["createdAt__year=2025&createdAt__month=13", "&quot;createdAt__month&quot;: expected a month number (1…12)"],
      ["createdAt__year=2025&createdAt__day=1", "a day needs createdAt__month and createdAt__year"],
      ["createdAt__year=twenty", "&quot;createdAt__year&quot;: expected a year number"],
    ] as const) {
      const res = await jar.fetch(`${server.base}/admin/shop/order/?${q}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain(msg);
      expect(pksIn(html)).toEqual([1, 2, 3, 4]);
    }
  });

  it("live: a new row inside the period is counted, one outside it is not", async () => {
    const { c } = await server.view("root", `/admin/shop/order/?createdAt__year=2025&createdAt__month=3`, "admin-changelist");
    const html = () => c.html.get(1)!;
    expect(pksIn(html())).toEqual([1, 2]);
    const row = (id: number, at: string) => ({ ...orderOf(id), id, number: `LIVE-${id}`, createdAt: new Date(at) });
    // 10: 2025-03-31 23:30 UTC = April 1 in Berlin (outside); 11: March 20 (inside)
    await qb(shop.db).insert(shop.orders).values([row(10, "2025-03-31T23:30:00Z"), row(11, "2025-03-20T12:00:00Z")]);
    await pubsub.publish("orders", { type: "order.created", id: 10 });
    await pubsub.publish("orders", { type: "order.created", id: 11 });
    await c.until(() => html().includes("1 new order — show"), "one new order in March counted");
    await qb(shop.db).delete(shop.orders).where(inArray(shop.orders.id, [10, 11]));
  });

  it("'all N matching' pinned for a job selects only the period's rows", async () => {
    const admin = site.get("shop", "order")!;
    const query = site.query(admin);
    const state = query.parseState("status__exact=paid&createdAt__year=2025&createdAt__month=3&createdAt__day=16&sort=number");
    const pinned = selectionQuery(query, state);
    expect(pinned).toBe("status__exact=paid&createdAt__year=2025&createdAt__month=3&createdAt__day=16");
    const root = { id: 0, username: "system", isStaff: true, isSuperuser: true, permissions: [] };
    const sel = jobSelection(site, admin, root, { kind: "filter", query: pinned }, 1);
    expect((await sel.ids()).map(Number)).toEqual([2]);
  });
});
