/**
 * The admin's migrations on SQLite (better-sqlite3), applied with drizzle's better-sqlite3
 * migrator; synchronous, as the driver is.
 */
import type Database from "better-sqlite3";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { adminError } from "../errors.js";
import { ADMIN_MIGRATIONS_TABLE, journal, migrationsFolder, needsBaseline, pendingAfter, type MigrateResult } from "./journal.js";

function lastApplied(client: Database.Database): number {
  const exists = client.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(ADMIN_MIGRATIONS_TABLE);
  if (!exists) return 0;
  const row = client.prepare(`select max(created_at) as last from "${ADMIN_MIGRATIONS_TABLE}"`).get() as { last: number | string | null };
  return Number(row.last ?? 0);
}

/** Records the first migration as applied without running it (a database of the old SQL). */
function recordBaseline(client: Database.Database, folder: string): void {
  const first = readMigrationFiles({ migrationsFolder: folder })[0]!;
  client.exec(`CREATE TABLE IF NOT EXISTS "${ADMIN_MIGRATIONS_TABLE}" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`);
  client.prepare(`INSERT INTO "${ADMIN_MIGRATIONS_TABLE}" ("hash", "created_at") VALUES (?, ?)`).run(first.hash, first.folderMillis);
}

/**
 * Applies the admin's pending migrations to a better-sqlite3 database (see `migrateAdmin`).
 * Idempotent and cheap when up to date (two reads). Another process applying them at the same
 * time is waited for (the connection's `busy_timeout`) and not an error.
 *
 * @param db - a drizzle better-sqlite3 database
 * @returns what was applied
 * @throws WeftAdminError `WEFT_ADMIN_ERR_MIGRATE` when a migration fails (cause attached; the
 *   failed migration is rolled back) or the admin's tables exist only in part
 */
export function migrateAdminSqlite(db: BetterSQLite3Database<any>): MigrateResult {
  const client = (db as unknown as { $client?: Database.Database }).$client;
  if (typeof client?.prepare !== "function") throw adminError("WEFT_ADMIN_ERR_DIALECT", "weft migrate: migrateAdminSqlite needs a drizzle better-sqlite3 database (drizzle(new Database(file)))");
  const folder = migrationsFolder("sqlite");
  const entries = journal("sqlite");
  let last = lastApplied(client);
  let baselined = false;
  if (last === 0) {
    const found = (client.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((r) => r.name);
    if (needsBaseline(found)) {
      client.transaction(() => {
        if (lastApplied(client) === 0) recordBaseline(client, folder);
      }).immediate();
      baselined = true;
      last = lastApplied(client);
    }
  }
  const pending = pendingAfter(entries, last);
  if (pending.length === 0) return { dialect: "sqlite", applied: [], baselined };
  try {
    migrate(db, { migrationsFolder: folder, migrationsTable: ADMIN_MIGRATIONS_TABLE });
  } catch (err) {
    // another process may have applied them between our read and our write
    if (pendingAfter(entries, lastApplied(client)).length === 0) return { dialect: "sqlite", applied: [], baselined };
    throw adminError("WEFT_ADMIN_ERR_MIGRATE", `weft migrate: applying the admin's SQLite migrations (${pending.map((p) => p.tag).join(", ")}) failed: ${(err as Error).message}`, { cause: err });
  }
  return { dialect: "sqlite", applied: pending.map((p) => p.tag), baselined };
}
