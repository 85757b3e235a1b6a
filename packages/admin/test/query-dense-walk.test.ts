// A bounded related search's count on SQLite samples the table's first 200 rows and, when at least
// a third of them match, walks the rows testing each one's related row by key, at most
// 3 × (countLimit + 1) of them, before it falls back to the count over the related keys
// (Dialect.countByKeys). Whatever the branch, the counts, caps and pages are those of an oracle,
// in 2 statements: a dense search everywhere, one dense only in the sample (more or fewer matches
// than the cap overall), one whose matches all lie past the walk's bound. On SQLite and PostgreSQL
// (which has no walk: the same figures from its own plan).
import Database from "better-sqlite3";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeListQuery } from "../src/query/index.js";
import { sqliteDialect } from "../src/query/dialect/sqlite.js";
import { denseSample } from "../src/query/related-count.js";
import { SAMPLE_ROWS } from "../src/query/plan.js";
import { ENGINES, insertChunked, NOW, openShopTables, SHOP_STATUSES, type Shop } from "./support/engines.js";

const ORDERS = 6_000;
const LIMIT = 500;
// the walk reads at most 3 × 501 = 1,503 rows: order i (1-based, inserted in that order) has customer i
const WORDS: Record<string, (i: number) => boolean> = {
  // every row: the walk finds 501 matches in 501 rows
  all: () => true,
  // the whole sample, then nothing until past the walk's bound, then more: capped, by the keys' count
  fay: (i) => i <= 200 || (i > 2_000 && i <= 2_400),
  // the sample only: 200 matches, counted exactly (the walk found fewer than the cap), keys sent back
  gus: (i) => i <= 200,
  // none in the sample: the keys' count alone, capped and exact
  hal: (i) => i > 3_000 && i <= 3_600,
  ida: (i) => i > 3_000 && i <= 3_300,
};
const nameOf = (i: number) => `${Object.keys(WORDS).filter((w) => w !== "all" && WORDS[w]!(i)).join(" ")} c${i}`;
// one order an hour, newest first by id: the list's order (-createdAt) is id ascending
const createdOf = (i: number) => new Date(NOW.getTime() - i * 3_600_000);

describe.each(ENGINES)("a bounded related search walked row by row on %s", (engine) => {
  let shop: Shop;
  let list: ChangeListQuery<any, any>;
  const seen: string[] = [];

  beforeAll(async () => {
    shop = await openShopTables(engine, SHOP_STATUSES, "admin_walk");
    await insertChunked(shop.db, shop.customers, Array.from({ length: ORDERS }, (_, k) => ({ id: k + 1, name: nameOf(k + 1), email: `c${k + 1}@all.test` })));
    const orders = Array.from({ length: ORDERS }, (_, k) => ({ id: k + 1, number: `N${k + 1}`, customerId: k + 1, status: "paid" as const, totalCents: 100, isGift: false, createdAt: createdOf(k + 1), note: null }));
    await insertChunked(shop.db, shop.orders, orders);
    await shop.exec("analyze");
    list = new ChangeListQuery(
      shop.db,
      shop.orders,
      { listDisplay: ["number", "customer"], searchFields: ["^number", "customer.name", "customer.email"], relations: { customer: { table: shop.customers, column: shop.orders.customerId, display: shop.customers.name } }, ordering: ["-createdAt"], listPerPage: 10, countLimit: LIMIT } as never,
      { now: () => NOW, onStatement: (text) => seen.push(text) },
    );
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });

  const matching = (word: string) => Array.from({ length: ORDERS }, (_, k) => k + 1).filter(WORDS[word]!);

  it.each(Object.keys(WORDS))("q=%s: the oracle's count, cap and pages, in 2 statements", async (word) => {
    const ids = matching(word);
    const state = list.parseState(`q=${word}`);
    expect(await list.countMatching(state)).toBe(ids.length);
    const capped = ids.length > LIMIT;
    for (const p of [1, 3]) {
      seen.length = 0;
      const page = await list.fetchPage(list.parseState(`q=${word}&p=${p}`));
      expect(seen).toHaveLength(2);
      expect(page).toMatchObject({ capped, total: capped ? LIMIT : ids.length, page: p });
      expect(page.rows.map((r) => r.pk)).toEqual(ids.slice((p - 1) * 10, p * 10));
    }
    if (engine === "sqlite") expect(seen[0]).toMatch(/limit 200\) as "orders" where/);
  });

  it("two words, one dense and one sparse: the oracle's count (the sample decides on both together)", async () => {
    const ids = matching("gus");
    seen.length = 0;
    const page = await list.fetchPage(list.parseState("q=all+gus"));
    expect(page).toMatchObject({ capped: false, total: ids.length });
    expect(page.rows.map((r) => r.pk)).toEqual(ids.slice(0, 10));
    expect(seen).toHaveLength(2);
  });
});

describe("SQLite's countByKeys: which count answers", () => {
  // rows 1…n of t, `hit` where `hits(i)`; the walk counts hits among the first rows, `few` says -1
  const countOf = (n: number, hits: (i: number) => boolean, atMost: number) => {
    const sqlite = new Database(":memory:");
    sqlite.exec("create table t (id integer primary key, hit integer not null)");
    const insert = sqlite.prepare("insert into t values (?, ?)");
    for (let i = 1; i <= n; i++) insert.run(i, hits(i) ? 1 : 0);
    const count = (rows: number, stopAt?: number) => sql.raw(`select count(*) from (select 1 from (select * from t limit ${rows}) as t where hit = 1${stopAt === undefined ? "" : ` limit ${stopAt + 1}`})`);
    const walk = { atMost, count, dense: denseSample(count(SAMPLE_ROWS)) };
    const counted = sqliteDialect.countByKeys([], sql`select -1`, () => sql`select -2`, walk);
    const n0 = (drizzle(sqlite).all(sql`select (${counted}) as n`) as { n: number }[])[0]!.n;
    sqlite.close();
    return n0;
  };

  it("a dense sample and more than atMost matches within the walk: the walk's count (atMost + 1)", () => {
    expect(countOf(2_000, () => true, 100)).toBe(101);
    expect(countOf(2_000, (i) => i % 2 === 0, 100)).toBe(101);
  });
  it("a sparse sample (under a third of the first 200 rows): the keys' count, without a walk", () => {
    expect(countOf(2_000, (i) => i % 4 === 0, 100)).toBe(-1);
    expect(countOf(2_000, (i) => i > 500, 100)).toBe(-1);
  });
  it("a dense sample but no more than atMost matches in 3 × (atMost + 1) rows: the keys' count", () => {
    expect(countOf(2_000, (i) => i <= 200, 300)).toBe(-1);
    expect(countOf(2_000, (i) => i <= 200 || i > 1_000, 300)).toBe(-1);
  });
  it("no walk without a bound, nor past a bound of 20,000 (a deep page): the keys' count alone", () => {
    const few = sql`select -1`;
    expect(sqliteDialect.countByKeys([], few, () => sql`select -2`)).toBe(few);
    const walk = { atMost: 20_001, count: () => sql`select 0`, dense: sql`1` };
    expect(sqliteDialect.countByKeys([], few, () => sql`select -2`, walk)).toBe(few);
    expect(sqliteDialect.countByKeys([], few, () => sql`select -2`, { ...walk, atMost: 20_000 })).not.toBe(few);
  });
});
