// A related search's count picks its plan by the number of related keys its CTE found
// (Dialect.countByKeys): past 5,000 keys PostgreSQL tests them row by row (`IN (SELECT …)`, a
// hashed filter, so a bounded count stops at its LIMIT) instead of gathering every match in a
// bitmap (`= ANY(ARRAY(…))`); SQLite has one form. A one-word search on PostgreSQL instead
// counts the matched keys' own rows through a LATERAL join (Dialect.keysCount): past the bound
// nothing else runs, under it the order numbers' matches outside those keys are added
// (RelatedCountParts.rest). Either way the counts are those of the oracle,
// with one CTE per word, still 2 statements. The dateHierarchy bar of a dense search counts each
// year along the date index with those keys, sent once (a CTE on PostgreSQL). On SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeListQuery } from "../src/query/index.js";
import { ENGINES, insertChunked, NOW, openShopTables, SHOP_STATUSES, type Shop } from "./support/engines.js";

const CUSTOMERS = 6_000;
const ORDERS = 12_000;
// customers 1…5,500 are "Ann …" (dense: more keys than 5,000), the others "Bob …"; every e-mail ends in x.test
const nameOf = (id: number) => (id <= 5_500 ? `Ann ${id}` : `Bob ${id}`);
const customerOf = (i: number) => (i % CUSTOMERS) + 1;
// one order every 2 hours: 2023-09 … 2026-06
const createdOf = (i: number) => new Date(NOW.getTime() - i * 7_200_000);

describe.each(ENGINES)("a dense related search on %s", (engine) => {
  let shop: Shop;
  let list: ChangeListQuery<any, any>;
  const seen: { text: string; params: unknown[] }[] = [];

  beforeAll(async () => {
    shop = await openShopTables(engine, SHOP_STATUSES, "admin_dense");
    await insertChunked(shop.db, shop.customers, Array.from({ length: CUSTOMERS }, (_, i) => ({ id: i + 1, name: nameOf(i + 1), email: `c${i + 1}@x.test` })));
    const orders = Array.from({ length: ORDERS }, (_, i) => ({ id: i + 1, number: `N${i + 1}`, customerId: customerOf(i), status: "paid" as const, totalCents: 100, isGift: false, createdAt: createdOf(i), note: null }));
    await insertChunked(shop.db, shop.orders, orders);
    await shop.exec("analyze");
    list = new ChangeListQuery(
      shop.db,
      shop.orders,
      { listDisplay: ["number", "customer"], searchFields: ["^number", "customer.name", "customer.email"], relations: { customer: { table: shop.customers, column: shop.orders.customerId, display: shop.customers.name } }, ordering: ["-createdAt"], dateHierarchy: "createdAt", listPerPage: 10, countLimit: 2_000 } as never,
      { now: () => NOW, onStatement: (text, params) => seen.push({ text, params: [...params] }) },
    );
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });

  const oracle = (match: (customer: number) => boolean) => Array.from({ length: ORDERS }, (_, i) => customerOf(i)).filter(match).length;

  it.each([
    // word(s), the exact count, capped on the page (countLimit 2,000), PostgreSQL's branch
    // ("bound": the customers' own orders are past 2,000, the rest never runs; "rest": under it, the
    // numbers outside the keys are added; two words have no bound)
    ["ann", oracle((c) => c <= 5_500), true, "bound"],
    ["bob", oracle((c) => c > 5_500), false, "rest"],
    ["ann x.test", oracle((c) => c <= 5_500), true, "many"],
    ["bob x.test", oracle((c) => c > 5_500), false, "few"],
  ] as const)("q=%s counts %i matches (capped: %s) with the %s-keys plan", async (q, exact, capped, branch) => {
    const state = list.parseState(`q=${encodeURIComponent(q)}`);
    expect(await list.countMatching(state)).toBe(exact);
    seen.length = 0;
    const page = await list.fetchPage(state);
    expect(seen).toHaveLength(2);
    expect(page).toMatchObject({ capped, total: capped ? 2_000 : exact });
    expect(page.rows).toHaveLength(10);
    expect(page.rows.every((r) => String(r.values.customer).startsWith(q.slice(0, 3) === "ann" ? "Ann" : "Bob"))).toBe(true);
    if (engine !== "postgres") return;
    // only the branch the CTEs' sizes choose runs: the other one's scan is "never executed"
    const { text, params } = seen[0]!;
    const client = (shop.db as unknown as { $client: { query(t: string, p: unknown[]): Promise<{ rows: Record<string, string>[] }> } }).$client;
    const plan = (await client.query(`explain (analyze, costs off, timing off, summary off) ${text}`, params)).rows.map((r) => r["QUERY PLAN"]!);
    const ran = (lines: string[]) => plan.some((l, i) => lines.includes(l) && !/never executed/.test(plan.slice(Math.max(0, i - 2), i + 1).join(" ")));
    // the bound runs for one word (and decides for "ann"), never for two
    const lateral = plan.filter((l) => /Index (Only )?Scan using orders_customer on orders/.test(l));
    expect(lateral.length > 0 && ran(lateral), plan.join("\n")).toBe(!q.includes(" "));
    if (!q.includes(" ")) {
      // the keys' rows plus the numbers outside the keys; the latter only under the bound
      expect(text).toMatch(/least\("k" \+ \(select count\(\*\) from \(select 1 from "orders" where/);
      const rest = plan.filter((l) => /Filter: .*number/.test(l));
      expect(rest.length > 0 && ran(rest), plan.join("\n")).toBe(branch === "rest");
      return;
    }
    expect(text).toMatch(/case when \(select count\(\*\) from "weft_m0"\) > 5000/);
    const hashed = plan.filter((l) => /hashed SubPlan/.test(l));
    const anyArray = plan.filter((l) => /customer_id = ANY/.test(l));
    expect(hashed.length).toBeGreaterThan(0);
    expect(anyArray.length).toBeGreaterThan(0);
    expect(ran(hashed), plan.join("\n")).toBe(branch === "many");
    expect(ran(anyArray), plan.join("\n")).toBe(branch === "few");
  });

  it("the bar of a dense search shows the years that have a match, uncounted (one match tested a year, its customer looked up by key)", async () => {
    const state = list.parseState("q=ann");
    const page = await list.fetchPage(state);
    expect(page.capped).toBe(true);
    seen.length = 0;
    const bar = await list.dateHierarchy(state, { dense: true, page });
    const perYear = new Map<string, number>();
    for (let i = 0; i < ORDERS; i++) if (customerOf(i) <= 5_500) perYear.set(String(createdOf(i).getUTCFullYear()), (perYear.get(String(createdOf(i).getUTCFullYear())) ?? 0) + 1);
    // some years hold more than countLimit (2,000) matches, some fewer: none is counted, the
    // list already says "more than 2,000"
    expect([...perYear.values()].some((n) => n > 2_000) && [...perYear.values()].some((n) => n <= 2_000)).toBe(true);
    const expected = [...perYear].sort(([a], [b]) => a.localeCompare(b)).map(([label]) => ({ label, count: null, capped: false }));
    expect(bar?.choices.map(({ label, count, capped }) => ({ label, count, capped }))).toEqual(expected);
    // min/max, then the years' tests: each stops at its first match
    expect(seen).toHaveLength(2);
    // along the date index: ordered by it, so no planner takes `limit 1` as a sequential scan
    expect(seen[1]!.text).toMatch(/order by "orders"\."created_at" limit 1\) as "weft_b"/);
    // no key list travels (the page's 5,500 customer ids): one lookup of the row's customer per row read
    expect(seen[1]!.text.match(/\(select 1 from "customers" where "customers"\."id" = "orders"\."customer_id" and /g)).toHaveLength(expected.length);
    expect(seen[1]!.params.filter((p) => Array.isArray(p) || (typeof p === "string" && p.startsWith("[")) || (typeof p === "string" && p.startsWith("{")))).toHaveLength(0);
    if (engine !== "postgres") return;
    // PostgreSQL runs it per row: no hashed subplan over the customers (the plan EXISTS would get)
    const client = (shop.db as unknown as { $client: { query(t: string, p: unknown[]): Promise<{ rows: Record<string, string>[] }> } }).$client;
    const plan = (await client.query(`explain (costs off) ${seen[1]!.text}`, seen[1]!.params)).rows.map((r) => r["QUERY PLAN"]!);
    expect(plan.join("\n")).not.toMatch(/hashed SubPlan/);
    expect(plan.join("\n")).toMatch(/Index Scan using \w+ on customers/);
  });
});
