// Deep pages of a sparse related search: when the page is deep relative to the matches
// (`(skipped + perPage) × 8 > total`), the rows statement sorts the matches rather than walking the
// sort column's index (SQLite `+column`, PostgreSQL `coalesce(column, column)`: `Dialect.unindexed`).
// Every page, from either end (the second half is read in reverse), and with a sort on another
// column, is the page of the exact ordering (ties on the date broken by the primary key), with
// its 2 statements. PostgreSQL's plan no longer reads the date index for it. Once the list has seen
// its table's size, a sparse search sorts its matches from the first page. On SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeListQuery } from "../src/query/index.js";
import { ENGINES, insertChunked, NOW, openShopTables, SHOP_STATUSES, type Shop } from "./support/engines.js";

const CUSTOMERS = 300;
const ORDERS = 3_000;
const PER_PAGE = 10;
// customers 1…20 are "Ann …" (about 1 order in 15 matches "ann"), the others "Bob …"
const nameOf = (id: number) => (id <= 20 ? `Ann ${id}` : `Bob ${id}`);
const customerOf = (i: number) => ((i * 7) % CUSTOMERS) + 1;
// three orders an hour: every date is shared by three orders, so the primary key decides their order
const createdOf = (i: number) => new Date(NOW.getTime() - Math.floor(i / 3) * 3_600_000);
const numberOf = (i: number) => `N${String((i * 7_919) % ORDERS).padStart(5, "0")}`;

describe.each(ENGINES)("deep pages of a sparse related search on %s", (engine) => {
  let shop: Shop;
  let list: ChangeListQuery<any, any>;
  const seen: { text: string; params: unknown[] }[] = [];
  const options = () => ({ listDisplay: ["number", "customer"], searchFields: ["^number", "customer.name", "customer.email"], relations: { customer: { table: shop.customers, column: shop.orders.customerId, display: shop.customers.name } }, ordering: ["-createdAt"] });

  beforeAll(async () => {
    shop = await openShopTables(engine, SHOP_STATUSES, "admin_deep");
    await insertChunked(shop.db, shop.customers, Array.from({ length: CUSTOMERS }, (_, i) => ({ id: i + 1, name: nameOf(i + 1), email: `c${i + 1}@x.test` })));
    const orders = Array.from({ length: ORDERS }, (_, i) => ({ id: i + 1, number: numberOf(i), customerId: customerOf(i), status: "paid" as const, totalCents: 100, isGift: false, createdAt: createdOf(i), note: null }));
    await insertChunked(shop.db, shop.orders, orders);
    await shop.exec("analyze");
    list = new ChangeListQuery(
      shop.db,
      shop.orders,
      { ...options(), listPerPage: PER_PAGE, countLimit: 50 } as never,
      { now: () => NOW, onStatement: (text, params) => seen.push({ text, params: [...params] }) },
    );
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });

  // the matches of "ann" in the exact order of a sort
  const matches = Array.from({ length: ORDERS }, (_, i) => i).filter((i) => customerOf(i) <= 20);
  const byDate = [...matches].sort((a, b) => createdOf(b).getTime() - createdOf(a).getTime() || b - a).map((i) => i + 1);
  const byNumber = [...matches].sort((a, b) => (numberOf(a) < numberOf(b) ? -1 : numberOf(a) > numberOf(b) ? 1 : a - b)).map((i) => i + 1);
  const unindexed = (column: string) => (engine === "postgres" ? `coalesce("orders"."${column}", "orders"."${column}")` : `+"orders"."${column}"`);

  it.each([
    ["q=ann", byDate, "created_at"],
    ["q=ann&sort=number", byNumber, "number"],
  ] as const)("%s: every page is the exact ordering's page; the deep ones sort the matches", async (qs, expected, column) => {
    const total = expected.length;
    const pages = Math.ceil(total / PER_PAGE);
    expect(pages).toBeGreaterThan(10);
    let sorted = 0;
    for (let p = 1; p <= pages; p++) {
      seen.length = 0;
      const page = await list.fetchPage(list.parseState(`${qs}&p=${p}`));
      expect(seen).toHaveLength(2);
      expect(page.rows.map((r) => Number(r.pk)), `page ${p}`).toEqual(expected.slice((p - 1) * PER_PAGE, p * PER_PAGE));
      if (page.capped) continue;
      expect(page.total).toBe(total);
      // rows skipped, from the nearer end (pages in the second half are read in reverse)
      const offset = (p - 1) * PER_PAGE;
      const skipped = Math.min(offset, Math.max(0, total - offset - PER_PAGE));
      const deep = (skipped + PER_PAGE) * 8 > total;
      expect(seen[1]!.text.includes(unindexed(column)), `page ${p}`).toBe(deep);
      if (deep) sorted++;
    }
    // both plans ran: the first pages walk the index (capped count), the middle ones sort
    expect(sorted).toBeGreaterThan(0);
    expect(sorted).toBeLessThan(pages);
  });

  // "ann 7": customers 7 and 17, 20 orders of 3,000. Two to a page (and a count limit past them),
  // the first page's end weighed against the matches alone (2 × 8 ≤ 20) walks the date index; weighed
  // with the table's rows (`sortsMatches`: 2 × 3,000 / 20 rows walked > 20 × 3 sorted) it sorts them.
  it("a sparse search's first page sorts its matches once the list has seen its table's size", async () => {
    const sparse = byDate.filter((id) => [7, 17].includes(customerOf(id - 1)));
    expect(sparse).toHaveLength(20);
    const make = () => new ChangeListQuery(shop.db, shop.orders, { ...options(), listPerPage: 2, countLimit: 1_000 } as never, { now: () => NOW, onStatement: (text, params) => seen.push({ text, params: [...params] }) });
    const fresh = make();
    const sized = make();
    await sized.estimatedTotal();
    for (const [which, query, sorts] of [["fresh", fresh, false], ["sized", sized, true]] as const) {
      for (let p = 1; p <= 10; p++) {
        seen.length = 0;
        const page = await query.fetchPage(query.parseState(`q=ann+7&p=${p}`));
        expect(seen, which).toHaveLength(2);
        expect(page.total).toBe(20);
        expect(page.rows.map((r) => Number(r.pk)), `${which} page ${p}`).toEqual(sparse.slice((p - 1) * 2, p * 2));
        // from the nearer end: pages 1 and 10 skip nothing, 5 and 6 skip 8
        if (p === 1 || p === 10) expect(seen[1]!.text.includes(unindexed("created_at")), `${which} page ${p}`).toBe(sorts);
      }
    }
  });

  it("PostgreSQL sorts a deep page's matches rather than reading the date index for them", async () => {
    if (engine !== "postgres") return;
    const middle = Math.ceil(byDate.length / PER_PAGE / 2);
    seen.length = 0;
    await list.fetchPage(list.parseState(`q=ann&p=${middle}`));
    const { text, params } = seen[1]!;
    expect(text).toContain(unindexed("created_at"));
    const client = (shop.db as unknown as { $client: { query(t: string, p: unknown[]): Promise<{ rows: Record<string, string>[] }> } }).$client;
    const plan = (await client.query(`explain (costs off) ${text}`, params)).rows.map((r) => r["QUERY PLAN"]!).join("\n");
    expect(plan).not.toMatch(/using orders_created_at on orders/);
    expect(plan).toMatch(/Sort Key: \(COALESCE\(orders(_\d+)?\.created_at, orders(_\d+)?\.created_at\)\) DESC/);
  });
});
