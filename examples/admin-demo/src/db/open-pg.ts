/**
 * Opening the demo database on PostgreSQL (`DATABASE_URL=postgres://…`): a `pg.Pool` wrapped in
 * drizzle's node-postgres driver, with the shop's committed migrations (drizzle-pg/) applied.
 * The admin's own tables (users, sessions, audit log…) are the site's: `await site.ready()`.
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { withAdvisoryLock } from "@weft/admin/migrate";
import { PG_READ_OPTIONS } from "@weft/admin/query";
import * as schema from "./schema-pg.js";

/** The drizzle handle over the demo's PostgreSQL schema. */
export type DemoPgDb = NodePgDatabase<typeof schema>;

/** An open PostgreSQL demo database: the pool and the drizzle handle over it. */
export interface OpenPostgres {
  /** The pool (`pool.end()` closes it). */
  pool: pg.Pool;
  /** The drizzle handle over the same pool. */
  db: DemoPgDb;
}

/** How {@link openPostgres} sizes and bounds its pool. */
export interface PostgresPoolOptions {
  /** connections at most (default 10: `DATABASE_POOL_SIZE`) */
  max?: number;
  /** every statement of the pool is cancelled past this many ms (default 2,000: `DATABASE_STATEMENT_TIMEOUT_MS`; 0: none) */
  statementTimeoutMs?: number;
  /** let the process exit while the pool's connections are idle (pg's `allowExitOnIdle`; default false): for short commands that never close the pool */
  allowExitOnIdle?: boolean;
}

/** The folder of generated PostgreSQL migrations (`examples/admin-demo/drizzle-pg`), as MIGRATIONS_FOLDER. */
export const PG_MIGRATIONS_FOLDER = fileURLToPath(new URL("../../drizzle-pg", import.meta.url));

/** Whether `target` is a PostgreSQL URL (`postgres://` or `postgresql://`) rather than a SQLite file. */
export function isPostgresUrl(target: string | undefined): target is string {
  return !!target && /^postgres(ql)?:\/\//i.test(target);
}

/** Session-level advisory lock key of the demo's start-up work (migrations, seed). */
const START_LOCK = 0x5eed_2026;

/**
 * Runs `fn` with one connection of `pool` holding the demo's advisory lock (`withAdvisoryLock`),
 * so that processes starting together (on any machine) migrate and seed one after the other.
 */
export function withStartLock<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withAdvisoryLock(pool, START_LOCK, fn);
}

/**
 * Connects to PostgreSQL and applies the shop's pending migrations (under the demo's start
 * lock). The admin's are applied by the site: `await buildAdmin(db).ready()`.
 *
 * @param url - `postgres://user:password@host:port/database`
 * @param options - pool size and statement timeout
 * @returns the pool and the drizzle handle; close with `pool.end()`
 * @throws pg's error when the server cannot be reached or a migration fails
 */
export async function openPostgres(url: string, options: PostgresPoolOptions = {}): Promise<OpenPostgres> {
  // migrations on a connection of their own, without the statement timeout: waiting for another
  // process's lock, or a long ALTER, is not a stalled request
  const setup = new pg.Pool({ connectionString: url, max: 1 });
  setup.on("error", () => {});
  try {
    await withStartLock(setup, (client) => migrate(drizzle({ client, schema }), { migrationsFolder: PG_MIGRATIONS_FOLDER }));
  } finally {
    await setup.end();
  }
  const timeout = options.statementTimeoutMs ?? 2_000;
  // the admin's settings from the first connection on (the secret is read before the site exists)
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, options: PG_READ_OPTIONS, ...(timeout > 0 ? { statement_timeout: timeout } : {}), ...(options.allowExitOnIdle ? { allowExitOnIdle: true } : {}) });
  // an idle connection the server drops (restart, failover) must not crash the process
  pool.on("error", () => {});
  return { pool, db: drizzle({ client: pool, schema }) };
}

/**
 * The demo's token secret on PostgreSQL: `WEFT_SECRET`, else the one kept in `demo_settings`
 * (the first process to start writes it), so that every machine sharing the database signs
 * and accepts the same tokens without sharing a file.
 */
export async function postgresSecret(pool: pg.Pool): Promise<string> {
  if (process.env.WEFT_SECRET) return process.env.WEFT_SECRET;
  await pool.query("INSERT INTO demo_settings (key, value) VALUES ('secret', $1) ON CONFLICT (key) DO NOTHING", [randomBytes(36).toString("base64url")]);
  const { rows } = await pool.query<{ value: string }>("SELECT value FROM demo_settings WHERE key = 'secret'");
  return rows[0]!.value;
}
