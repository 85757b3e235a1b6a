/**
 * The demo's shop (examples/admin-demo: its schema, migrations, CHECK constraints, foreign keys
 * and deterministic seed) on either engine, for the admin suites that need a realistic model set
 * (change form, history, inlines): a SQLite file (`openDatabase` + `seed`), or a PostgreSQL
 * database of its own (`createTestDatabase` + `openPostgres` + `seedPostgres`, the same rows),
 * with the demo's tables typed as the SQLite ones (the twins have the same keys and row shapes).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import * as sqliteSchema from "../../../../examples/admin-demo/src/db/schema.js";
import * as pgSchema from "../../../../examples/admin-demo/src/db/schema-pg.js";
import { openDatabase } from "../../../../examples/admin-demo/src/db/open.js";
import { openPostgres } from "../../../../examples/admin-demo/src/db/open-pg.js";
import { seed, type SeedOptions } from "../../../../examples/admin-demo/src/db/seed.js";
import { seedPostgres } from "../../../../examples/admin-demo/src/db/seed-pg.js";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import { migrateAdmin } from "../../src/index.js";
import type { AdminDatabase } from "../../src/query/dialect/index.js";
import { createTestDatabase } from "../../src/testing/index.js";
import type { Engine, EngineDb } from "./engines.js";

/** The demo's shop tables, typed as SQLite's. */
export type DemoTables = Pick<typeof sqliteSchema, "customers" | "products" | "orders" | "orderItems" | "supportTickets">;

/** The demo's shop on one engine. */
export interface DemoShop extends Omit<EngineDb, "connect">, DemoTables {
  /** SQLite only: the file and the raw connection (tests of SQLite's own locking) */
  file?: string;
  sqlite?: Database.Database;
  /** Another connection (SQLite) or pool (PostgreSQL) on the same database, as a second worker process has. */
  connect(): Promise<{ db: AdminDatabase; close(): Promise<void> }>;
}

/**
 * Opens the demo's shop on `engine`, migrated (the demo's and the admin's tables) and seeded
 * with `sizes` (the same rows on both engines). PostgreSQL: its own database, dropped by `close()`.
 */
export async function openDemoShop(engine: Engine, sizes: SeedOptions, prefix = "admin_demo"): Promise<DemoShop> {
  const tables = (s: DemoTables): DemoTables => ({ customers: s.customers, products: s.products, orders: s.orders, orderItems: s.orderItems, supportTickets: s.supportTickets });
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "weft-demo-shop-"));
    const file = join(dir, "shop.db");
    const { db, sqlite } = openDatabase(file);
    seed(sqlite, sizes);
    await migrateAdmin(db);
    return {
      engine,
      db,
      file,
      sqlite,
      ...tables(sqliteSchema),
      exec: async (s) => void sqlite.exec(s),
      rows: async <R>(s: string) => sqlite.prepare(s).all() as R[],
      connect: async () => {
        const other = openDatabase(file);
        return { db: other.db, close: async () => void other.sqlite.close() };
      },
      close: async () => {
        sqlite.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const tdb = await createTestDatabase({ prefix });
  const { pool, db } = await openPostgres(tdb.url, { max: 4, statementTimeoutMs: 0 });
  try {
    await seedPostgres(pool, sizes);
    // the admin's tables (openPostgres applies the shop's only; an AdminSite over this pool is then ready at once)
    await migrateAdmin(db);
  } catch (e) {
    await pool.end();
    await tdb.drop();
    throw e;
  }
  return {
    engine,
    db,
    ...tables(pgSchema as unknown as DemoTables),
    exec: async (s) => void (await pool.query(s)),
    rows: async <R>(s: string) => (await pool.query(s)).rows as R[],
    connect: async () => {
      const other = new pg.Pool({ connectionString: tdb.url, max: 4 });
      return { db: drizzlePg(other), close: () => other.end() };
    },
    close: async () => {
      await pool.end();
      await tdb.drop();
    },
  };
}
