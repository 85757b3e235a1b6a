/**
 * The admin's own migrations (`migrateAdmin`, `weft migrate`): drizzle-kit SQL generated from
 * the admin's tables for each dialect (`packages/admin/drizzle/sqlite`, `…/pg`), applied with
 * drizzle-orm's migrators, as Django's `migrate` applies `auth`, `sessions` and `admin`.
 */
import type Database from "better-sqlite3";
import { is } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { PgDatabase } from "drizzle-orm/pg-core";
import { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { adminError } from "../errors.js";
import { migrateAdminPg, withMigrationLock } from "./pg.js";
import type { TrigramIndexSpec } from "../query/search-index.js";
import { migrateSearchIndexesPg, migrateSearchIndexesSqlite } from "./search-index.js";
import { migrateAdminSqlite } from "./sqlite.js";
import type { MigrateResult } from "./journal.js";

export { ADMIN_MIGRATIONS_TABLE, BASELINE_TABLES, journal, migrationsFolder, type JournalEntry, type MigrateResult } from "./journal.js";
export { migrateAdminPg, withAdvisoryLock, type Queryable } from "./pg.js";
export { migrateAdminSqlite } from "./sqlite.js";
export { migrateSearchIndexesSqlite } from "./search-index.js";
export { trigramIndexName, type TrigramIndexSpec } from "../query/search-index.js";

type AnyDb = BetterSQLite3Database<any> | NodePgDatabase<any>;

function kind(db: AnyDb, what: string): "sqlite" | "pg" {
  if (is(db, PgDatabase)) return "pg";
  if (is(db, BaseSQLiteDatabase) && typeof (db as { $client?: { prepare?: unknown } }).$client?.prepare === "function") return "sqlite";
  throw adminError("WEFT_ADMIN_ERR_DIALECT", `weft migrate: ${what} needs a drizzle better-sqlite3 or node-postgres database (drizzle(new Database(file)) or drizzle(new pg.Pool(…)))`);
}

/**
 * Creates or upgrades the admin's tables (users, groups, permissions, sessions, API tokens,
 * audit log) by applying the migrations not yet applied, as Django's `migrate`. Idempotent: a
 * second call applies nothing. A SQLite database made by a Weft version without migrations (the
 * old `ensureAdminTables` SQL) is recognised and upgraded without recreating anything.
 * Applied migrations are recorded in `__weft_admin_migrations`, apart from the application's own.
 *
 * @param db - a drizzle database: better-sqlite3 (`drizzle-orm/better-sqlite3`) or
 *   node-postgres (`drizzle-orm/node-postgres`)
 * @returns the dialect, the migrations applied now, and whether an old database was baselined
 * @throws WeftAdminError `WEFT_ADMIN_ERR_DIALECT` for another driver; `WEFT_ADMIN_ERR_MIGRATE`
 *   when a migration fails (cause attached) or the admin's tables exist only in part
 */
export async function migrateAdmin(db: BetterSQLite3Database<any> | NodePgDatabase<any>): Promise<MigrateResult> {
  return kind(db, "migrateAdmin") === "pg" ? migrateAdminPg(db as NodePgDatabase<any>) : migrateAdminSqlite(db as BetterSQLite3Database<any>);
}

/**
 * Creates the trigram search indexes that are missing (see `search-index.ts`): FTS5 `trigram`
 * tables kept in sync by triggers on SQLite, `pg_trgm` GIN indexes on PostgreSQL. `weft migrate`
 * runs it for the config's site (`site.searchIndexes()`); an application may call it in its own
 * migration step. Idempotent; building an index over a large table takes a while, once.
 *
 * @param db - a drizzle better-sqlite3 or node-postgres database
 * @param specs - the columns to index (`site.searchIndexes()` lists the registered ModelAdmins')
 * @returns the names of the indexes created now
 * @throws WeftAdminError `WEFT_ADMIN_ERR_DIALECT` for another driver; `WEFT_ADMIN_ERR_MIGRATE`
 *   when an index cannot be created (cause attached)
 */
export async function migrateSearchIndexes(db: AnyDb, specs: readonly TrigramIndexSpec[]): Promise<string[]> {
  if (kind(db, "migrateSearchIndexes") === "sqlite") return migrateSearchIndexesSqlite((db as unknown as { $client: Database.Database }).$client, specs);
  return withMigrationLock(db as NodePgDatabase<any>, (client) => migrateSearchIndexesPg(client, specs));
}
