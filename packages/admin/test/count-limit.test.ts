// countLimit (bounded counts, as Django's show_full_result_count idea): a searched or filtered
// change list counts at most N+1 matches ("more than N"), deep pages count to their end, the
// rows are those of the exact list, still 2 statements; "select all matching" is told the
// exact number; the pager of a capped list has next but no last page. On SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveSelection } from "../src/changelist/selection.js";
import { pageLinks } from "../src/changelist/pagination.js";
import { ChangeListOptionsError, ChangeListQuery, EMPTY_STATE } from "../src/query/index.js";
import { ENGINES, N_ORDERS, NOW, openShop, type Shop } from "./support/engines.js";

describe.each(ENGINES)("countLimit on %s", (engine) => {
  let shop: Shop;
  let capped: ChangeListQuery<any, any>;
  let exact: ChangeListQuery<any, any>;
  const seen: string[] = [];
  const options = (s: Shop, countLimit: number | null) => ({
    listDisplay: ["number", "customer", "status"],
    listFilter: ["status"],
    searchFields: ["^number", "customer.name", "customer.email"],
    relations: { customer: { table: s.customers, column: s.orders.customerId, display: s.customers.name } },
    ordering: ["-createdAt"],
    listPerPage: 2,
    countLimit,
  });

  beforeAll(async () => {
    shop = await openShop(engine);
    capped = new ChangeListQuery(shop.db, shop.orders, options(shop, 5) as never, { now: () => NOW, timeZone: "UTC", onStatement: (s) => seen.push(s) });
    exact = new ChangeListQuery(shop.db, shop.orders, options(shop, null) as never, { now: () => NOW, timeZone: "UTC" });
  }, 60_000);
  afterAll(async () => {
    await shop?.close();
  });

  const pks = (rows: readonly { pk: unknown }[]) => rows.map((r) => Number(r.pk));

  it("a filter matching more than countLimit says \"more than N\" after counting N+1, in 2 statements", async () => {
    seen.length = 0;
    const page = await capped.fetchPage(capped.parseState("status__exact=paid"));
    // 10 paid orders, counted up to 6
    expect(page).toMatchObject({ total: 5, capped: true, estimated: false, page: 1, pages: 3 });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/limit/i);
    const full = await exact.fetchPage(exact.parseState("status__exact=paid"));
    expect(full).toMatchObject({ total: 10, capped: false, pages: 5 });
    expect(pks(page.rows)).toEqual(pks(full.rows));
  });

  it("deep pages count to their own end: every page is the exact list's page, the last one exact", async () => {
    const expected: { rows: number[]; capped: boolean; total: number }[] = [
      { rows: [], capped: true, total: 5 },
      { rows: [], capped: true, total: 5 },
      { rows: [], capped: true, total: 6 },
      { rows: [], capped: true, total: 8 },
      { rows: [], capped: false, total: 10 },
    ];
    for (let p = 1; p <= 5; p++) {
      const state = { ...capped.parseState("status__exact=paid"), page: p };
      const got = await capped.fetchPage(state);
      const want = await exact.fetchPage(state);
      expect(pks(got.rows)).toEqual(pks(want.rows));
      expect(got.page).toBe(p);
      expect({ capped: got.capped, total: got.total }).toEqual({ capped: expected[p - 1]!.capped, total: expected[p - 1]!.total });
    }
    // past the end: counted exactly (the ceiling is beyond the matches) and clamped to the last page
    const past = await capped.fetchPage({ ...capped.parseState("status__exact=paid"), page: 9 });
    expect(past).toMatchObject({ capped: false, total: 10, page: 5, pages: 5 });
  });

  it("a search through a related field (the count's CTE) is bounded too, rows unchanged", async () => {
    seen.length = 0;
    // every customer's e-mail contains "example": all 30 orders match; a search counts to 8× the page's end (16)
    const state = capped.parseState("q=example");
    const page = await capped.fetchPage(state);
    expect(page).toMatchObject({ total: 16, capped: true, pages: 9 });
    expect(seen).toHaveLength(2);
    // dense matches are tested row by row along the sort (SQLite: `+column`, so no search index
    // drives the plan), each row's customer looked up by key: the count sent no keys back; on
    // PostgreSQL it sends back the keys of few customers (here 5, at most 2,500), which the rows probe
    if (engine === "sqlite") {
      expect(seen[1]).toMatch(/\+"orders"\."number" like .* or \(select 1 from "customers" where "customers"\."id" = "orders"\."customer_id" and /);
      expect(seen[0]).toMatch(/case when "n" > "b" then null else \(select/);
      expect(seen[1]).not.toMatch(/json_each|any\(|unnest/);
    } else {
      expect(seen[0]).toMatch(/case when "n" > "b" and \(select count\(\*\) from \(select 1 from "weft_m0" limit 2501\) as "weft_kc"\) > 2500 then null else \(select/);
      expect(seen[1]).toMatch(/"orders"\."customer_id" in \(select unnest\(\$\d+::integer\[\]\)\)/);
      expect(seen[1]).not.toMatch(/from "customers" where/);
    }
    expect(pks(page.rows)).toEqual(pks((await exact.fetchPage(state)).rows));
    expect(await exact.fetchPage(state)).toMatchObject({ total: N_ORDERS, capped: false });
  });

  it("fewer matches than the limit are counted exactly; an unfiltered list is never capped", async () => {
    expect(await capped.fetchPage(capped.parseState("q=ORD-0001"))).toMatchObject({ total: 1, capped: false, pages: 1 });
    expect(await capped.fetchPage(EMPTY_STATE)).toMatchObject({ total: N_ORDERS, capped: false, pages: N_ORDERS / 2 });
  });

  it("countMatching and \"select all matching\" give the exact number behind a capped page", async () => {
    const state = capped.parseState("status__exact=paid");
    expect(await capped.countMatching(state)).toBe(10);
    expect(await capped.countMatching(capped.parseState("q=example"))).toBe(N_ORDERS);
    const sel = await resolveSelection(shop.db, capped, { mode: "all" }, state);
    expect(sel.count).toBe(10);
    expect(await sel.ids()).toHaveLength(10);
    const sample = await sel.sample();
    expect(sample.length).toBeGreaterThan(0);
  });

  it("refuses a countLimit that is not a row count; null counts exactly", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, "10" as unknown as number]) {
      expect(() => new ChangeListQuery(shop.db, shop.orders, options(shop, bad) as never)).toThrow(ChangeListOptionsError);
      expect(() => new ChangeListQuery(shop.db, shop.orders, options(shop, bad) as never)).toThrow(/countLimit/);
    }
    expect(exact.config.countLimit).toBeUndefined();
    const byDefault = new ChangeListQuery(shop.db, shop.orders, { ...options(shop, null), countLimit: undefined } as never);
    expect(byDefault.config.countLimit).toBe(10_000);
  });
});

describe("the pager of a capped list", () => {
  const href = (n: number) => `?p=${n}`;
  it("has first, previous, numbers to the next page, a gap and next, but no last page", () => {
    const links = pageLinks(3, 201, href, true);
    expect(links.map((l) => l.kind)).toEqual(["first", "prev", "page", "page", "current", "page", "gap", "next"]);
    expect(links.find((l) => l.kind === "next")!.href).toBe("?p=4");
    expect(links.some((l) => l.kind === "last")).toBe(false);
    // far in: elided at the start as well
    expect(pageLinks(40, 201, href, true).map((l) => l.label).join(" ")).toBe("« ‹ 1 2 … 37 38 39 40 41 … ›");
  });
  it("an exact count keeps its last page", () => {
    expect(pageLinks(3, 5, href).map((l) => l.kind).at(-1)).toBe("last");
    expect(pageLinks(1, 1, href)).toEqual([]);
  });
});
