// migrateSearchIndexes on real engines: SQLite FTS5 trigram tables kept in sync by triggers,
// PostgreSQL pg_trgm GIN indexes used by ILIKE; idempotent; clear errors.
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { usePgPool } from "./support/pg-pool.js";
import { migrateSearchIndexes, trigramIndexName } from "../src/migrate/index.js";

const spec = { table: "orders", column: "number", key: "id" };
const fts = trigramIndexName(spec);

describe("trigram indexes on SQLite", () => {
  const sqlite = new Database(":memory:");
  const db = drizzle(sqlite);
  sqlite.exec("create table orders (id integer primary key, number text, note text)");
  const insert = sqlite.prepare("insert into orders (id, number) values (?, ?)");
  for (let i = 1; i <= 50; i++) insert.run(i, `ORD-${String(i).padStart(4, "0")}`);
  const match = (word: string) => sqlite.prepare(`select rowid from "${fts}" where "${fts}" match ? order by rowid`).pluck().all(`"${word.replace(/"/g, '""')}"`);

  it("builds the index over existing rows, once", async () => {
    expect(await migrateSearchIndexes(db, [spec, { ...spec }])).toEqual([fts]);
    expect(match("0042")).toEqual([42]);
    expect(match("ord-004")).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    expect(await migrateSearchIndexes(db, [spec])).toEqual([]);
  });

  it("follows inserts, updates of the column or key, and deletes", () => {
    insert.run(100, "NEW-9999");
    expect(match("9999")).toEqual([100]);
    sqlite.prepare("update orders set number = 'CHG-7777' where id = 100").run();
    expect(match("9999")).toEqual([]);
    expect(match("7777")).toEqual([100]);
    sqlite.prepare("update orders set id = 101 where id = 100").run();
    expect(match("7777")).toEqual([101]);
    // an update of another column leaves the index alone
    sqlite.prepare("update orders set note = 'x' where id = 101").run();
    expect(match("7777")).toEqual([101]);
    sqlite.prepare("update orders set number = null where id = 101").run();
    expect(match("7777")).toEqual([]);
    sqlite.prepare("delete from orders where id between 40 and 49").run();
    expect(match("ord-004")).toEqual([]);
    // the FTS5 integrity check compares the index with the table
    expect(() => sqlite.prepare(`insert into "${fts}"("${fts}", rank) values ('integrity-check', 1)`).run()).not.toThrow();
  });

  it("puts back a dropped trigger and rebuilds", async () => {
    sqlite.exec(`drop trigger "${fts}_ai"`);
    insert.run(200, "LOST-1234");
    expect(match("1234")).toEqual([]);
    expect(await migrateSearchIndexes(db, [spec])).toEqual([fts]);
    expect(match("1234")).toEqual([200]);
  });

  it("refuses an unknown column with a clear error, creating nothing", async () => {
    await expect(migrateSearchIndexes(db, [{ table: "orders", column: "nope", key: "id" }])).rejects.toMatchObject({ code: "WEFT_ADMIN_ERR_MIGRATE", message: expect.stringContaining("orders.nope") });
    expect(sqlite.prepare("select count(*) from sqlite_master where name like 'weft_trgm_orders_nope%'").pluck().get()).toBe(0);
  });

  it("names long indexes within PostgreSQL's 63 bytes", () => {
    const long = trigramIndexName({ table: "t".repeat(60), column: "c" });
    expect(long).toMatch(/^weft_trgm_[0-9a-f]{16}$/);
  });
});


describe("trigram indexes on PostgreSQL", () => {
  const testPg = usePgPool("trigram", 3);
  beforeAll(async () => {
    await testPg.pool.query("create table orders (id integer primary key, number text)");
    await testPg.pool.query("insert into orders select i, 'ORD-' || lpad(i::text, 6, '0') from generate_series(1, 20000) i");
    await testPg.pool.query("analyze orders");
  });

  it("creates pg_trgm and a GIN index that ILIKE uses, once, from processes starting together", async () => {
    const made = await Promise.all([0, 1].map(() => migrateSearchIndexes(drizzlePg({ client: testPg.pool }), [spec])));
    expect(made.flat()).toEqual([fts]);
    const plan = (await testPg.pool.query(`explain select id from orders where number ilike '%012345%'`)).rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(plan).toContain(fts);
    expect((await testPg.pool.query(`select id from orders where number ilike '%012345%'`)).rows).toEqual([{ id: 12345 }]);
    expect(await migrateSearchIndexes(drizzlePg({ client: testPg.pool }), [spec])).toEqual([]);
  });

  it("builds an index that takes longer than the pool's statement_timeout (the admin's query budget), which still holds after", async () => {
    await testPg.pool.query("create table big (id integer primary key, label text)");
    await testPg.pool.query("insert into big select i, md5(i::text) from generate_series(1, 60000) i");
    // a budget no GIN build over 60,000 rows fits in
    const tight = new pg.Pool({ connectionString: testPg.url, max: 1, statement_timeout: 5 });
    tight.on("error", () => {});
    try {
      await expect(tight.query("create index big_probe on big using gin (label gin_trgm_ops)")).rejects.toThrow(/statement timeout/);
      const big = { table: "big", column: "label", key: "id" };
      expect(await migrateSearchIndexes(drizzlePg({ client: tight }), [big])).toEqual([trigramIndexName(big)]);
      // the budget is back for every other statement on that connection
      await expect(tight.query("select pg_sleep(0.2)")).rejects.toThrow(/statement timeout/);
    } finally {
      await tight.end();
    }
  });
});
