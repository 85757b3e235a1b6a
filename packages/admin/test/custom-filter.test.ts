/**
 * Custom list filters (Django's `SimpleListFilter`) on a real SQLite file and a real PostgreSQL
 * database: the sidebar choices,
 * the filtered rows against a JavaScript oracle, the URL round trip, refused parameters and
 * options, and still two statements per page.
 */
import { gte, lt } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeListOptionsError, ChangeListParamError, ChangeListQuery, type ListFilterClass } from "../src/query/index.js";
import { SHOP_DDL, shopTablesOn } from "./query-schema.js";
import { ENGINES, insertChunked, openEngine, type EngineDb } from "./support/engines.js";

const NOW = new Date(Date.UTC(2025, 5, 15, 12));
describe.each(ENGINES)("%s", (engine) => {
  const { orders } = shopTablesOn(engine, ["paid", "shipped"] as const);
  const seen: { now: Date | undefined; value: string }[] = [];
  const size: ListFilterClass = {
    title: "Big orders",
    parameterName: "size",
    lookups: () => [
      ["big", "€500 and more"],
      ["small", "Under €50"],
      ["any", "Any (no filtering)"],
    ],
    queryset: (ctx, value) => {
      seen.push({ now: ctx.now, value });
      return value === "big" ? gte(orders.totalCents, 50_000) : value === "small" ? lt(orders.totalCents, 5_000) : undefined;
    },
  };

  let e: EngineDb;
  let list: ChangeListQuery<typeof orders, Record<never, never>>;
  const totals = Array.from({ length: 120 }, (_, i) => (i * 937) % 100_000);

  beforeAll(async () => {
    e = await openEngine(engine, SHOP_DDL, "admin_custom_filter");
    await insertChunked(e.db, orders, totals.map((t, i) => ({ id: i + 1, number: `ORD-${i + 1}`, customerId: null, status: i % 2 ? "paid" : "shipped", totalCents: t, createdAt: new Date(NOW.getTime() - i * 3_600_000), isGift: false, note: null })));
    list = new ChangeListQuery(e.db, orders, { adminName: "OrderAdmin", listFilter: ["status", size], listPerPage: 500 }, { now: () => NOW });
  }, 60_000);
  afterAll(() => e?.close());

  describe("custom list filters", () => {
    it("filters with queryset(ctx, value), combined with built-in filters, in 2 statements", async () => {
      for (const [qs, keep] of [
        ["size=big", (t: number) => t >= 50_000],
        ["size=small", (t: number) => t < 5_000],
        ["size=any", () => true],
      ] as const) {
        list.resetStatementCount();
        const page = await list.fetchPage(list.parseState(qs));
        expect(page.total, qs).toBe(totals.filter(keep).length);
        expect(page.rows.every((r) => keep(Number(r.record.totalCents))), qs).toBe(true);
        expect(list.statementCount, qs).toBe(2);
      }
      const both = await list.fetchPage(list.parseState("status__exact=paid&size=big"));
      expect(both.total).toBe(totals.filter((t, i) => t >= 50_000 && i % 2 === 1).length);
      expect(seen.at(-1)).toEqual({ now: NOW, value: "big" });
    });

    it("round-trips through the URL and shows its lookups in the sidebar", async () => {
      const state = list.parseState("size=big&status__exact=paid&p=1");
      expect(list.toSearchParams(state).toString()).toBe("status__exact=paid&size=big");
      expect(list.parseState(list.toSearchParams(state))).toEqual(state);
      const views = await list.filterChoices(state);
      const v = views.find((f) => f.field === "size")!;
      expect(v.title).toBe("Big orders");
      expect(v.choices.map((c) => [c.label, c.selected])).toEqual([
        ["All", false],
        ["€500 and more", true],
        ["Under €50", false],
        ["Any (no filtering)", false],
      ]);
      expect(v.choices[0].query).toBe("status__exact=paid");
      expect(v.choices[2].query).toBe("status__exact=paid&size=small");
      expect(list.withFilter(state, "size", null).filters).toEqual({ status: { lookup: "exact", value: "paid" } });
    });

    it("refuses values outside lookups and other lookups, naming the parameter", () => {
      for (const [qs, msg] of [
        ["size=huge", /expected one of big, small, any/],
        ["size__exact=big", /unknown parameter \(allowed: .*size/],
        ["size=big&size=small", /more than once/],
      ] as const) {
        expect(() => list.parseState(qs), qs).toThrow(ChangeListParamError);
        expect(() => list.parseState(qs), qs).toThrow(msg);
      }
    });

    it("refuses bad filter objects when the admin is built", () => {
      const build = (f: Partial<ListFilterClass>) => () =>
        new ChangeListQuery(e.db, orders, { adminName: "OrderAdmin", listFilter: [{ ...size, ...f } as ListFilterClass] });
      expect(build({ parameterName: "q" })).toThrow(ChangeListOptionsError);
      expect(build({ parameterName: "q" })).toThrow(/reserved/);
      expect(build({ parameterName: "a__b" })).toThrow(/parameterName/);
      expect(build({ lookups: () => [] })).toThrow(/non-empty array/);
      expect(build({ lookups: () => [["a", "A"], ["a", "B"]] })).toThrow(/duplicate value "a"/);
      expect(() => new ChangeListQuery(e.db, orders, { listFilter: [size, size] })).toThrow(/duplicate filter on "size"/);
    });
  });
});
