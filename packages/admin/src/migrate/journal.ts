/**
 * Where the admin's generated migrations are (`packages/admin/drizzle/<dialect>/`, shipped in
 * the package), what their journal lists, and the table that records which ones a database has.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AdminDialect } from "../auth/tables.js";
import { adminError } from "../errors.js";

/**
 * The table recording the admin's applied migrations (`hash`, `created_at`), as drizzle's
 * `__drizzle_migrations` but of its own, so the application's own drizzle migrations (which
 * use `__drizzle_migrations`) and the admin's never mistake each other's rows. On PostgreSQL it
 * lives in the `drizzle` schema, as drizzle's own.
 */
export const ADMIN_MIGRATIONS_TABLE = "__weft_admin_migrations";

/**
 * The migrations folder of a dialect. This module sits two levels below the package both as
 * `src/migrate/journal.ts` and as `dist/migrate/journal.js`.
 */
export function migrationsFolder(dialect: AdminDialect): string {
  return fileURLToPath(new URL(`../../drizzle/${dialect}`, import.meta.url));
}

/** One migration of drizzle-kit's journal: its file name (without `.sql`) and its timestamp (ms). */
export interface JournalEntry {
  tag: string;
  when: number;
}

/** The migrations of a dialect, oldest first, as `meta/_journal.json` lists them. */
export function journal(dialect: AdminDialect): JournalEntry[] {
  const file = `${migrationsFolder(dialect)}/meta/_journal.json`;
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { entries: JournalEntry[] };
  return parsed.entries.map((e) => ({ tag: e.tag, when: e.when }));
}

/** What `migrateAdmin` did. */
export interface MigrateResult {
  dialect: AdminDialect;
  /** the tags of the migrations applied now, oldest first (empty: the database was up to date) */
  applied: string[];
  /**
   * true when the database had the admin's tables from a Weft version without migrations
   * (created by the old `ensureAdminTables` SQL): the first migration was recorded as applied
   * without running it, as Django's `migrate --fake-initial`
   */
  baselined: boolean;
}

/** The migrations newer than the last one recorded (`lastWhen`, 0 when none is). */
export function pendingAfter(entries: JournalEntry[], lastWhen: number): JournalEntry[] {
  return entries.filter((e) => e.when > lastWhen);
}

/**
 * The tables the first migration creates, which Weft created with hand-written SQL before it
 * had migrations. When a database has all of them and no migration record, it is such a
 * database: the first migration is recorded as applied (see {@link MigrateResult.baselined}).
 */
export const BASELINE_TABLES = [
  "weft_users",
  "weft_groups",
  "weft_user_groups",
  "weft_group_permissions",
  "weft_user_permissions",
  "weft_sessions",
  "weft_api_tokens",
  "weft_audit_log",
] as const;

/**
 * Decides what to do with the baseline tables found in a database without migration records.
 * @returns true to record the first migration as applied, false to run it
 * @throws WeftAdminError `WEFT_ADMIN_ERR_MIGRATE` when only some of them exist
 */
export function needsBaseline(found: readonly string[]): boolean {
  const present = BASELINE_TABLES.filter((t) => found.includes(t));
  if (present.length === 0) return false;
  if (present.length === BASELINE_TABLES.length) return true;
  const missing = BASELINE_TABLES.filter((t) => !found.includes(t));
  throw adminError(
    "WEFT_ADMIN_ERR_MIGRATE",
    `weft migrate: the database has some of the admin's tables (${present.join(", ")}) but not ${missing.join(", ")}, and no record of the admin's migrations: restore the missing tables or drop the partial ones, then run it again`,
  );
}
