/**
 * The engines of `pnpm bench:admin`: the demo on a seeded SQLite file or PostgreSQL database
 * (`DATABASE_URL`, else a throw-away database from `createTestDatabase`), and a statement counter
 * at the driver for each (better-sqlite3's `prepare`, pg's `query`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { buildApp } from "@weft/admin-demo/dist/app.js";
import { ensureSeeded, ensureSeededPostgres } from "@weft/admin-demo/dist/db/seed-cli.js";
import { countStatements } from "@weft/admin/query";
import { createTestDatabase, type TestDatabase } from "@weft/admin/testing";

export type BenchEngine = "sqlite" | "postgres";

/** Counts the statements sent to the database from `start()` to `stop()`. */
export interface Counter {
  readonly statements: readonly string[];
  stop(): void;
}

/** A demo app on one engine, seeded with `orders` orders. */
export interface BenchDemo {
  readonly engine: BenchEngine;
  readonly app: FastifyInstance;
  /** seconds the seed took (0 when the database was seeded already) */
  readonly seedSeconds: number;
  count(): Counter;
  close(): Promise<void>;
}

/**
 * Seeds (unless seeded) and starts the demo on `engine`. PostgreSQL: `DATABASE_URL` when set
 * (seeded there once, kept), else a database of its own, dropped by `close()`; SQLite:
 * `BENCH_SQLITE_DB` when set (a file seeded once, kept), else a file in a temporary directory.
 */
export async function openDemo(engine: BenchEngine, orders: number, log: (msg: string) => void): Promise<BenchDemo> {
  const tmp = mkdtempSync(join(os.tmpdir(), "weft-bench-admin-"));
  let testDb: TestDatabase | undefined;
  const t0 = Date.now();
  try {
    // BENCH_SQLITE_DB: a file seeded once and kept (as DATABASE_URL for PostgreSQL)
    const dbFile = process.env.BENCH_SQLITE_DB || join(tmp, "demo.db");
    let databaseUrl: string | undefined;
    if (engine === "sqlite") {
      log(`sqlite: seeding ${orders.toLocaleString("en-US")} orders…`);
      ensureSeeded(dbFile, { quiet: true, seed: { orders } });
    } else {
      databaseUrl = process.env.DATABASE_URL;
      if (!databaseUrl) {
        testDb = await createTestDatabase({ prefix: "bench_admin" });
        databaseUrl = testDb.url;
      }
      log(`postgres: seeding ${orders.toLocaleString("en-US")} orders (COPY)…`);
      await ensureSeededPostgres(databaseUrl, { quiet: true, seed: { orders } });
    }
    const seedSeconds = (Date.now() - t0) / 1000;
    log(`${engine}: seeded in ${seedSeconds.toFixed(0)} s; starting the demo (builds the search indexes)…`);
    const app = await buildApp({ dbFile, ...(databaseUrl ? { databaseUrl } : {}), simulateMs: 0 });
    await app.ready();
    const db = (app.weft.services.context as { db: unknown }).db;
    return {
      engine,
      app,
      seedSeconds,
      count: () => (engine === "sqlite" ? sqliteCounter(db) : pgCounter(db)),
      async close() {
        await app.close();
        await testDb?.drop();
        rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await testDb?.drop();
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function sqliteCounter(db: unknown): Counter {
  const c = countStatements(db as Parameters<typeof countStatements>[0]);
  return { statements: c.statements, stop: () => c.restore() };
}

/** Wraps the pool's `query` (drizzle's node-postgres session sends every statement through it). */
function pgCounter(db: unknown): Counter {
  const pool = (db as { $client: { query: (...args: unknown[]) => unknown } }).$client;
  const original = pool.query;
  const statements: string[] = [];
  pool.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0];
    statements.push(typeof q === "string" ? q : String((q as { text?: string }).text ?? ""));
    return original.apply(this, args);
  };
  return { statements, stop: () => void (pool.query = original) };
}
