/**
 * The admin's migrations on PostgreSQL (node-postgres), applied with drizzle's node-postgres
 * migrator under a session advisory lock, so processes starting together apply them once.
 */
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { adminError } from "../errors.js";
import { ADMIN_MIGRATIONS_TABLE, journal, migrationsFolder, pendingAfter, type MigrateResult } from "./journal.js";

/** The advisory lock key the admin's migrations hold (an arbitrary constant: "weftmigr"). @internal */
export const LOCK_KEY = 0x7765_6674_6d69_6772n;

/** A node-postgres connection as {@link withAdvisoryLock} uses it (a `pg.Client` or `pg.PoolClient`). */
export interface Queryable {
  /** runs one statement; `params` bind `$1`, `$2`, … */
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
}
interface PoolLike extends Queryable {
  connect(): Promise<Queryable & { release(): void }>;
}

/** The clients (pools) whose database had the admin's migrations applied by this process (see {@link adminMigratedIn}). */
const migrated = new WeakSet<object>();
const clientOf = (db: NodePgDatabase<any>): object => (db as unknown as { $client?: object }).$client ?? db;

/**
 * Whether {@link migrateAdminPg} (or `migrateAdmin`) completed in this process on `db` or on
 * another drizzle handle over the same pool: then an `AdminSite` over it is ready at once.
 * @internal
 */
export function adminMigratedIn(db: NodePgDatabase<any>): boolean {
  return migrated.has(clientOf(db));
}

async function lastApplied(client: Queryable): Promise<number> {
  const { rows } = await client.query(`select to_regclass('drizzle."${ADMIN_MIGRATIONS_TABLE}"') is not null as present`);
  if (!rows[0]?.present) return 0;
  const res = await client.query(`select max(created_at) as last from drizzle."${ADMIN_MIGRATIONS_TABLE}"`);
  return Number(res.rows[0]?.last ?? 0);
}

/**
 * Runs `fn` on one connection of `db` holding the admin's migration lock ({@link withAdvisoryLock}
 * with {@link LOCK_KEY}), so processes starting together migrate one after the other.
 * @internal
 */
export async function withMigrationLock<T>(db: NodePgDatabase<any>, fn: (client: Queryable) => Promise<T>): Promise<T> {
  const raw = (db as unknown as { $client: Queryable | PoolLike }).$client;
  const pooled = "connect" in raw && typeof (raw as { totalCount?: unknown }).totalCount === "number";
  if (pooled) return withAdvisoryLock(raw as PoolLike, LOCK_KEY, fn);
  return locked(raw, LOCK_KEY, fn);
}

/**
 * Runs `fn` on one connection of `pool` holding a PostgreSQL session advisory lock
 * (`pg_advisory_lock(key)`), so that processes starting together (on any machine) do start-up
 * work one after the other: migrations, a seed. The connection runs without `statement_timeout`
 * meanwhile (a pool made with the admin's query budget has one): waiting for the lock while
 * another process builds an index, or building a trigram index over 4,000,000 rows, takes longer
 * than any read's budget, and is not a read. The lock is released and the pool's own setting
 * restored (`reset`) before the connection returns to the pool.
 *
 * @param pool - a node-postgres `Pool` (or anything whose `connect()` lends a client with `release()`)
 * @param key - the lock's key (64-bit): one per kind of start-up work
 * @param fn - the work, given the locked connection
 * @returns what `fn` returns
 * @throws `fn`'s error, after the lock was released; the driver's when the server cannot be reached
 */
export async function withAdvisoryLock<T, C extends Queryable>(pool: { connect(): Promise<C & { release(): void }> }, key: bigint | number, fn: (client: C) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await locked(client, key, fn);
  } finally {
    client.release();
  }
}

/** `fn` on `client` holding the lock `key`, without `statement_timeout` (see {@link withAdvisoryLock}). */
async function locked<T, C extends Queryable>(client: C, key: bigint | number, fn: (client: C) => Promise<T>): Promise<T> {
  await client.query("set statement_timeout = 0");
  try {
    await client.query("select pg_advisory_lock($1)", [key.toString()]);
    try {
      return await fn(client);
    } finally {
      await client.query("select pg_advisory_unlock($1)", [key.toString()]);
    }
  } finally {
    await client.query("reset statement_timeout");
  }
}

/**
 * Applies the admin's pending migrations to a node-postgres database (see `migrateAdmin`).
 * Idempotent; cheap when up to date.
 *
 * @param db - a drizzle node-postgres database over a `pg.Pool` or `pg.Client`
 * @returns what was applied
 * @throws WeftAdminError `WEFT_ADMIN_ERR_MIGRATE` when a migration fails (cause attached; the
 *   migrations run in one transaction, rolled back on failure); the driver's error when the
 *   server cannot be reached
 */
export async function migrateAdminPg(db: NodePgDatabase<any>): Promise<MigrateResult> {
  const entries = journal("pg");
  const result = await withMigrationLock(db, async (client): Promise<MigrateResult> => {
    const pending = pendingAfter(entries, await lastApplied(client));
    if (pending.length === 0) return { dialect: "pg", applied: [], baselined: false };
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    try {
      await migrate(drizzle({ client: client as never }), { migrationsFolder: migrationsFolder("pg"), migrationsTable: ADMIN_MIGRATIONS_TABLE });
    } catch (err) {
      throw adminError("WEFT_ADMIN_ERR_MIGRATE", `weft migrate: applying the admin's PostgreSQL migrations (${pending.map((p) => p.tag).join(", ")}) failed: ${(err as Error).message}`, { cause: err });
    }
    return { dialect: "pg", applied: pending.map((p) => p.tag), baselined: false };
  });
  migrated.add(clientOf(db));
  return result;
}
