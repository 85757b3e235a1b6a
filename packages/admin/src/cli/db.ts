/**
 * The SQLite database a `weft` subcommand works on: `--db FILE`, else the config's `db`.
 */
import { existsSync } from "node:fs";
import type Database from "better-sqlite3";
import type { AdminDb } from "../auth/schema.js";
import { migrateAdminSqlite, type MigrateResult } from "../migrate/index.js";
import { adminError } from "../errors.js";
import { usageError } from "./io.js";

/** An open admin database; `close()` when done. */
export interface CliDb {
  db: AdminDb;
  sqlite: Database.Database;
  file: string;
  /** what opening it applied of the admin's migrations */
  migrated: MigrateResult;
  close(): void;
}

/**
 * Opens the admin database and applies the admin's pending migrations (creating the `weft_*`
 * tables on a new file, as `createsuperuser` needs).
 *
 * @param file - the `--db` value or the config's `db`
 * @param create - whether a missing file may be created (only `createsuperuser`)
 * @throws WeftAdminError `WEFT_ADMIN_ERR_CLI_USAGE` when no file is named;
 *   `WEFT_ADMIN_ERR_CLI_CONFIG` when the file does not exist and `create` is false
 */
export async function openCliDb(file: string | undefined, create: boolean): Promise<CliDb> {
  if (!file) throw usageError("no database: pass --db FILE, or run where a weft.config.js names one (or pass --config FILE)");
  if (!create && !existsSync(file)) throw adminError("WEFT_ADMIN_ERR_CLI_CONFIG", `database ${file} does not exist`);
  // loaded here so that importing the CLI's modules does not load the native driver
  const { default: Sqlite } = await import("better-sqlite3");
  const { drizzle } = await import("drizzle-orm/better-sqlite3");
  const sqlite = new Sqlite(file);
  try {
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    const db = drizzle(sqlite);
    const migrated = migrateAdminSqlite(db);
    return { db, sqlite, file, migrated, close: () => sqlite.close() };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}
