/**
 * The change-list data layer's statements (2 per page, bound parameters, pages found from the
 * end), URL state round trips, rows, "all matching" selections and fetchByIds, on a real SQLite
 * file and a real PostgreSQL database (fixture and oracle: support/query-shop.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { count, eq, lt } from "drizzle-orm";
import { ChangeListParamError, ChangeListQuery, countStatements, EMPTY_STATE, type ChangeListState, type FilterSelection } from "../src/query/index.js";
import { qb, withTransaction } from "../src/query/dialect/index.js";
import { ENGINES } from "./support/engines.js";
import { cs, NOW, useQueryShop, os, sortOracle, STATUSES, type List, type QueryShop } from "./support/query-shop.js";

describe.each(ENGINES)("%s", (engine) => {
  const suite = useQueryShop(engine);
  const { state } = suite;
  let shop: QueryShop, cl: List;
  beforeAll(() => void ({ shop, cl } = suite));

  describe("statement count", () => {
    const STATES = [
      "",
      "p=37",
      "sort=customer",
      "sort=-customer.email&p=20",
      "status__exact=paid",
      "createdAt__range=this_year&isGift__exact=1",
      "customerId__exact=7",
      "q=smith",
      "q=ann+smith&status__exact=paid&sort=customer",
      "p=9999",
    ];

    it("is constant: 2 per page (count + rows), the same for 5 rows as for 50 with related columns", async () => {
      const small = shop.makeList({ listPerPage: 5 });
      const big = shop.makeList({ listPerPage: 50 });
      const counter = countStatements(shop.db);
      try {
        for (const qs of STATES) {
          for (const list of [small, big]) {
            counter.reset();
            list.resetStatementCount();
            const page = (await list.fetchPage(list.parseState(qs)));
            expect(page.rows.length).toBeGreaterThan(0);
            expect(page.rows.length).toBeLessThanOrEqual(list.config.listPerPage);
            expect(counter.count, `${qs} (${list.config.listPerPage} per page)`).toBe(2);
            expect(list.statementCount).toBe(2);
            // the count never joins; the rows statement has its joins
            // a searched or filtered count is bounded (countLimit): count(*) over a limited subquery
            // (PostgreSQL, a related search: `case when` the CTE's keys are many `then` the count testing them row by row `else` the same through the index: query-dense-search.test.ts;
            // for one word, after `case when` the keys' own rows are past the bound: query-related-bound.test.ts;
            // one word over one relation: the keys' own rows plus the own fields' matches outside them: query-search-branches.test.ts)
            // SQLite: a sample of 200 rows, then maybe a bounded walk row by row, else the count through the keys: query-dense-walk.test.ts
            expect(counter.statements[0]).toMatch(/"weft_kn"\("k"\) as materialized \(select count\(\*\) from \(select 1 from "weft_m0" as "weft_k" cross join lateral .*\), "weft_n"\("n", "b"\) as materialized \(select \(select case when "k" > \d+ then \d+ else least\("k" \+ \(select count\(\*\) from \(select 1 from "orders" .*limit \d+\) as "weft_c"\), \d+\) end from "weft_kn"\), \d+\) select "n", "b", \(select "k" from "weft_kn"\) as "kn"|"weft_kn"\("k"\) as materialized .* select "n", "b", \(select "k" from "weft_kn"\) as "kn"|"weft_n"\("n", "b"\) as materialized \(select \(with "weft_w"\("b"\) as materialized \(select case when \(select count\(\*\) from \(select \* from "orders" limit 200\) as "orders" where .* then \(select count\(\*\) from \(select 1 from \(select \* from "orders" limit \d+\) as "orders" where .*limit \d+\) as "weft_c"\) else 0 end\) select case when "b" > \d+ then "b" else \(select count\(\*\) from \(select 1 from "orders" .*limit \d+\) as "weft_c"\) end from "weft_w"\), \d+\) select "n", "b"|"weft_n"\("n", "b"\) as materialized \(select \((case when \(select count\(\*\) from \(select 1 from "weft_m0" as "weft_k" cross join lateral \(select 1 from "orders" where "orders"\."customer_id" = "weft_k"\."k".* then \d+ else \()?case when \(select count\(\*\) from "weft_m0"\) > 5000( and .*)? then \(select count\(\*\) from \(select 1 from "orders" .*limit \d+\) as "weft_c"\) else \(select count.* end\), \d+\) select "n", "b"|"weft_n"\("n", "b"\) as materialized \(select \(select count\(\*\) from \(select 1 from "orders" .*limit \d+\) as "weft_c"\), \d+\) select "n", "b"|^select count\(\*\) from \(select 1 as "one" from "orders" .*limit (\?|\$\d+)\) "weft_c"|^select count\(\*\) from "orders"/);
            // (the one-word bound's `cross join lateral` joins the CTE's keys to the own table, no related table)
            expect(counter.statements[0]).not.toMatch(/(left|inner) join/);
            expect(counter.statements[1]).toMatch(/left join "customers" "customer_rel"/);
            // a related search field reads the related table once per page: in the count
            // statement's materialized CTE; the rows statement gets the keys as one parameter
            if (qs.includes("q=")) {
              expect(counter.statements[0]).toMatch(/^with "weft_m0"\("k"\) as materialized \(select "id" from "customers" where/);
              expect(counter.statements[1]).not.toMatch(/from "customers" where/);
              // the keys as one parameter: SQLite's json_each(?), PostgreSQL's = any($n) (sorted) or, walked, unnest($n) probed row by row
              expect(counter.statements[1]).toMatch(engine === "sqlite" ? /in \(select value from json_each\(\?\)\)/ : /= any\(\$\d+\)|in \(select unnest\(\$\d+::integer\[\]\)\)/);
            }
          }
        }
        // related values are really there, from the join
        const row = (await big.fetchPage(big.parseState("customerId__exact=7"))).rows[0];
        expect(row.values.customer).toBe(cs[6].name);
        counter.reset();
        expect((await big.fetchPage(big.parseState("q=zzzz-nothing"))).total).toBe(0);
        expect(counter.count).toBe(1);
        counter.reset();
        expect((await big.fetchByIds(Array.from({ length: 500 }, (_, i) => i + 1)))).toHaveLength(500);
        expect(counter.count).toBe(1);
      } finally {
        counter.restore();
      }
    });

    it("pages in the second half are found from the end (reversed inner order, small offset)", async () => {
      const seen: [string, readonly unknown[]][] = [];
      const list = new ChangeListQuery(shop.db, shop.orders, shop.options, { now: () => NOW, onStatement: (s, p) => seen.push([s, p]) });
      const last = (await list.fetchPage({ ...EMPTY_STATE, page: 80 }));
      expect(last.rows.map((r) => r.pk)).toEqual(sortOracle(engine, os, [{ field: "createdAt", desc: true }]).slice(-50));
      const [sqlText, params] = seen[1];
      // drizzle leaves out "offset 0"
      expect(sqlText).toMatch(/order by "orders"\."created_at" asc, "orders"\."id" asc limit (\?|\$1)\) order by "orders"\."created_at" desc/);
      expect(params).toEqual([50]);
    });

    it("onStatement sees each statement with its bound parameters", async () => {
      const seen: [string, readonly unknown[]][] = [];
      const list = new ChangeListQuery(shop.db, shop.orders, shop.options, { now: () => NOW, onStatement: (s, p) => seen.push([s, p]) });
      (await list.fetchPage(list.parseState(`q=${encodeURIComponent("100% pure")}`)));
      expect(seen).toHaveLength(2);
      expect(seen[0][1]).toEqual(expect.arrayContaining(["%100\\%%", "%pure%"]));
      seen.length = 0;
      // nothing matches: the count alone; the text is a bound parameter, never SQL
      (await list.fetchPage(list.parseState(`q=${encodeURIComponent(`"'; DROP TABLE x"`)}`)));
      expect(seen).toHaveLength(1);
      expect(seen[0][0]).not.toContain("DROP");
      expect(seen[0][1]).toEqual(expect.arrayContaining(["%'; DROP TABLE x%"]));
    });
  });

  describe("URL state round trip", () => {
    it.each([
      "",
      "q=ann+smith",
      "q=%22new+york%22+deli",
      "sort=-customer,totalCents",
      "o=1.-4",
      "status__exact=paid&isGift__exact=0&createdAt__range=past_7_days&customerId__exact=12",
      "customerId__isnull=1&p=3",
      "p=1",
      "customerId__exact=007",
    ])("toSearchParams(parseState(%j)) parses back to the same state", (qs) => {
      const s = cl.parseState(qs);
      const back = cl.toSearchParams(s);
      expect(cl.parseState(back)).toEqual(s);
      expect(cl.toSearchParams(cl.parseState(back)).toString()).toBe(back.toString());
    });

    it("writes canonical, minimal URLs", async () => {
      expect(cl.toSearchParams(EMPTY_STATE).toString()).toBe("");
      expect(cl.toSearchParams(state("p=2&o=1.-4&customerId__exact=007&status__exact=paid")).toString()).toBe(
        "status__exact=paid&customerId__exact=7&sort=customer%2C-totalCents&p=2",
      );
      expect(cl.parseState("?q=x").q).toBe("x");
    });

    it("holds for any valid state (property)", async () => {
      const filter = fc.record(
        {
          status: fc.constantFrom(...STATUSES).map((value): FilterSelection => ({ lookup: "exact", value })),
          isGift: fc.constantFrom("0", "1").map((value): FilterSelection => ({ lookup: "exact", value })),
          createdAt: fc
            .constantFrom("today", "past_7_days", "this_month", "this_year" as const)
            .map((value): FilterSelection => ({ lookup: "range", value })),
          customerId: fc.oneof(
            fc.integer({ min: -5, max: 10_000_000 }).map((n): FilterSelection => ({ lookup: "exact", value: String(n) })),
            fc.boolean().map((value): FilterSelection => ({ lookup: "isnull", value })),
          ),
        },
        { requiredKeys: [] },
      );
      const sortable = [...cl.config.sortable.keys()];
      const arb = fc.record({
        q: fc.string({ maxLength: 40, unit: "grapheme" }).map((q) => (q.trim() === "" ? "" : q)),
        sort: fc.uniqueArray(fc.constantFrom(...sortable), { maxLength: 4 }).chain((fields) =>
          fc.tuple(...fields.map((f) => fc.boolean().map((d) => ({ field: f, desc: d })))),
        ),
        filters: filter,
        page: fc.integer({ min: 1, max: 100_000 }),
      });
      fc.assert(
        fc.property(arb, (raw) => {
          const s = { ...raw, filters: cl.parseState(cl.toSearchParams({ ...EMPTY_STATE, filters: raw.filters })).filters } as ChangeListState;
          expect(cl.parseState(cl.toSearchParams(s))).toEqual(s);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe("rows, selection, fetchByIds", () => {
    it("rows carry pk, listDisplay values (related, computed), and the record", async () => {
      const [row] = (await cl.fetchPage(state("customerId__exact=1"))).rows;
      const o = os.find((x) => x.customerId === 1)!;
      expect(row.pk).toBe(o.id);
      expect(row.values).toEqual({
        number: o.number,
        customer: "100% Pure",
        "customer.email": "pure@example.com",
        status: o.status,
        totalCents: o.totalCents,
        createdAt: new Date(o.createdAt),
        euros: o.totalCents / 100,
        vip: "★",
      });
      expect(row.record).toMatchObject({ id: o.id, isGift: o.isGift, note: o.note, "customer.isVip": true });
      // no customer / a dangling customer: related values are null, the row stays
      const orphan = (await cl.fetchPage(state("customerId__exact=99999"))).rows[0];
      expect(orphan.values).toMatchObject({ customer: null, "customer.email": null, vip: "" });
    });

    it("selectionFilter is the WHERE of 'select all N matching', usable in other statements", async () => {
      expect(cl.selectionFilter(EMPTY_STATE)).toBeUndefined();
      const s = state("q=smith&status__exact=paid");
      const total = (await cl.fetchPage(s)).total;
      expect(total).toBeGreaterThan(0);
      const [{ n }] = await qb(shop.db).select({ n: count() }).from(shop.orders).where(cl.selectionFilter(s));
      expect(n).toBe(total);
      // an update of the selection, in a transaction rolled back
      const rollback = new Error("rollback");
      await expect(
        withTransaction(shop.db, async (tx) => {
          const res = await tx.update(shop.orders).set({ note: "touched" }).where(cl.selectionFilter(s)).returning({ id: shop.orders.id });
          expect(res).toHaveLength(total);
          throw rollback;
        }),
      ).rejects.toBe(rollback);
      const [{ touched }] = await qb(shop.db).select({ touched: count() }).from(shop.orders).where(eq(shop.orders.note, "touched"));
      expect(touched).toBe(0);
    });

    it("fetchByIds returns those rows in the default order, in one statement", async () => {
      const rows = (await cl.fetchByIds([3, "17", 99_999, 11]));
      expect(rows.map((r) => r.pk)).toEqual(sortOracle(engine, os.filter((o) => [3, 17, 11].includes(o.id)), [{ field: "createdAt", desc: true }]));
      expect(rows.find((r) => r.pk === 3)?.values.customer).toBe("under_score");
      expect((await cl.fetchByIds([]))).toEqual([]);
      expect(await cl.fetchByIds([2 ** 40, 3])).toHaveLength(1); // a key past the column's type is no row
      // past 5,000 keys PostgreSQL takes them as in (select unnest($n::integer[])): the same rows
      const many = [2 ** 40, ...Array.from({ length: 6000 }, (_, i) => i + 1)];
      expect((await cl.fetchByIds(many)).map((r) => r.pk)).toEqual(sortOracle(engine, os.filter((o) => o.id <= 6000), [{ field: "createdAt", desc: true }]));
      await expect(cl.fetchByIds(["1; drop table orders"])).rejects.toThrow(ChangeListParamError);
      await expect(cl.fetchByIds([1.5])).rejects.toThrow(ChangeListParamError);
      await expect(cl.fetchByIds([{}])).rejects.toThrow(ChangeListParamError);
    });

    it("scopes every count, page and selection to state.scope (getQueryset), which never reaches the URL", async () => {
      const scope = lt(shop.orders.id, 101);
      const s = { ...state("status__exact=paid"), scope };
      const page = (await cl.fetchPage(s));
      expect(page.total).toBe(os.filter((o) => o.id < 101 && o.status === "paid").length);
      expect(page.rows.every((r) => (r.pk as number) < 101)).toBe(true);
      const [{ n }] = await qb(shop.db).select({ n: count() }).from(shop.orders).where(cl.selectionFilter(s));
      expect(n).toBe(page.total);
      expect(cl.toSearchParams(s).toString()).toBe("status__exact=paid");
    });
  });
});
