/**
 * Where an `AdminSite` sends its reads, and the budget they run under: the SQLite read pool
 * made from the site's own connection, or PostgreSQL's `statement_timeout` on the site's pool.
 */
import { existsSync } from "node:fs";
import type { AdminDatabase, Dialect } from "../dialect/index.js";
import type { QueryTimeoutError } from "../budget.js";
import { SqliteReadPool } from "./pool.js";

/** The `readPool` option of `AdminSite`: reader processes (default 2) and their `nice` (default 10), or `false` for none. */
export type ReadPoolOption = false | { size?: number; nice?: number };

/** A site's reads: the database to build them on, and the pool behind it (SQLite on a file). */
export interface SiteReads {
  readonly reads: AdminDatabase;
  readonly pool: SqliteReadPool | undefined;
}

type SqliteClient = { name?: unknown; memory?: unknown };
type PgPoolClient = { options?: { statement_timeout?: unknown; options?: unknown } };

/**
 * The server settings an `AdminSite` gives its PostgreSQL pool's connections when the pool sets
 * none (`options`): no parallel workers, so one user's statement keeps to one backend, one core.
 * A broad search's sum over 400,000 orders ran as 3 processes on a 2-core machine (the other
 * clients' clicks waited for the CPU: `pnpm bench:stall`).
 */
export const PG_READ_OPTIONS = "-c max_parallel_workers_per_gather=0";

/**
 * SQLite on a file: a {@link SqliteReadPool} on that file (unless `option` is `false`), whose
 * drizzle database takes the reads; in memory (or with `false`): the site's own database.
 * PostgreSQL: the site's own database, its pool given `statement_timeout = budgetMs` for the
 * connections it opens from now on when it has none (a pool made with `pgBudget` keeps its own),
 * and {@link PG_READ_OPTIONS} when it has no `options` of its own.
 */
export function siteReads(db: AdminDatabase, dialect: Dialect, budgetMs: number, option: ReadPoolOption | undefined, onTimeout?: (err: QueryTimeoutError) => void): SiteReads {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (dialect.name === "postgres") {
    const options = (client as PgPoolClient | undefined)?.options;
    if (options && options.statement_timeout === undefined) options.statement_timeout = budgetMs;
    if (options && options.options === undefined) options.options = PG_READ_OPTIONS;
    return { reads: db, pool: undefined };
  }
  const { name, memory } = (client ?? {}) as SqliteClient;
  if (option === false || memory || typeof name !== "string" || name === "" || !existsSync(name)) return { reads: db, pool: undefined };
  const pool = new SqliteReadPool({ file: name, size: option?.size, nice: option?.nice, timeoutMs: budgetMs, client: client as object, onTimeout });
  return { reads: pool.db as unknown as AdminDatabase, pool };
}
