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
 * This file is the driver: options, the pools, the prepared statements and the transaction.
 * The rows are written by seed/tables.ts, from the word lists of seed/words.ts and the value
 * generators of seed/values.ts.
 */
import type Database from "better-sqlite3";
import { faker } from "@faker-js/faker/locale/en";
import { createRng, pickWeighted } from "./rng.js";
import { writeCustomers, writeOrders, writeProducts, writeTickets, type SeedContext } from "./seed/tables.js";
import { DAY, startOfDay, uniquePool } from "./seed/values.js";
import { COUNTRIES } from "./seed/words.js";

/** The tables the seed fills, in the order it fills them. */
export type SeedTable = "customers" | "products" | "orders" | "order_items" | "support_tickets";

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
  const nCustomers = options.customers ?? 50_000;
  const nProducts = options.products ?? 2_000;
  const nOrders = options.orders ?? 400_000;
  const nTickets = options.tickets ?? 20_000;
  const nToday = Math.min(nOrders, options.ordersToday ?? Math.min(150, Math.max(1, Math.round(nOrders * 0.01))));
  const nowMs = (options.now ?? new Date()).getTime();
  const report = options.onProgress ?? (() => {});
  if (nCustomers < 1 || nProducts < 1) throw new Error("seed: need at least one customer and one product");

  for (const table of ["customers", "products", "orders", "order_items", "support_tickets"] as const) {
    if (!tableIsEmpty(sqlite, table)) throw new Error(`seed: table ${table} is not empty`);
  }

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
  const todayStart = Math.max(startOfDay(new Date(nowMs)), SEED_HISTORY_END);
  const nHistory = nOrders - nToday;

  const counts: Record<SeedTable, number> = {
    customers: 0,
    products: 0,
    orders: 0,
    order_items: 0,
    support_tickets: 0,
  };

  const ctx: SeedContext = {
    rng,
    report,
    counts,
    nCustomers,
    nProducts,
    nOrders,
    nTickets,
    nToday,
    nHistory,
    nowMs,
    historyStart,
    historyEnd: SEED_HISTORY_END,
    customersStart,
    customerSpan: SEED_HISTORY_END - customersStart,
    todayStart,
  };

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

    const customerCreated = writeCustomers(ctx, insertCustomer, firstNames, lastNames, cityCountry);
    const prices = writeProducts(ctx, insertProduct, productNames);
    const orders = writeOrders(ctx, insertOrder, insertItem, prices);
    writeTickets(ctx, insertTicket, customerCreated, orders);

    const steps = secondary.length + 1;
    report({ table: "indexes", done: 0, total: steps });
    secondary.forEach(({ sql }, i) => {
      sqlite.exec(sql);
      report({ table: "indexes", done: i + 1, total: steps });
    });
    // Planner statistics for the fresh indexes (sqlite_stat1).
    sqlite.exec("ANALYZE");
    report({ table: "indexes", done: steps, total: steps });
  });

  const previousCache = sqlite.pragma("cache_size", { simple: true }) as number;
  sqlite.pragma("cache_size = -131072"); // 128 MiB while the indexes are being built
  try {
    run();
  } finally {
    sqlite.pragma(`cache_size = ${previousCache}`);
  }
  return { counts, ms: performance.now() - started };
}
