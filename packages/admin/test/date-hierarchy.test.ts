/**
 * `dateHierarchy` (Django admin's `date_hierarchy`) on both engines: buckets counted in the site's
 * time zone (a row at 23:30 UTC is on the next day in Europe/Berlin), the drill's links keeping
 * the other parameters, the list filtered by the period, the statements each level costs, and
 * every malformed parameter refused with ChangeListParamError.
 */
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ChangeListOptionsError, ChangeListParamError, ChangeListQuery, type ChangeListState } from "../src/query/index.js";
import { qb } from "../src/query/dialect/index.js";
import { dateHierarchyModel } from "../src/changelist/date-hierarchy.js";
import { ENGINES, openShop, orderOf, type Shop } from "./support/engines.js";

/** id → created instant (UTC); Berlin is +01:00 in winter, +02:00 in summer. */
const ROWS: [number, string][] = [
  [1, "2024-12-31T23:30:00Z"], // Berlin: 2025-01-01 00:30
  [2, "2025-03-15T10:00:00Z"], // Berlin: 2025-03-15 11:00
  [3, "2025-03-15T22:59:59Z"], // Berlin: 2025-03-15 23:59:59
  [4, "2025-03-15T23:30:00Z"], // Berlin: 2025-03-16 00:30
  [5, "2025-06-30T23:30:00Z"], // Berlin: 2025-07-01 01:30
  [6, "2026-01-05T12:00:00Z"],
];

const params = (q: string) => Object.fromEntries(new URLSearchParams(q));

describe.each(ENGINES)("dateHierarchy on %s", (engine) => {
  let shop: Shop;
  const statements: string[] = [];
  let list: ChangeListQuery<any, any>;
  let utc: ChangeListQuery<any, any>;

  beforeAll(async () => {
    shop = await openShop(engine);
    await shop.exec("delete from orders");
    await qb(shop.db)
      .insert(shop.orders)
      .values(ROWS.map(([id, at]) => ({ ...orderOf(id), createdAt: new Date(at) })));
    const options = { adminName: "OrderAdmin", dateHierarchy: "createdAt" as const, listFilter: ["status" as const], searchFields: ["number" as const], listDisplay: ["number" as const, "createdAt" as const] };
    list = new ChangeListQuery(shop.db, shop.orders, options, { timeZone: "Europe/Berlin", onStatement: (s) => statements.push(s) });
    utc = new ChangeListQuery(shop.db, shop.orders, options, { timeZone: "UTC" });
  }, 120_000);
  afterAll(async () => shop?.close());

  const bar = async (q: string) => {
    list.resetStatementCount();
    statements.length = 0;
    const view = (await list.dateHierarchy(list.parseState(q)))!;
    return { view, statements: list.statementCount, sql: [...statements] };
  };
  /** the unsearched bar's bounded count per period: SQLite skips countLimit rows first, PostgreSQL counts a limited subquery */
  const BOUNDED_RANGES = engine === "sqlite" ? /^select \(select coalesce\(\(select \S+ from "orders" where .* limit 1 offset \S+\), \(select count\(\*\) from "orders" where / : /^select \(select count\(\*\) from \(select 1 from "orders" where .* limit /;
  const ids = async (q: string) => (await list.fetchPage(list.parseState(q))).rows.map((r) => Number(r.pk)).sort((a, b) => a - b);

  it("counts the years in the site's zone with two statements (min/max, then one sum per year)", async () => {
    const { view, statements: n, sql } = await bar("");
    expect(view.choices.map((c) => [c.label, c.count])).toEqual([["2025", 5], ["2026", 1]]);
    expect(view.back).toEqual([]);
    expect(view.current).toBeNull();
    expect(n).toBe(2);
    // one index range count per year, bounded by countLimit (SQLite: countLimit rows skipped, then counted only when fewer)
    expect(sql[1]).toMatch(BOUNDED_RANGES);
    // in UTC the first row is still in 2024
    const inUtc = (await utc.dateHierarchy(utc.parseState("")))!;
    expect(inUtc.choices.map((c) => [c.label, c.count])).toEqual([["2024", 1], ["2025", 4], ["2026", 1]]);
  });

  it("tests the years the list's last bar found beside min/max (one statement), and counts again when the ends give other years", async () => {
    const seen: string[] = [];
    const fresh = new ChangeListQuery(shop.db, shop.orders, { dateHierarchy: "createdAt", listFilter: ["status"], listDisplay: ["number", "createdAt"] }, { timeZone: "UTC", onStatement: (s) => seen.push(s) });
    const years = async (q: string) => {
      seen.length = 0;
      return (await fresh.dateHierarchy(fresh.parseState(q)))!.choices.map((c) => [c.label, c.count]);
    };
    const all = [["2024", 1], ["2025", 4], ["2026", 1]];
    // nothing found yet: min/max, then the years' counts
    expect(await years("")).toEqual(all);
    expect(seen).toHaveLength(2);
    // the same list again: one statement, the same bar
    expect(await years("")).toEqual(all);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^select \* from \(select \(select min\(.*\) as "weft_mm" cross join \(select /);
    // a list not seen yet guesses the years any list found last; whether the guess holds or not, its bar is a fresh list's
    const unguessed = new ChangeListQuery(shop.db, shop.orders, { dateHierarchy: "createdAt", listFilter: ["status"], listDisplay: ["number", "createdAt"] }, { timeZone: "UTC" });
    for (const q of ["status__exact=pending", "status__exact=paid", "status__exact=shipped"]) {
      const guessed = await years(q);
      expect(seen.length, q).toBe(guessed.length === 3 ? 1 : 2);
      expect(guessed, q).toEqual((await unguessed.dateHierarchy(unguessed.parseState(q)))!.choices.map((c) => [c.label, c.count]));
    }
    // the ends moved to another year (an order of 2027): the guess is dropped, the years counted again
    await qb(shop.db).update(shop.orders).set({ createdAt: new Date("2027-02-01T12:00:00Z") }).where(eq(shop.orders.id, 6));
    try {
      expect(await years("")).toEqual([["2024", 1], ["2025", 4], ["2027", 1]]);
      expect(seen).toHaveLength(2);
      expect(await years("")).toEqual([["2024", 1], ["2025", 4], ["2027", 1]]);
      expect(seen).toHaveLength(1);
    } finally {
      await qb(shop.db).update(shop.orders).set({ createdAt: new Date(ROWS[5]![1]) }).where(eq(shop.orders.id, 6));
    }
  });

  it("counts a search's years in the site's zone as the list's (PostgreSQL: one statement grouping the matches by their year in the zone)", async () => {
    // every order's number starts with ORD: the same years and counts as the list without the search
    const searched = await bar("q=ORD");
    expect(searched.view.choices.map((c) => [c.label, c.count])).toEqual([["2025", 5], ["2026", 1]]);
    expect(searched.view.choices.map((c) => c.query)).toEqual(["q=ORD&createdAt__year=2025", "q=ORD&createdAt__year=2026"]);
    // SQLite: the min/max and the pass in one statement, for the years the list's last bar found (LastYears)
    expect(searched.statements).toBe(1);
    if (engine === "postgres") expect(searched.sql[0]).toMatch(/extract\(year from "orders"\."created_at" at time zone .* group by 1$/);
    else expect(searched.sql[0]).toMatch(/^select \* from \(select \(select min\(.* cross join \(select sum\(case when/);
    const inUtc = (await utc.dateHierarchy(utc.parseState("q=ORD")))!;
    expect(inUtc.choices.map((c) => [c.label, c.count])).toEqual([["2024", 1], ["2025", 4], ["2026", 1]]);
  });

  it("drills year → month → day with one statement each (none for a day), only periods with rows", async () => {
    const year = await bar("createdAt__year=2025");
    expect(year.statements).toBe(1);
    expect(year.view.choices.map((c) => [c.label, c.count])).toEqual([["January", 1], ["March", 3], ["July", 1]]);
    expect(year.view.back.map((b) => [b.label, b.query])).toEqual([["All dates", ""]]);
    expect(year.view.current).toBe("2025");
    expect(params(year.view.choices[1]!.query)).toEqual({ createdAt__year: "2025", createdAt__month: "3" });

    const month = await bar("createdAt__year=2025&createdAt__month=3");
    expect(month.statements).toBe(1);
    // the 23:30 UTC order is on the 16th in Berlin
    expect(month.view.choices.map((c) => [c.label, c.count])).toEqual([["Mar 15", 2], ["Mar 16", 1]]);
    expect(month.view.back.map((b) => b.label)).toEqual(["All dates", "2025"]);
    expect(month.view.current).toBe("March 2025");

    const day = await bar("createdAt__year=2025&createdAt__month=3&createdAt__day=16");
    expect(day.statements).toBe(0);
    expect(day.view.choices).toEqual([]);
    expect(day.view.back.map((b) => b.label)).toEqual(["All dates", "2025", "March 2025"]);
    expect(day.view.current).toBe("March 16, 2025");
  });

  it("filters the list, the selection and the statements by [start, end) of the period in the zone", async () => {
    expect(await ids("createdAt__year=2025")).toEqual([1, 2, 3, 4, 5]);
    expect(await ids("createdAt__year=2025&createdAt__month=3&createdAt__day=15")).toEqual([2, 3]);
    expect(await ids("createdAt__year=2025&createdAt__month=3&createdAt__day=16")).toEqual([4]);
    expect(await ids("createdAt__year=2025&createdAt__month=7")).toEqual([5]);
    expect(await ids("createdAt__year=2025&createdAt__month=2")).toEqual([]);
    expect((await utc.fetchPage(utc.parseState("createdAt__year=2024"))).rows.map((r) => Number(r.pk))).toEqual([1]);
    // "select all N matching" and jobs use the same WHERE clause
    const where = list.selectionFilter(list.parseState("createdAt__year=2025&createdAt__month=3"));
    const [{ n }] = await qb(shop.db).select({ n: count() }).from(shop.orders).where(where);
    expect(Number(n)).toBe(3);
    // the live list re-reads ids within the state
    expect((await list.fetchByIds([1, 2, 3, 4, 5, 6], list.parseState("createdAt__year=2026"))).map((r) => Number(r.pk))).toEqual([6]);
    // a range on the bare column, so an index on it serves the statement
    statements.length = 0;
    await list.fetchPage(list.parseState("createdAt__year=2025"));
    expect(statements[0]).toMatch(/"created_at" >= \S+ and "orders"."created_at" < /);
  });

  it("keeps search, filters and sort in every link, and resets the page", async () => {
    const q = "q=ORD&status__exact=paid&createdAt__year=2025&sort=-number&p=2";
    const { view } = await bar(q);
    const paid = ROWS.filter(([id]) => orderOf(id).status === "paid" && id <= 5).length;
    // a search under countLimit: every period counted (only a capped search leaves them uncounted)
    expect(view.choices.reduce((s, c) => s + c.count!, 0)).toBe(paid);
    // with a search: one pass over the matches
    expect((await bar(q)).sql[0]).toMatch(/sum\(case when/);
    for (const l of [...view.choices, ...view.back]) {
      const p = params(l.query);
      expect(p).toMatchObject({ q: "ORD", status__exact: "paid", sort: "-number" });
      expect(p.p).toBeUndefined();
    }
    expect(params(view.back[0]!.query).createdAt__year).toBeUndefined();
    // the filter sidebar's links keep the period
    const filters = await list.filterChoices(list.parseState(q));
    expect(params(filters[0]!.choices[0]!.query)).toMatchObject({ createdAt__year: "2025" });
  });

  it("round-trips through the URL and refuses malformed periods with ChangeListParamError", () => {
    for (const q of ["createdAt__year=2025", "createdAt__year=2025&createdAt__month=3", "createdAt__year=2025&createdAt__month=3&createdAt__day=16&status__exact=paid"]) {
      const s = list.parseState(q);
      expect(list.parseState(list.toSearchParams(s))).toEqual(s);
    }
    const bad: [string, RegExp][] = [
      ["createdAt__year=2025&createdAt__month=13", /createdAt__month.*1…12/],
      ["createdAt__year=2025&createdAt__month=0", /createdAt__month/],
      ["createdAt__year=2025&createdAt__day=3", /a day needs createdAt__month/],
      ["createdAt__month=3", /a month needs createdAt__year/],
      ["createdAt__year=abc", /createdAt__year.*year number/],
      ["createdAt__year=2025.5", /createdAt__year/],
      ["createdAt__year=-1", /createdAt__year/],
      ["createdAt__year=2025&createdAt__month=2&createdAt__day=29", /createdAt__day.*1…28/],
      ["createdAt__year=2025&createdAt__year=2024", /given more than once/],
      ["createdAt__week=3", /unknown parameter.*createdAt__year\|month\|day/],
      ["number__year=2025", /unknown parameter/],
    ];
    for (const [q, msg] of bad) {
      expect(() => list.parseState(q), q).toThrow(ChangeListParamError);
      expect(() => list.parseState(q), q).toThrow(msg);
    }
    // a hand-built state gets the same checks
    const forged = { ...list.parseState(""), date: { year: 2025, month: 14 } } as ChangeListState;
    expect(() => list.selectionFilter(forged)).toThrow(ChangeListParamError);
    // a list without dateHierarchy refuses the parameters
    const plain = new ChangeListQuery(shop.db, shop.orders, { listFilter: ["status"] });
    expect(() => plain.parseState("createdAt__year=2025")).toThrow(/unknown parameter/);
  });

  it("refuses a dateHierarchy that is not an own date column at construction", () => {
    expect(() => new ChangeListQuery(shop.db, shop.orders, { dateHierarchy: "number" })).toThrow(ChangeListOptionsError);
    expect(() => new ChangeListQuery(shop.db, shop.orders, { dateHierarchy: "number" })).toThrow(/dateHierarchy: "number" is a string column/);
    expect(() => new ChangeListQuery(shop.db, shop.orders, { dateHierarchy: "nope" as "number" })).toThrow(/unknown column "nope"/);
  });

  it("shows no years when nothing matches (the years of the list without its search, then a pass that finds none)", async () => {
    const { view, statements: n, sql } = await bar("q=nothing-like-this");
    expect(view.choices).toEqual([]);
    // SQLite: min/max over the list without the search (the ends of the column's index, not every
    // match twice), beside a pass over the years the last bar found; PostgreSQL: one pass grouping the matches by year, beside max
    expect(n).toBe(1);
    if (engine === "postgres") expect(sql[0]).toMatch(/group by 1$/);
    else {
      expect(sql[0]).toMatch(/^select \* from \(select \(select min\("orders"\."created_at"\) from "orders"\) as "lo", .*\) as "weft_mm" cross join \(select sum\(case when .* like /i);
    }
  });

  it("takes a related search's keys from the page fetched for the same search (PostgreSQL): the customers are searched once per request", async () => {
    const seen: [string, readonly unknown[]][] = [];
    const options = { dateHierarchy: "createdAt" as const, relations: { customer: { column: shop.orders.customerId, table: shop.customers, display: shop.customers.name } }, searchFields: ["number" as const, "customer.name" as const], listDisplay: ["number" as const, "createdAt" as const] };
    const related = new ChangeListQuery(shop.db, shop.orders, options, { timeZone: "UTC", onStatement: (s, p) => seen.push([s, p]) });
    for (const q of ["q=smith", "q=ORD-0002", "q=nobody", "q=smith&createdAt__year=2025"]) {
      const state = related.parseState(q);
      const alone = (await related.dateHierarchy(state))!;
      const page = await related.fetchPage(state);
      seen.length = 0;
      // the key list the page's rows statement took is written into the bar's statement as it is,
      // not again (q=a: 48,118 ids, ~2 ms of the event loop each time)
      const inList = vi.spyOn(related.dialect, "inList");
      const withPage = (await related.dateHierarchy(state, { dense: page.capped, page }))!;
      expect(inList, q).toHaveBeenCalledTimes(0);
      inList.mockRestore();
      // the same bar; on PostgreSQL no statement of it reads the customers (their keys are a
      // parameter); SQLite searches them again (faster there than reading many keys from JSON)
      expect(withPage, q).toEqual(alone);
      expect(seen.some(([s]) => /"customers"/.test(s)), q).toBe(engine === "sqlite");
      // capped (as the view passes it): each period tested for a match along the date index, the
      // same periods, uncounted (PostgreSQL under a year: one counting pass, the same figures)
      seen.length = 0;
      const keyList = vi.spyOn(related.dialect, "inList");
      expect((await related.dateHierarchy(state, { dense: true, page }))!.choices, q).toEqual(alone.choices.map((c) => ({ ...c, count: null, capped: false })));
      // no key list: each row the test reads looks its customer up by key (a hashed list of every
      // matching customer, or a search of them, once a period cost more than the test)
      expect(keyList, q).toHaveBeenCalledTimes(0);
      keyList.mockRestore();
      expect(seen.at(-1)![0], q).toMatch(/(^|cross join \()select \(select count\(\*\) from \(select 1 from "orders" where .*\(select 1 from "customers" where "customers"\."id" = "orders"\."customer_id" and .* limit \S+\) is not null.* limit /);
      // a page of another search is not taken
      seen.length = 0;
      await related.dateHierarchy(related.parseState("q=brown"), { page });
      expect(seen.some(([s]) => /"customers"/.test(s))).toBe(true);
    }
    // orders 1 and 6 are Ann Smith's, 3 Cleo SMITHERS's
    const page = await related.fetchPage(related.parseState("q=smith"));
    expect((await related.dateHierarchy(related.parseState("q=smith"), { page }))!.choices.map((c) => [c.label, c.count])).toEqual([["2024", 1], ["2025", 1], ["2026", 1]]);
  });

  it("does not count the years of a list whose total is shown as the engine's estimate (about N): each is tested for a row along the date index", async () => {
    const seen: string[] = [];
    const big = new ChangeListQuery(shop.db, shop.orders, { dateHierarchy: "createdAt", listFilter: ["status"], listDisplay: ["number", "createdAt"], estimateTotalAbove: 0 }, { timeZone: "UTC", onStatement: (s) => seen.push(s) });
    // before the list has seen its table's size, the years are counted
    expect((await big.dateHierarchy(big.parseState("")))!.choices.map((c) => [c.label, c.count])).toEqual([["2024", 1], ["2025", 4], ["2026", 1]]);
    await shop.exec(engine === "sqlite" ? "analyze" : "analyze orders");
    const page = await big.fetchPage(big.parseState(""));
    expect(page.estimated).toBe(true);
    seen.length = 0;
    const view = (await big.dateHierarchy(big.parseState("")))!;
    expect(view.choices.map((c) => [c.label, c.count, c.capped])).toEqual([["2024", null, false], ["2025", null, false], ["2026", null, false]]);
    // the years the first bar found tested beside min/max: one statement
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/ cross join \(select \(select count\(\*\) from \(select 1 from "orders" where .* order by "orders"\."created_at" limit 1\) as "weft_b"\)/);
    expect(seen[0]).not.toMatch(/offset/);
    // a filtered list shows an exact count: its years are counted
    const filtered = (await big.dateHierarchy(big.parseState("status__exact=paid")))!;
    expect(filtered.choices.every((c) => typeof c.count === "number")).toBe(true);
  });

  it("bounds every period's count by countLimit, as the list's own count, and says so (capped)", async () => {
    const seen: string[] = [];
    const small = new ChangeListQuery(shop.db, shop.orders, { dateHierarchy: "createdAt", searchFields: ["number"], listDisplay: ["number", "createdAt"], countLimit: 2 }, { timeZone: "UTC", onStatement: (s) => seen.push(s) });
    const view = (await small.dateHierarchy(small.parseState("")))!;
    expect(view.choices.map((c) => [c.label, c.count, c.capped])).toEqual([["2024", 1, false], ["2025", 2, true], ["2026", 1, false]]);
    expect(seen[1]).toMatch(BOUNDED_RANGES);
    expect(dateHierarchyModel("/admin/o/", view)!.choices.map((c) => c.count)).toEqual(["1", "2+", "1"]);
    // a search whose page came back capped (the view passes page.capped; a search counts at
    // least 8 pages, more than these 6 rows): the list says "more than N", so the periods are not
    // counted: each is tested for its first match along the date index (`limit 1`), the search
    // tested row by row (PostgreSQL: on the top level, with no related search field or its keys
    // from the page), and the bar shows them without counts, as Django's date_hierarchy
    const state = small.parseState("q=ORD");
    seen.length = 0;
    const dense = (await small.dateHierarchy(state, { dense: true }))!;
    expect(dense.choices.map((c) => [c.label, c.count, c.capped])).toEqual([["2024", null, false], ["2025", null, false], ["2026", null, false]]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/ cross join \(select \(select count\(\*\) from \(select 1 from "orders" where .*like.* limit /i);
    const model = dateHierarchyModel("/admin/o/", dense)!;
    expect(model.choices.map((c) => [c.label, c.count])).toEqual([["2024", undefined], ["2025", undefined], ["2026", undefined]]);
    // a period without a match is not shown: q=ORD-0006 matches one order, of 2026
    const one = (await small.dateHierarchy(small.parseState("q=ORD-0006"), { dense: true }))!;
    expect(one.choices.map((c) => [c.label, c.count])).toEqual([["2026", null]]);
    // without the hint: one pass over the search's matches (the same periods, counted)
    seen.length = 0;
    const pass = (await small.dateHierarchy(state))!;
    expect(pass.choices.map((c) => [c.label, c.count, c.capped])).toEqual([["2024", 1, false], ["2025", 2, true], ["2026", 1, false]]);
    expect(seen.at(-1)).toMatch(engine === "postgres" ? /group by 1$/ : /sum\(case when/);
  });
});
