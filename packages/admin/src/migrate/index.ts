/**
 * The admin's own migrations (`migrateAdmin`, `weft migrate`): drizzle-kit SQL generated from
 * the admin's tables for each dialect (`packages/admin/drizzle/sqlite`, `…/pg`), applied with
 * drizzle-orm's migrators, as Django's `migrate` applies `auth`, `sessions` and `admin`.
 */
import { is } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { PgDatabase } from "drizzle-orm/pg-core";
import { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { adminError } from "../errors.js";
import { migrateAdminPg } from "./pg.js";
import { migrateAdminSqlite } from "./sqlite.js";
import type { MigrateResult } from "./journal.js";

export { ADMIN_MIGRATIONS_TABLE, BASELINE_TABLES, journal, migrationsFolder, type JournalEntry, type MigrateResult } from "./journal.js";
export { migrateAdminPg } from "./pg.js";
export { migrateAdminSqlite } from "./sqlite.js";

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
  if (is(db, PgDatabase)) return migrateAdminPg(db as NodePgDatabase<any>);
  if (is(db, BaseSQLiteDatabase) && typeof (db as { $client?: { prepare?: unknown } }).$client?.prepare === "function") return migrateAdminSqlite(db as BetterSQLite3Database<any>);
  throw adminError("WEFT_ADMIN_ERR_DIALECT", "weft migrate: migrateAdmin needs a drizzle better-sqlite3 or node-postgres database (drizzle(new Database(file)) or drizzle(new pg.Pool(…)))");
}
