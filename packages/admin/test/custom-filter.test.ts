/**
 * Custom list filters (Django's `SimpleListFilter`) on a real SQLite file: the sidebar choices,
 * the filtered rows against a JavaScript oracle, the URL round trip, refused parameters and
 * options, and still two statements per page.
 */
import Database from "better-sqlite3";
import { gte, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeListOptionsError, ChangeListParamError, ChangeListQuery, type ListFilterClass } from "../src/query/index.js";
import { shopTables } from "./query-schema.js";

const { orders } = shopTables(["paid", "shipped"] as const);
const NOW = new Date(Date.UTC(2025, 5, 15, 12));
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

let dir: string;
let sqlite: Database.Database;
let list: ChangeListQuery<typeof orders, Record<never, never>>;
const totals = Array.from({ length: 120 }, (_, i) => (i * 937) % 100_000);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "weft-custom-filter-"));
  sqlite = new Database(join(dir, "test.db"));
  sqlite.exec(`create table orders (id integer primary key, number text not null, customer_id integer, status text not null,
    total_cents integer not null, created_at integer not null, is_gift integer not null, note text)`);
  const ins = sqlite.prepare("insert into orders values (?, ?, null, ?, ?, ?, 0, null)");
  totals.forEach((t, i) => ins.run(i + 1, `ORD-${i + 1}`, i % 2 ? "paid" : "shipped", t, NOW.getTime() - i * 3_600_000));
  list = new ChangeListQuery(drizzle(sqlite), orders, { adminName: "OrderAdmin", listFilter: ["status", size], listPerPage: 500 }, { now: () => NOW });
});
afterAll(() => {
  sqlite?.close();
  rmSync(dir, { recursive: true, force: true });
});

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
      new ChangeListQuery(drizzle(sqlite), orders, { adminName: "OrderAdmin", listFilter: [{ ...size, ...f } as ListFilterClass] });
    expect(build({ parameterName: "q" })).toThrow(ChangeListOptionsError);
    expect(build({ parameterName: "q" })).toThrow(/reserved/);
    expect(build({ parameterName: "a__b" })).toThrow(/parameterName/);
    expect(build({ lookups: () => [] })).toThrow(/non-empty array/);
    expect(build({ lookups: () => [["a", "A"], ["a", "B"]] })).toThrow(/duplicate value "a"/);
    expect(() => new ChangeListQuery(drizzle(sqlite), orders, { listFilter: [size, size] })).toThrow(/duplicate filter on "size"/);
  });
});
