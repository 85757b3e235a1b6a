/**
 * Deterministic demo data for the shop: customers, products, orders with their items, and
 * support tickets.
 *
 * Speed: faker is called only to fill small pools (names, cities, product names) once; every
 * row is then assembled from those pools with a seeded PRNG and written through better-sqlite3
 * prepared statements inside one transaction. The full size (50k customers, 400k orders,
 * ~760k items, 20k tickets) takes well under half a minute on two cores.
 *
 * Determinism: faker is seeded with 42, the PRNG with a fixed seed, and historical timestamps
 * are laid out over the two years ending at {@link SEED_HISTORY_END}, a constant. The one
 * exception is a small slice of the newest orders, which get timestamps earlier on the day of
 * `options.now` (default: the real current time) so that "orders today" tiles show a number;
 * pass a fixed `now` to make the whole database reproducible.
 *
 * This file is the SQLite driver (prepared statements in one transaction) and what both
 * engines share ({@link planSeed}: options, the pools, the time layout; {@link writeAllRows}:
 * the writers in their order). seed-pg.ts is the PostgreSQL driver (COPY). The rows are
 * written by seed/tables.ts, from the word lists of seed/words.ts and the value generators of
 * seed/values.ts.
 */
import type Database from "better-sqlite3";
import { faker } from "@faker-js/faker/locale/en";
import { createRng, pickWeighted } from "./rng.js";
import { writeCustomers, writeOrders, writeProducts, writeTickets, type RowSink, type SeedContext } from "./seed/tables.js";
import { DAY, startOfDay, uniquePool } from "./seed/values.js";
import { COUNTRIES } from "./seed/words.js";
import { pinOrderPlans } from "./plan-stats.js";

/** The tables the seed fills, in the order it fills them. */
export const SEED_TABLES = ["customers", "products", "orders", "order_items", "support_tickets"] as const;
/** A table the seed fills. */
export type SeedTable = (typeof SEED_TABLES)[number];

/**
 * A progress report: `done` of `total` rows of `table` are written; for `"indexes"`, `done`
 * of `total` secondary indexes are rebuilt (the last index step includes ANALYZE).
 */
export interface SeedProgress {
  table: SeedTable | "indexes";
  done: number;
  total: number;
}

/** Sizes and hooks for {@link seed}. */
export interface SeedOptions {
  /** Number of customers (default 50,000). */
  customers?: number;
  /** Number of products (default 2,000). */
  products?: number;
  /** Number of orders (default 400,000); each gets 1–4 items. */
  orders?: number;
  /** Number of support tickets (default 20,000). */
  tickets?: number;
  /**
   * How many of the newest orders are placed earlier today (relative to `now`).
   * Default: 1% of the orders, at least 1 and at most 150.
   */
  ordersToday?: number;
  /** The moment "today" is taken from (default: `new Date()`). */
  now?: Date;
  /** Called every few thousand rows and once at the end of each table. */
  onProgress?: (progress: SeedProgress) => void;
}

/** What {@link seed} wrote. */
export interface SeedResult {
  /** Rows written per table. */
  counts: Record<SeedTable, number>;
  /** Wall time of the seed, in milliseconds. */
  ms: number;
}

/** The end of the seeded history (UTC midnight); the "today" slice is the only data after it. */
export const SEED_HISTORY_END = Date.UTC(2026, 10, 1);
/** Length of the seeded order history. */
export const SEED_HISTORY_DAYS = 730;

const FAKER_SEED = 42;
const RNG_SEED = 0x5eed_2026;

function tableIsEmpty(sqlite: Database.Database, table: SeedTable): boolean {
  return sqlite.prepare(`SELECT NOT EXISTS (SELECT 1 FROM "${table}") AS empty`).pluck().get() === 1;
}

/** The seed's plan: the writers' context and the name pools, from {@link planSeed}. */
export interface SeedPlan {
  ctx: SeedContext;
  pools: {
    firstNames: string[];
    lastNames: string[];
    cityCountry: (readonly [string, string])[];
    productNames: string[];
  };
}

/** Where {@link writeAllRows} writes each table's rows (a prepared statement, a COPY buffer…). */
export interface SeedSinks {
  customers: RowSink;
  products: RowSink;
  orders: RowSink;
  orderItems: RowSink;
  tickets: RowSink;
}

/**
 * Sizes, name pools (the only faker calls) and the time layout of a seed: what the SQLite and
 * PostgreSQL drivers share, so both write the same rows.
 *
 * @param options - row counts, the "today" reference and a progress callback
 * @param report - where the writers report (default `options.onProgress`)
 * @throws Error when there are no customers or products to make
 */
export function planSeed(options: SeedOptions, report = options.onProgress ?? (() => {})): SeedPlan {
  const nCustomers = options.customers ?? 50_000;
  const nProducts = options.products ?? 2_000;
  const nOrders = options.orders ?? 400_000;
  const nTickets = options.tickets ?? 20_000;
  const nToday = Math.min(nOrders, options.ordersToday ?? Math.min(150, Math.max(1, Math.round(nOrders * 0.01))));
  const nowMs = (options.now ?? new Date()).getTime();
  if (nCustomers < 1 || nProducts < 1) throw new Error("seed: need at least one customer and one product");

  // ---- pools (the only faker calls) ----
  faker.seed(FAKER_SEED);
  const firstNames = uniquePool(600, () => faker.person.firstName());
  const lastNames = uniquePool(600, () => faker.person.lastName()).filter((n) => !n.includes("-"));
  const cities = uniquePool(400, () => faker.location.city());
  const productNames = uniquePool(Math.min(nProducts, 4_000), () => faker.commerce.productName());
  const rng = createRng(RNG_SEED);
  const cityCountry = cities.map((city) => [city, pickWeighted(rng, COUNTRIES)] as const);

  const historyStart = SEED_HISTORY_END - SEED_HISTORY_DAYS * DAY;
  const customersStart = historyStart - 365 * DAY;
  const ctx: SeedContext = {
    rng,
    report,
    counts: { customers: 0, products: 0, orders: 0, order_items: 0, support_tickets: 0 },
    nCustomers,
    nProducts,
    nOrders,
    nTickets,
    nToday,
    nHistory: nOrders - nToday,
    nowMs,
    historyStart,
    historyEnd: SEED_HISTORY_END,
    customersStart,
    customerSpan: SEED_HISTORY_END - customersStart,
    todayStart: Math.max(startOfDay(new Date(nowMs)), SEED_HISTORY_END),
  };
  return { ctx, pools: { firstNames, lastNames, cityCountry, productNames } };
}

/**
 * Runs the writers in their order (the order is part of the data: one PRNG), into `sinks`;
 * `finished` hears which tables have all their rows, as soon as they have.
 */
export function writeAllRows({ ctx, pools }: SeedPlan, sinks: SeedSinks, finished: (tables: SeedTable[]) => void = () => {}): void {
  const customerCreated = writeCustomers(ctx, sinks.customers, pools.firstNames, pools.lastNames, pools.cityCountry);
  finished(["customers"]);
  const prices = writeProducts(ctx, sinks.products, pools.productNames);
  finished(["products"]);
  const orders = writeOrders(ctx, sinks.orders, sinks.orderItems, prices);
  finished(["orders", "order_items"]);
  writeTickets(ctx, sinks.tickets, customerCreated, orders);
  finished(["support_tickets"]);
}

/**
 * Fills an empty, migrated database with deterministic demo data, in one transaction (all or
 * nothing). Throws if any of the shop tables already has rows.
 *
 * @param sqlite - an open better-sqlite3 connection (see `openDatabase`).
 * @param options - row counts, the "today" reference and a progress callback.
 * @returns rows written per table and the time taken.
 */
export function seed(sqlite: Database.Database, options: SeedOptions = {}): SeedResult {
  const started = performance.now();
  const report = options.onProgress ?? (() => {});
  const plan = planSeed(options, report);

  for (const table of SEED_TABLES) {
    if (!tableIsEmpty(sqlite, table)) throw new Error(`seed: table ${table} is not empty`);
  }

  const insertCustomer = sqlite.prepare(
    "INSERT INTO customers (id, name, email, city, country, created_at, is_vip) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const insertProduct = sqlite.prepare(
    "INSERT INTO products (id, sku, name, category, price_cents, stock, low_stock_threshold, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const insertOrder = sqlite.prepare(
    "INSERT INTO orders (id, number, customer_id, status, total_cents, currency, created_at, updated_at, note) VALUES (?, ?, ?, ?, ?, 'EUR', ?, ?, ?)",
  );
  const insertItem = sqlite.prepare(
    "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) VALUES (?, ?, ?, ?)",
  );
  const insertTicket = sqlite.prepare(
    "INSERT INTO support_tickets (id, customer_id, order_id, subject, status, priority, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );

  const run = sqlite.transaction(() => {
    // Secondary indexes are dropped and rebuilt in bulk afterwards (inside this transaction, so
    // a failed seed leaves the schema as it was): measured ~35% faster than maintaining them
    // row by row. Unique indexes stay; they are few and enforce the constraints.
    const secondary = sqlite
      .prepare(
        `SELECT name, sql FROM sqlite_master
         WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'
           AND tbl_name IN ('customers', 'products', 'orders', 'order_items', 'support_tickets')`,
      )
      .all() as Array<{ name: string; sql: string }>;
    for (const { name } of secondary) sqlite.exec(`DROP INDEX "${name}"`);

    writeAllRows(plan, { customers: insertCustomer, products: insertProduct, orders: insertOrder, orderItems: insertItem, tickets: insertTicket });

    const steps = secondary.length + 1;
    report({ table: "indexes", done: 0, total: steps });
    secondary.forEach(({ sql }, i) => {
      sqlite.exec(sql);
      report({ table: "indexes", done: i + 1, total: steps });
    });
    // Planner statistics for the fresh indexes (sqlite_stat1), with the demo's skip-scan switch.
    sqlite.exec("ANALYZE");
    pinOrderPlans(sqlite);
    report({ table: "indexes", done: steps, total: steps });
  });

  const previousCache = sqlite.pragma("cache_size", { simple: true }) as number;
  sqlite.pragma("cache_size = -131072"); // 128 MiB while the indexes are being built
  try {
    run();
  } finally {
    sqlite.pragma(`cache_size = ${previousCache}`);
  }
  return { counts: plan.ctx.counts, ms: performance.now() - started };
}
