// estimateTotalAbove (as Django's show_full_result_count = False): an unfiltered change list of
// a large table shows the engine's estimate ("about N"); SQLite via sqlite_stat1 (exact before
// ANALYZE), PostgreSQL via pg_class.reltuples; filtered lists stay exact; still 2 statements.
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { integer as pgInteger, pgTable, text as pgText } from "drizzle-orm/pg-core";
import { beforeAll, describe, expect, it } from "vitest";
import { usePgPool } from "./support/pg-pool.js";
import { ChangeListQuery, dialectOf, EMPTY_STATE } from "../src/query/index.js";
import { ESTIMATE_TTL_MS } from "../src/query/table-rows.js";
import { shopTables } from "./query-schema.js";

const { orders } = shopTables(["pending", "paid"] as const);

describe("estimateTotalAbove on SQLite", () => {
  const sqlite = new Database(":memory:");
  sqlite.exec("create table orders (id integer primary key, number text not null, customer_id integer, status text not null, total_cents integer not null, created_at integer not null, is_gift integer not null, note text); create index orders_status on orders(status)");
  const add = sqlite.prepare("insert into orders (number, status, total_cents, created_at, is_gift) values (?, ?, 0, 0, 0)");
  for (let i = 0; i < 500; i++) add.run(`N${i}`, i % 2 ? "paid" : "pending");
  let clock = 1_000_000;
  const sql: string[] = [];
  const query = new ChangeListQuery(drizzle(sqlite), orders, { listFilter: ["status"], searchFields: ["number"], estimateTotalAbove: 100, listPerPage: 10 }, { now: () => new Date(clock), onStatement: (s) => sql.push(s) });

  it("counts exactly while the table has no statistics (and says so)", async () => {
    const page = await query.fetchPage(EMPTY_STATE);
    expect(page).toMatchObject({ total: 500, estimated: false, pages: 50 });
  });

  it("shows the ANALYZE estimate of an unfiltered list once there is one, in 2 statements", async () => {
    sqlite.exec("analyze");
    for (let i = 500; i < 520; i++) add.run(`N${i}`, "paid");
    clock += 61_000; // statistics are looked for again a minute after they were missing
    sql.length = 0;
    const page = await query.fetchPage(EMPTY_STATE);
    expect(page).toMatchObject({ total: 500, estimated: true });
    expect(sql).toHaveLength(2);
    // filtered or searched: exact
    expect(await query.fetchPage(query.parseState("status__exact=paid"))).toMatchObject({ total: 270, estimated: false });
    expect(await query.fetchPage(query.parseState("q=N51"))).toMatchObject({ total: 11, estimated: false });
  });

  it("reuses the estimate for ESTIMATE_TTL_MS (an unfiltered page in 1 statement), then reads the new one after an ANALYZE", async () => {
    sql.length = 0;
    expect(await query.fetchPage(EMPTY_STATE)).toMatchObject({ total: 500, estimated: true });
    expect(sql).toHaveLength(1);
    expect(sql[0]).not.toMatch(/sqlite_stat1/);
    sqlite.exec("analyze");
    clock += ESTIMATE_TTL_MS - 1;
    expect(await query.fetchPage(EMPTY_STATE)).toMatchObject({ total: 500, estimated: true });
    clock += 1;
    sql.length = 0;
    expect(await query.fetchPage(EMPTY_STATE)).toMatchObject({ total: 520, estimated: true });
    expect(sql).toHaveLength(2);
    // an exact count (no statistics under the threshold) is never reused
    const small = new ChangeListQuery(drizzle(sqlite), orders, { estimateTotalAbove: 10_000 }, { now: () => new Date(clock), onStatement: (s) => sql.push(s) });
    await small.fetchPage(EMPTY_STATE);
    add.run("N520", "paid");
    expect(await small.fetchPage(EMPTY_STATE)).toMatchObject({ total: 521, estimated: false });
    sqlite.prepare("delete from orders where number = 'N520'").run();
  });

  it("the unfiltered total next to a filtered list (fullCount) is the estimate too, cached", async () => {
    const { fullCount, forgetFullCount } = await import("../src/changelist/totals.js");
    clock += ESTIMATE_TTL_MS;
    sql.length = 0;
    expect(await fullCount(drizzle(sqlite), query, 5_000)).toMatchObject({ n: 520, estimated: true });
    expect(sql).toHaveLength(1);
    expect(sql[0]).toMatch(/sqlite_stat1/);
    expect(await fullCount(drizzle(sqlite), query, 6_000)).toMatchObject({ n: 520, estimated: true });
    expect(sql).toHaveLength(1);
    forgetFullCount(query);
    // without estimateTotalAbove: exact
    const exact = new ChangeListQuery(drizzle(sqlite), orders, { listFilter: ["status"] });
    expect(await fullCount(drizzle(sqlite), exact)).toMatchObject({ n: 520, estimated: false });
  });

  it("counts exactly below the threshold", async () => {
    const small = new ChangeListQuery(drizzle(sqlite), orders, { estimateTotalAbove: 10_000 });
    expect(await small.fetchPage(EMPTY_STATE)).toMatchObject({ total: 520, estimated: false });
  });

  it("refuses a threshold that is not a row count", () => {
    expect(() => new ChangeListQuery(drizzle(sqlite), orders, { estimateTotalAbove: -1 })).toThrow(/estimateTotalAbove/);
  });
});


describe("the PostgreSQL estimate (pg_class.reltuples)", () => {
  const testPg = usePgPool("estimate", 2);
  const items = pgTable("items", { id: pgInteger("id").primaryKey(), label: pgText("label") });
  beforeAll(async () => {
    await testPg.pool.query("create table items (id integer primary key, label text); insert into items select i, 'x' from generate_series(1, 3000) i");
  });

  it("is exact before ANALYZE, the estimate after, exact below the threshold", async () => {
    const db = drizzlePg({ client: testPg.pool });
    const d = dialectOf(db);
    const run = async (above: number) => (await d.all<{ n: string | number; estimated: boolean }>(db, d.estimateRows(items, above)))[0]!;
    expect(await run(100)).toMatchObject({ estimated: false });
    expect(Number((await run(100)).n)).toBe(3000);
    await testPg.pool.query("insert into items select i, 'y' from generate_series(3001, 3100) i; analyze items");
    await testPg.pool.query("insert into items select i, 'z' from generate_series(3101, 3200) i");
    const est = await run(100);
    expect(est.estimated).toBe(true);
    expect(Number(est.n)).toBe(3100);
    expect(await run(1_000_000)).toMatchObject({ estimated: false });
    expect(Number((await run(1_000_000)).n)).toBe(3200);
  });
});
