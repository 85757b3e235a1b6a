// The demo database on real SQLite files: migrations, deterministic seeding, the example
// queries (against brute-force answers) on SQLite and on PostgreSQL (the same seeded rows, in a
// database of its own), their query plans on SQLite, and the query report on both engines.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { createTestDatabase } from "@weft/admin/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnyDemoDb } from "../src/db/engine.js";
import { openPostgres } from "../src/db/open-pg.js";
import { seedPostgres } from "../src/db/seed-pg.js";
import { MIGRATIONS_FOLDER, openDatabase, type OpenDatabase } from "../src/db/open.js";
import {
  countOrdersToday,
  insertRandomOrder,
  openTicketCount,
  parseOrderNumberQuery,
  revenueToday,
  searchOrders,
  type OrderSearchRow,
} from "../src/db/queries.js";
import { createRng } from "../src/db/rng.js";
import * as schema from "../src/db/schema.js";
import { REPORT_SEARCHES, runQueryReport } from "../src/db/query-report.js";
import { ensureSeeded } from "../src/db/seed-cli.js";
import { seed, type SeedOptions } from "../src/db/seed.js";
import { pinOrderPlans } from "../src/db/plan-stats.js";

const SIZES = { customers: 1_500, products: 80, orders: 2_000, tickets: 150, ordersToday: 40 } as const;
const NOW = new Date(2026, 10, 20, 15, 30, 0); // local time, after the seeded history
const OPTIONS: SeedOptions = { ...SIZES, now: NOW };
const TABLES = ["customers", "products", "orders", "order_items", "support_tickets"] as const;

let dir: string;
const opened: OpenDatabase[] = [];

function open(name: string): OpenDatabase {
  const handle = openDatabase(join(dir, name));
  opened.push(handle);
  return handle;
}

/** A stable fingerprint of a table's full contents. */
function checksum(sqlite: Database.Database, table: string): string {
  const rows = sqlite.prepare(`SELECT * FROM "${table}" ORDER BY id`).raw().all();
  let h = 2166136261;
  for (const ch of JSON.stringify(rows)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return `${rows.length}:${h.toString(16)}`;
}

interface BruteOrder {
  id: number;
  number: string;
  customerName: string;
  email: string;
  status: string;
  totalCents: number;
  createdAt: number;
}

function allOrders(sqlite: Database.Database): BruteOrder[] {
  return sqlite
    .prepare(
      `SELECT o.id, o.number, c.name AS customerName, c.email, o.status, o.total_cents AS totalCents,
              o.created_at AS createdAt
       FROM orders o JOIN customers c ON c.id = o.customer_id`,
    )
    .all() as BruteOrder[];
}

/** What searchOrders should return, computed in JS. */
function bruteSearch(all: BruteOrder[], q: string, status?: string): BruteOrder[] {
  const num = parseOrderNumberQuery(q);
  const needle = q.toLowerCase();
  return all
    .filter((o) =>
      num
        ? o.number.startsWith(num.prefix) || o.number === num.exact
        : o.customerName.toLowerCase().includes(needle) || o.email.toLowerCase().includes(needle),
    )
    .filter((o) => status === undefined || o.status === status)
    .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
}

const ids = (rows: Array<OrderSearchRow | BruteOrder>) => rows.map((r) => r.id);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "weft-demo-db-"));
});

afterAll(() => {
  for (const { sqlite } of opened) if (sqlite.open) sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("openDatabase", () => {
  it("creates the tables and indexes through the migrations, with the pragmas set", () => {
    const { sqlite } = open("fresh.db");
    const names = sqlite.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')").pluck().all();
    for (const table of TABLES) expect(names).toContain(table);
    for (const index of [
      "orders_created_at_idx",
      "orders_status_created_at_idx",
      "orders_customer_id_idx",
      "orders_number_unique",
      "customers_email_unique",
      "customers_name_idx",
      "order_items_order_id_idx",
      "support_tickets_status_created_at_idx",
    ]) {
      expect(names).toContain(index);
    }
    expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(sqlite.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    expect(sqlite.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(sqlite.prepare("SELECT count(*) FROM __drizzle_migrations").pluck().get()).toBeGreaterThan(0);
  });

  it("is idempotent on reopen and enforces constraints", () => {
    const first = open("reopen.db");
    first.sqlite.close();
    const { sqlite } = open("reopen.db");
    // each migration applied once, however often the file is opened
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as { entries: unknown[] };
    expect(sqlite.prepare("SELECT count(*) FROM __drizzle_migrations").pluck().get()).toBe(journal.entries.length);
    expect(() =>
      sqlite.prepare("INSERT INTO orders (number, customer_id) VALUES ('ORD-000001', 999)").run(),
    ).toThrow(/FOREIGN KEY/);
    sqlite.prepare("INSERT INTO customers (id, name, email, city, country) VALUES (1, 'A', 'a@x', 'c', 'd')").run();
    expect(() =>
      sqlite.prepare("INSERT INTO orders (number, customer_id, status) VALUES ('ORD-000001', 1, 'lost')").run(),
    ).toThrow(/CHECK/);
  });
});

describe("seed", () => {
  let a: OpenDatabase;

  beforeAll(() => {
    a = open("a.db");
    seed(a.sqlite, OPTIONS);
  });

  it("marks the customer/date index noskipscan in the planner statistics, so a date range never skip-scans it (plan-stats.ts)", () => {
    const stat = () => a.sqlite.prepare("SELECT stat FROM sqlite_stat1 WHERE idx = 'orders_customer_id_idx'").pluck().get() as string;
    expect(stat()).toMatch(/^\d+ \d+ \d+ noskipscan$/);
    // the seed's ANALYZE wrote the row afresh; the switch is added once however often it runs
    pinOrderPlans(a.sqlite);
    expect(stat().match(/noskipscan/g)).toHaveLength(1);
  });

  it("writes the requested counts with consistent totals", () => {
    const count = (t: string) => a.sqlite.prepare(`SELECT count(*) FROM "${t}"`).pluck().get();
    expect(count("customers")).toBe(SIZES.customers);
    expect(count("products")).toBe(SIZES.products);
    expect(count("orders")).toBe(SIZES.orders);
    expect(count("support_tickets")).toBe(SIZES.tickets);
    const perOrder = a.sqlite
      .prepare("SELECT min(n) AS lo, max(n) AS hi FROM (SELECT count(*) AS n FROM order_items GROUP BY order_id)")
      .get() as { lo: number; hi: number };
    expect(perOrder.lo).toBeGreaterThanOrEqual(1);
    expect(perOrder.hi).toBeLessThanOrEqual(4);
    expect(a.sqlite.prepare("SELECT count(DISTINCT order_id) FROM order_items").pluck().get()).toBe(SIZES.orders);
    const mismatched = a.sqlite
      .prepare(
        `SELECT count(*) FROM orders o
         WHERE o.total_cents != (SELECT sum(quantity * unit_price_cents) FROM order_items WHERE order_id = o.id)`,
      )
      .pluck()
      .get();
    expect(mismatched).toBe(0);
    const badNumbers = a.sqlite
      .prepare("SELECT count(*) FROM orders WHERE number != 'ORD-' || printf('%06d', id)")
      .pluck()
      .get();
    expect(badNumbers).toBe(0);
    expect(a.sqlite.prepare("SELECT count(*) FROM customers WHERE email NOT LIKE '%_@_%'").pluck().get()).toBe(0);
    expect(a.sqlite.pragma("foreign_key_check")).toEqual([]);
  });

  it("is deterministic: a second seed with the same options writes the same rows", () => {
    const b = open("b.db");
    seed(b.sqlite, OPTIONS);
    for (const table of TABLES) expect(checksum(b.sqlite, table)).toBe(checksum(a.sqlite, table));
    const first = (s: Database.Database) => s.prepare("SELECT * FROM orders ORDER BY id LIMIT 5").all();
    expect(first(b.sqlite)).toEqual(first(a.sqlite));
  });

  it("keeps history before the fixed end and puts only the newest orders today", async () => {
    const c = open("c.db");
    seed(c.sqlite, { ...OPTIONS, now: new Date(NOW.getTime() + 3 * 86_400_000) });
    // Everything but the "today" slice is independent of `now`.
    const history = (s: Database.Database) =>
      s.prepare(`SELECT * FROM orders WHERE id <= ${SIZES.orders - SIZES.ordersToday} ORDER BY id`).raw().all();
    expect(history(c.sqlite)).toEqual(history(a.sqlite));
    expect(await countOrdersToday(a.db, NOW)).toBe(SIZES.ordersToday);
  });

  it("refuses a database that already has rows", () => {
    expect(() => seed(a.sqlite, OPTIONS)).toThrow(/not empty/);
  });
});

describe.each(["sqlite", "postgres"] as const)("queries on %s", (engine) => {
  /** the SQLite seed: the brute-force answers (PostgreSQL holds the very same rows) */
  let ref: OpenDatabase;
  let h: { db: AnyDemoDb };
  let all: BruteOrder[];
  let closePostgres = async () => {};
  /** the SQLite file, or PostgreSQL's URL (the query report opens it itself) */
  let target = "";

  beforeAll(async () => {
    ref = open(`queries-${engine}.db`);
    seed(ref.sqlite, OPTIONS);
    all = allOrders(ref.sqlite);
    target = join(dir, `queries-${engine}.db`);
    if (engine === "sqlite") return void (h = ref);
    const test = await createTestDatabase({ prefix: "demo_queries" });
    target = test.url;
    const { pool, db } = await openPostgres(test.url);
    await seedPostgres(pool, OPTIONS);
    h = { db };
    closePostgres = async () => {
      await pool.end();
      await test.drop();
    };
  });
  afterAll(() => closePostgres());

  it("lists all orders newest first with an exact total when q is empty", async () => {
    const expected = bruteSearch(all, "");
    const page1 = await searchOrders(h.db, {});
    expect(page1.total).toBe(SIZES.orders);
    expect(page1.totalCapped).toBe(false);
    expect(ids(page1.rows)).toEqual(ids(expected.slice(0, 50)));
    const row = page1.rows[0]!;
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(Object.keys(row).sort()).toEqual(["createdAt", "customerName", "id", "number", "status", "totalCents"]);
    const paid = await searchOrders(h.db, { status: "paid", perPage: 500 });
    expect(ids(paid.rows)).toEqual(ids(bruteSearch(all, "", "paid").slice(0, 500)));
  });

  it("finds orders by number prefix, digits, and exact id", async () => {
    const prefix = await searchOrders(h.db, { q: "ORD-0001", perPage: 500 });
    expect(prefix.total).toBe(100); // ORD-000100 … ORD-000199
    expect(prefix.rows.every((r) => r.number.startsWith("ORD-0001"))).toBe(true);
    expect((await searchOrders(h.db, { q: "ord-000123" })).rows.map((r) => r.number)).toEqual(["ORD-000123"]);
    expect((await searchOrders(h.db, { q: "123" })).rows.map((r) => r.number)).toEqual(["ORD-000123"]);
    expect((await searchOrders(h.db, { q: "ORD-9" })).total).toBe(0);
  });

  it("finds orders by customer name and email substring, case-insensitively", async () => {
    const someone = all[Math.floor(all.length / 2)]!;
    const lastName = someone.customerName.split(" ").at(-1)!;
    for (const q of [lastName, lastName.toUpperCase(), someone.email, someone.email.split("@")[0]!]) {
      const expected = bruteSearch(all, q);
      const result = await searchOrders(h.db, { q, perPage: 500 });
      expect(result.total, q).toBe(expected.length);
      expect(ids(result.rows), q).toEqual(ids(expected.slice(0, 500)));
    }
    expect((await searchOrders(h.db, { q: someone.email })).rows.some((r) => r.id === someone.id)).toBe(true);
    // LIKE wildcards in q are literal.
    expect((await searchOrders(h.db, { q: "%" })).total).toBe(0);
    expect((await searchOrders(h.db, { q: "_" })).total).toBe(0);
  });

  it("paginates without gaps or repeats", async () => {
    const q = "a";
    const expected = bruteSearch(all, q);
    expect(expected.length).toBeGreaterThan(100);
    const seen: number[] = [];
    for (let page = 1; ; page++) {
      const result = await searchOrders(h.db, { q, page, perPage: 37 });
      expect(result.total).toBe(expected.length);
      if (result.rows.length === 0) break;
      seen.push(...ids(result.rows));
    }
    expect(seen).toEqual(ids(expected));
  });

  it("gives the same rows on the dense plan, with a capped total", async () => {
    for (const [q, status] of [
      ["a", undefined],
      ["e", "delivered"],
      ["ORD-", undefined],
      ["ORD-00", "cancelled"],
    ] as const) {
      const expected = bruteSearch(all, q, status);
      expect(expected.length, q).toBeGreaterThan(20);
      for (const page of [1, 3]) {
        const result = await searchOrders(h.db, { q, status, page, perPage: 10, countCap: 20 });
        expect(result.totalCapped, q).toBe(true);
        expect(result.total, q).toBe(20);
        expect(ids(result.rows), `${q} page ${page}`).toEqual(ids(expected.slice((page - 1) * 10, page * 10)));
      }
    }
  });

  it("filters search results by status", async () => {
    for (const status of ["pending", "delivered", "cancelled"] as const) {
      const expected = bruteSearch(all, "e", status);
      const result = await searchOrders(h.db, { q: "e", status, perPage: 500 });
      expect(result.total).toBe(expected.length);
      expect(ids(result.rows)).toEqual(ids(expected.slice(0, 500)));
    }
  });

  it("counts today's orders and revenue, and insertRandomOrder adds to them", async () => {
    const before = await countOrdersToday(h.db, NOW);
    const revenueBefore = await revenueToday(h.db, NOW);
    expect(before).toBe(SIZES.ordersToday);
    expect(revenueBefore).toBeGreaterThan(0);
    const order = await insertRandomOrder(h.db, createRng(7), NOW);
    expect(order.number).toBe(`ORD-00${SIZES.orders + 1}`);
    expect(["pending", "paid"]).toContain(order.status);
    expect(order.createdAt.getTime()).toBe(NOW.getTime());
    expect(order.items.length).toBeGreaterThanOrEqual(1);
    expect(order.items.length).toBeLessThanOrEqual(4);
    expect(order.totalCents).toBe(order.items.reduce((s, i) => s + i.quantity * i.unitPriceCents, 0));
    expect(order.customerName.length).toBeGreaterThan(0);
    expect(await countOrdersToday(h.db, NOW)).toBe(before + 1);
    expect(await revenueToday(h.db, NOW)).toBe(revenueBefore + order.totalCents);
    expect((await searchOrders(h.db, {})).rows[0]!.id).toBe(order.id);
    // Yesterday and tomorrow do not see it.
    expect(await countOrdersToday(h.db, new Date(NOW.getTime() + 86_400_000))).toBe(0);
    const second = await insertRandomOrder(h.db);
    expect(second.id).toBe(order.id + 1);
    expect(await countOrdersToday(h.db)).toBeGreaterThanOrEqual(1);
  });

  it("counts open tickets", async () => {
    const expected = ref.sqlite.prepare("SELECT count(*) FROM support_tickets WHERE status = 'open'").pluck().get();
    expect(await openTicketCount(h.db)).toBe(expected);
    expect(await openTicketCount(h.db)).toBeGreaterThan(0);
  });

  it("the query report (query-report.js) times every query and gives each statement's plan from the engine", async () => {
    const report = await runQueryReport(target, 1);
    expect(report.map((t) => t.label)).toEqual([...REPORT_SEARCHES.map(([label]) => `searchOrders ${label}`), "countOrdersToday", "revenueToday", "openTicketCount"]);
    expect(report[0]!.summary).toMatch(/^50 rows, total 20\d\d$/); // the seed's 2,000 orders, and the ones an earlier test inserted
    for (const t of report) {
      expect(t.plans.length, t.label).toBeGreaterThan(0);
      expect(t.medianMs, t.label).toBeGreaterThanOrEqual(0);
    }
    // SQLite's EXPLAIN QUERY PLAN ("SEARCH orders USING INDEX …"), PostgreSQL's EXPLAIN ("Index Scan … on orders")
    const plans = report.flatMap((t) => t.plans).join("\n");
    expect(plans).toMatch(engine === "sqlite" ? /SEARCH \w+ USING (COVERING )?INDEX/ : /Index (Only )?Scan (Backward )?using \w+ on orders/);
  });

  it.runIf(engine === "sqlite")("serves every statement from an index (EXPLAIN QUERY PLAN)", async () => {
    const statements: Array<{ sql: string; params: unknown[] }> = [];
    const logged = drizzle(ref.sqlite, {
      schema,
      logger: { logQuery: (sql, params) => statements.push({ sql, params }) },
    });
    const plan = () =>
      statements
        .map(({ sql, params }) =>
          (ref.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>)
            .map((r) => r.detail)
            .join(" | "),
        )
        .join("\n");
    const check = async (run: () => Promise<unknown>, expectIndexes: string[]) => {
      statements.length = 0;
      await run();
      const p = plan();
      for (const index of expectIndexes) expect(p).toContain(index);
      expect(p).not.toMatch(/SCAN (orders|o)\b(?! USING)/);
    };
    await check(() => countOrdersToday(logged, NOW), ["orders_created_at_idx"]);
    await check(() => revenueToday(logged, NOW), ["orders_created_at_idx"]);
    await check(() => openTicketCount(logged), ["support_tickets_status_created_at_idx"]);
    await check(() => searchOrders(logged, {}), ["orders_created_at_idx"]);
    await check(() => searchOrders(logged, { status: "paid" }), ["orders_status_created_at_idx"]);
    await check(() => searchOrders(logged, { q: "ORD-0001" }), ["orders_number_unique"]);
    const lastName = all[0]!.customerName.split(" ").at(-1)!;
    await check(() => searchOrders(logged, { q: lastName }), ["orders_customer_id_idx"]);
    await check(() => searchOrders(logged, { q: "a", countCap: 20 }), ["orders_created_at_idx"]);
  });
});

describe("ensureSeeded", () => {
  it("seeds an empty file once", async () => {
    const file = join(dir, "ensure.db");
    const first = ensureSeeded(file, { quiet: true, seed: { customers: 50, products: 10, orders: 100, tickets: 10 } });
    expect(first.seeded).toBe(true);
    expect(first.result?.counts.orders).toBe(100);
    const second = ensureSeeded(file, { quiet: true });
    expect(second.seeded).toBe(false);
    const { db } = open("ensure.db");
    expect(await countOrdersToday(db)).toBeGreaterThan(0);
  });
});
