// How far a searched page counts, and the plan that follows (query/plan.ts `crossover`,
// `sortsMatches`; `relatedCountStatement`'s `far`). Once the list knows its table's size, a page
// whose crossover lies past the page's own bound first samples the table's first rows: a dense
// search counts only to max(countLimit, the page's end), comes back capped and walks the date
// index (it used to count to 8 × the page's end); a sparse one counts on to the crossover, so that
// a search of a few more matches than 8 × the page's end is counted exactly and sorted rather than
// capped and walked; one in between stops at the page's bound when its sample is past 1.5 × the
// crossover's density (`walkedFromSample`), as PostgreSQL's dearer sort wants. The rows are always those of a naive full sort at the page's offset, in 2
// statements; the bar of a search counted exactly past countLimit tests its periods (no counts),
// as a capped one's. On SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeListQuery } from "../src/query/index.js";
import { crossover, walkedFromSample } from "../src/query/plan.js";
import { ENGINES, insertChunked, NOW, openShopTables, SHOP_STATUSES, type Shop } from "./support/engines.js";

const CUSTOMERS = 400;
const ORDERS = 4_000;
const PER_PAGE = 10;
const LIMIT = 50;
// customers 1…10 are "Ann …" (1 order in 40: 100 matches), 11…90 "Cat …" (800), the others "Bob …" (77.5 %)
const nameOf = (id: number) => (id <= 10 ? `Ann ${id}` : id <= 90 ? `Cat ${id}` : `Bob ${id}`);
const customerOf = (i: number) => ((i * 7) % CUSTOMERS) + 1;
// three orders an hour: the primary key breaks the ties
const createdOf = (i: number) => new Date(NOW.getTime() - Math.floor(i / 3) * 3_600_000);

describe.each(ENGINES)("how far a searched page counts, and its plan, on %s", (engine) => {
  let shop: Shop;
  let list: ChangeListQuery<any, any>;
  const seen: string[] = [];
  const params: unknown[][] = [];

  beforeAll(async () => {
    shop = await openShopTables(engine, SHOP_STATUSES, "admin_deepplan");
    await insertChunked(shop.db, shop.customers, Array.from({ length: CUSTOMERS }, (_, i) => ({ id: i + 1, name: nameOf(i + 1), email: `c${i + 1}@x.test` })));
    const orders = Array.from({ length: ORDERS }, (_, i) => ({ id: i + 1, number: `N${String(i).padStart(5, "0")}`, customerId: customerOf(i), status: "paid" as const, totalCents: 100, isGift: false, createdAt: createdOf(i), note: null }));
    await insertChunked(shop.db, shop.orders, orders);
    await shop.exec("analyze");
    list = new ChangeListQuery(
      shop.db,
      shop.orders,
      {
        listDisplay: ["number", "customer"],
        searchFields: ["^number", "customer.name", "customer.email"],
        relations: { customer: { table: shop.customers, column: shop.orders.customerId, display: shop.customers.name } },
        ordering: ["-createdAt"],
        dateHierarchy: "createdAt",
        listPerPage: PER_PAGE,
        countLimit: LIMIT,
      } as never,
      { now: () => NOW, onStatement: (text, values) => (seen.push(text), params.push([...values])) },
    );
    // as a running change list: it has seen its table's size
    await list.estimatedTotal();
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });

  // a naive full sort of the matches: newest first, ties by the primary key (descending, as the index walks)
  const sorted = (match: (customer: number) => boolean) =>
    Array.from({ length: ORDERS }, (_, i) => i)
      .filter((i) => match(customerOf(i)))
      .sort((a, b) => createdOf(b).getTime() - createdOf(a).getTime() || b - a)
      .map((i) => i + 1);
  const unindexed = () => (engine === "postgres" ? `coalesce("orders"."created_at", "orders"."created_at")` : `+"orders"."created_at"`);

  it("a dense search's deep page samples, counts only to its end, comes back capped and walks the date index", async () => {
    const expected = sorted((c) => c > 90);
    const p = 20;
    const end = p * PER_PAGE;
    // the page's crossover lies past its own bound: the count samples first
    expect(crossover(end, ORDERS, list.dialect.sortCost)).toBeGreaterThan(Math.max(LIMIT, end));
    seen.length = 0;
    const page = await list.fetchPage(list.parseState(`q=bob&p=${p}`));
    expect(seen).toHaveLength(2);
    expect(seen[0]).toContain(`"weft_s"("s") as materialized`);
    // "more than 200": the page's end, not 8 × it (1,600) nor the crossover
    expect(page).toMatchObject({ capped: true, total: end, page: p, pages: p + 1 });
    expect(seen[1]).not.toContain(unindexed());
    expect(page.rows.map((r) => Number(r.pk))).toEqual(expected.slice((p - 1) * PER_PAGE, end));
    // the next page is still reachable, and its rows right
    const next = await list.fetchPage(list.parseState(`q=bob&p=${p + 1}`));
    expect(next).toMatchObject({ capped: true, page: p + 1 });
    expect(next.rows.map((r) => Number(r.pk))).toEqual(expected.slice(p * PER_PAGE, (p + 1) * PER_PAGE));
  });

  it("a sparse search of more than 8 × the page's end is counted exactly up to the crossover and its matches sorted, every page", async () => {
    const expected = sorted((c) => c <= 10);
    expect(expected).toHaveLength(100);
    // the first page's end × 8 (80) is under the matches, its crossover past them
    expect(8 * PER_PAGE).toBeLessThan(expected.length);
    expect(crossover(PER_PAGE, ORDERS, list.dialect.sortCost)).toBeGreaterThanOrEqual(expected.length);
    for (let p = 1; p <= expected.length / PER_PAGE; p++) {
      seen.length = 0;
      const page = await list.fetchPage(list.parseState(`q=ann&p=${p}`));
      expect(seen).toHaveLength(2);
      expect(seen[0], `page ${p}`).toContain(`"weft_s"("s") as materialized`);
      expect(page, `page ${p}`).toMatchObject({ capped: false, total: expected.length, page: p, pages: 10 });
      expect(seen[1]!.includes(unindexed()), `page ${p}`).toBe(true);
      // PostgreSQL sorts the customers' keys apart from the order numbers (sortedBranches): the keys'
      // branch a plain `= any`, which an index on (customer_id, created_at, id) answers alone
      if (engine === "postgres") expect(seen[1], `page ${p}`).toMatch(/ union all .*"orders"\."customer_id" = any\(\$\d+\)/);
      else expect(seen[1], `page ${p}`).not.toContain(" union all ");
      expect(page.rows.map((r) => Number(r.pk)), `page ${p}`).toEqual(expected.slice((p - 1) * PER_PAGE, p * PER_PAGE));
    }
  });

  // the statement again, as sent (text and parameters), on PostgreSQL's pool
  const rerun = async (text: string, values: unknown[]): Promise<Record<string, unknown>[]> =>
    (await (shop.db as unknown as { $client: { query(t: string, v: unknown[]): Promise<{ rows: Record<string, unknown>[] }> } }).$client.query(text, values)).rows;

  // PostgreSQL (SQLite counts no keys' rows of their own, `Dialect.keysCount`: its near and far counts are two branches of one CASE)
  it.runIf(engine === "postgres")("a sparse deep page walks its keys' rows once: the far count's keys answer kn, and the near bound's count of them never runs", async () => {
    seen.length = 0;
    params.length = 0;
    await list.fetchPage(list.parseState("q=ann&p=3"));
    const [text, values] = [seen[0]!, params[0]!];
    expect(text).toContain(`"weft_kf"("k") as materialized`);
    // kn: the keys' rows bounded as the count is (to the crossover: all 100), not to the page's bound (51)
    const [row] = await rerun(text, values);
    expect(Number(row!.kn)).toBe(100);
    const plan = (await rerun(`explain (analyze, costs off, timing off) ${text}`, values)).map((r) => String(r["QUERY PLAN"])).join("\n");
    expect(plan).toMatch(/CTE weft_kn\n\s*->[^\n]*\(never executed\)/);
    expect(plan).not.toMatch(/CTE weft_kf\n\s*->[^\n]*\(never executed\)/);
  });

  // "cat": 800 matches (20 %), 46 of the sample's 200 rows. Page 10 (its end 100): PostgreSQL's
  // crossover 370 wants a sample of 28 to walk without counting that far (46: it counts to 100 and
  // walks); SQLite's sort is cheaper (crossover 900, 67 wanted): it counts all 800 and sorts them.
  it("a search the sample finds past 1.5 × its crossover's density counts only to the page's end; else on to the crossover", async () => {
    const expected = sorted((c) => c > 10 && c <= 90);
    expect(expected).toHaveLength(800);
    const far = crossover(100, ORDERS, list.dialect.sortCost);
    expect(walkedFromSample(far, ORDERS)).toBe(engine === "postgres" ? 28 : 67);
    seen.length = 0;
    const page = await list.fetchPage(list.parseState("q=cat&p=10"));
    expect(seen).toHaveLength(2);
    expect(seen[0]).toContain(`"weft_s"("s") as materialized`);
    if (engine === "postgres") expect(page).toMatchObject({ capped: true, total: 100, page: 10 });
    else expect(page).toMatchObject({ capped: false, total: 800, page: 10 });
    expect(seen[1]!.includes(unindexed())).toBe(engine === "sqlite");
    expect(page.rows.map((r) => Number(r.pk))).toEqual(expected.slice(90, 100));
  });

  it("the bar of a search counted exactly past countLimit tests its periods, as a capped one's", async () => {
    const state = list.parseState("q=ann&p=3");
    const page = await list.fetchPage(state);
    expect(page).toMatchObject({ capped: false, total: 100 });
    const bar = await list.dateHierarchy(state, { dense: page.capped, page });
    expect(bar!.choices.length).toBeGreaterThan(0);
    expect(bar!.choices.every((c) => c.count === null && !c.capped)).toBe(true);
  });
});
