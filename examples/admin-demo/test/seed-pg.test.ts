// The demo database on real PostgreSQL (a database of its own per test, @weft/admin/testing):
// migrations, the COPY seed writing exactly the rows the SQLite seed writes, all or nothing,
// idempotent, and the identity sequences moved past the seeded ids.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@weft/admin/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/open.js";
import { ensureSeededPostgres } from "../src/db/seed-cli.js";
import { seed, type SeedOptions } from "../src/db/seed.js";
import { seedPostgres } from "../src/db/seed-pg.js";
import { isPostgresUrl, openPostgres, postgresSecret } from "../src/db/open-pg.js";
import { DemoConfigError, describeDeployment, readConfig } from "../src/cluster.js";

const OPTIONS: SeedOptions = { customers: 800, products: 60, orders: 1_500, tickets: 120, ordersToday: 30, now: new Date(2026, 10, 20, 15, 30, 0) };
const TABLES = ["customers", "products", "orders", "order_items", "support_tickets"] as const;

/** Every row of a table on SQLite, as plain values (timestamps ms, booleans 1 / 0). */
const SQLITE_ROWS: Record<string, string> = {
  customers: "SELECT id, name, email, city, country, created_at, is_vip FROM customers ORDER BY id",
  products: "SELECT id, sku, name, category, price_cents, stock, low_stock_threshold, active FROM products ORDER BY id",
  orders: "SELECT id, number, customer_id, status, total_cents, currency, created_at, updated_at, note FROM orders ORDER BY id",
  order_items: "SELECT id, order_id, product_id, quantity, unit_price_cents FROM order_items ORDER BY id",
  support_tickets: "SELECT id, customer_id, order_id, subject, status, priority, created_at FROM support_tickets ORDER BY id",
};
/** The same on PostgreSQL. */
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const PG_ROWS: Record<string, string> = {
  customers: `SELECT id, name, email, city, country, ${ms("created_at")}, is_vip::int FROM customers ORDER BY id`,
  products: "SELECT id, sku, name, category, price_cents, stock, low_stock_threshold, active::int FROM products ORDER BY id",
  orders: `SELECT id, number, customer_id, status, total_cents, currency, ${ms("created_at")}, ${ms("updated_at")}, note FROM orders ORDER BY id`,
  order_items: "SELECT id, order_id, product_id, quantity, unit_price_cents FROM order_items ORDER BY id",
  support_tickets: `SELECT id, customer_id, order_id, subject, status, priority, ${ms("created_at")} FROM support_tickets ORDER BY id`,
};

let dir: string;
const dbs: TestDatabase[] = [];
async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase({ prefix: "demo_seed" });
  dbs.push(db);
  return db;
}

beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "demo-seed-pg-"))));
afterAll(async () => {
  for (const db of dbs) await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the PostgreSQL seed", () => {
  it("writes exactly the rows the SQLite seed writes, with COPY, and moves the sequences past them", async () => {
    const { sqlite } = openDatabase(join(dir, "same.db"));
    seed(sqlite, OPTIONS);
    const db = await database();
    const { pool } = await openPostgres(db.url);
    try {
      const progress: string[] = [];
      const result = await seedPostgres(pool, { ...OPTIONS, onProgress: (p) => void (p.done === p.total && progress.push(p.table)) });
      expect(result.counts).toEqual({ customers: 800, products: 60, orders: 1_500, order_items: expect.any(Number), support_tickets: 120 });
      expect(progress).toEqual([...TABLES, "indexes"]);
      for (const table of TABLES) {
        const expected = sqlite.prepare(SQLITE_ROWS[table]!).raw().all();
        const actual = (await pool.query({ text: PG_ROWS[table]!, rowMode: "array" })).rows;
        expect(actual, table).toEqual(expected);
      }
      expect(result.counts.order_items).toBe((sqlite.prepare("SELECT count(*) AS n FROM order_items").get() as { n: number }).n);
      // the next order gets the next id; the indexes and foreign keys are back
      const { rows } = await pool.query("INSERT INTO orders (number, customer_id, total_cents) VALUES ('ORD-X', 1, 0) RETURNING id");
      expect(rows[0].id).toBe(1_501);
      await expect(pool.query("INSERT INTO orders (number, customer_id) VALUES ('ORD-Y', 999999)")).rejects.toThrow(/foreign key/);
      const { rows: ix } = await pool.query("SELECT indexname FROM pg_indexes WHERE tablename = 'orders' ORDER BY 1");
      expect(ix.map((r) => r.indexname)).toEqual(["orders_created_at_idx", "orders_customer_id_idx", "orders_number_nocase_idx", "orders_number_unique", "orders_pkey", "orders_status_created_at_idx"]);
    } finally {
      await pool.end();
      sqlite.close();
    }
  });

  it("refuses a database that has rows and leaves it as it was; ensureSeededPostgres seeds once, --fresh again", async () => {
    const db = await database();
    const quiet = { quiet: true, seed: { ...OPTIONS, orders: 200, customers: 100, tickets: 10 } };
    expect((await ensureSeededPostgres(db.url, quiet)).seeded).toBe(true);
    expect((await ensureSeededPostgres(db.url, quiet)).seeded).toBe(false);
    const { pool } = await openPostgres(db.url);
    try {
      await expect(seedPostgres(pool, OPTIONS)).rejects.toThrow(/table customers is not empty/);
      const count = async () => (await pool.query("SELECT count(*)::int AS n FROM orders")).rows[0].n;
      const indexes = async () => (await pool.query("SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = ANY($1)", [[...TABLES]])).rows[0].n;
      expect(await count()).toBe(200);
      const before = await indexes();
      // a load that fails half-way (a bad count) leaves nothing: TRUNCATE, then a seed whose row worker throws
      await pool.query(`TRUNCATE ${TABLES.join(", ")} RESTART IDENTITY CASCADE`);
      await expect(seedPostgres(pool, { ...OPTIONS, customers: 0 })).rejects.toThrow(/at least one customer/);
      expect(await count()).toBe(0);
      expect(await indexes()).toBe(before);
    } finally {
      await pool.end();
    }
    expect((await ensureSeededPostgres(db.url, { ...quiet, fresh: true })).seeded).toBe(true);
  });

  it("keeps one token secret per database for every process, unless WEFT_SECRET is set", async () => {
    expect(isPostgresUrl("postgres://x@h/db")).toBe(true);
    expect(isPostgresUrl("postgresql://x@h/db")).toBe(true);
    expect(isPostgresUrl("demo.db")).toBe(false);
    const db = await database();
    const a = await openPostgres(db.url);
    const b = await openPostgres(db.url);
    const saved = process.env.WEFT_SECRET;
    delete process.env.WEFT_SECRET;
    try {
      const [s1, s2] = await Promise.all([postgresSecret(a.pool), postgresSecret(b.pool)]);
      expect(s1).toMatch(/^[\w-]{48}$/);
      expect(s2).toBe(s1);
      process.env.WEFT_SECRET = "from-env";
      expect(await postgresSecret(a.pool)).toBe("from-env");
    } finally {
      if (saved === undefined) delete process.env.WEFT_SECRET;
      else process.env.WEFT_SECRET = saved;
      await a.pool.end();
      await b.pool.end();
    }
  });

  it("refuses a server that does not answer with pg's error and closes its pool", async () => {
    await expect(openPostgres("postgres://postgres@127.0.0.1:1/nowhere")).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("DATABASE_URL in the demo's configuration", () => {
  it("switches to PostgreSQL with the pool's size and statement timeout, and says so at start-up", () => {
    const config = readConfig([], { DATABASE_URL: "postgres://shop:pw@db:5432/shop", DATABASE_POOL_SIZE: "4", DATABASE_STATEMENT_TIMEOUT_MS: "0" });
    expect(config.databaseUrl).toBe("postgres://shop:pw@db:5432/shop");
    expect(config.pool).toEqual({ max: 4, statementTimeoutMs: 0 });
    expect(describeDeployment(config)).toMatch(/^Database: +PostgreSQL at postgres:\/\/shop:\*\*\*@db:5432\/shop\n/);
    const sqlite = readConfig([], {});
    expect([sqlite.databaseUrl, sqlite.pool]).toEqual([undefined, { max: 10, statementTimeoutMs: 2_000 }]);
    expect(describeDeployment(sqlite)).toMatch(/^Database: +SQLite file .*demo\.db\n/);
  });

  it("refuses a URL that is not PostgreSQL's and a pool size below 1, with what to do", () => {
    expect(() => readConfig([], { DATABASE_URL: "mysql://u:secret@h/db" })).toThrow(DemoConfigError);
    expect(() => readConfig([], { DATABASE_URL: "mysql://u:secret@h/db" })).toThrow(/postgres:\/\/ or postgresql:\/\/ URL \(got "mysql:\/\/u:\*\*\*@h\/db"\); for SQLite set DEMO_DB/);
    expect(() => readConfig([], { DATABASE_URL: "postgres://h/db", DATABASE_POOL_SIZE: "0" })).toThrow(/DATABASE_POOL_SIZE must be an integer >= 1/);
  });
});

describe("COPY's text", () => {
  it("writes timestamps as toISOString does, to the millisecond, for any instant of the seed's years", async () => {
    const { utcTimestamp, copyText } = await import("../src/db/seed/copy.js");
    const start = Date.UTC(2023, 0, 1);
    for (let i = 0; i < 20_000; i++) {
      const ms = start + Math.floor(Math.random() * 4 * 365 * 86_400_000);
      expect(utcTimestamp(ms)).toBe(new Date(ms).toISOString().replace("T", " ").replace("Z", "+00"));
    }
    expect(utcTimestamp(Date.UTC(2026, 10, 1))).toBe("2026-11-01 00:00:00.000+00");
    expect(utcTimestamp(Date.UTC(2026, 10, 1) - 1)).toBe("2026-10-31 23:59:59.999+00");
    expect(copyText("a\\b\tc\nd\re", "value")).toBe("a\\\\b\\tc\\nd\\re");
    expect([copyText(null, "value"), copyText(1, "bool"), copyText(0, "bool")]).toEqual(["\\N", "t", "f"]);
  });
});
