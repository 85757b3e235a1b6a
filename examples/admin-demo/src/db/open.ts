/**
 * Opening the demo database: one better-sqlite3 connection with the pragmas a small web app
 * wants, wrapped in drizzle, with the committed migrations applied.
 */
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { migrateAdminSqlite } from "@weft/admin/migrate";
import * as schema from "./schema.js";

/** The drizzle handle over the demo schema. */
export type DemoDb = BetterSQLite3Database<typeof schema>;

/** An open demo database: the raw connection and the drizzle handle over it. */
export interface OpenDatabase {
  /** The better-sqlite3 connection (prepared statements, pragmas, `close()`). */
  sqlite: Database.Database;
  /** The drizzle handle over the same connection. */
  db: DemoDb;
}

/**
 * The folder of generated SQL migrations (`examples/admin-demo/drizzle`). Resolved relative to
 * this module, which sits two levels below the package both as `src/db/open.ts` and as
 * `dist/db/open.js`.
 */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../drizzle", import.meta.url));

/**
 * Opens (creating if needed) the SQLite file, sets WAL journaling, `synchronous=NORMAL`,
 * foreign keys and a 5 s busy timeout, and applies any pending migrations (the demo's, then the
 * admin's own tables').
 *
 * @param file - path of the database file (`":memory:"` works too, without WAL).
 * @returns the raw connection and the drizzle handle; close with `sqlite.close()`.
 */
export function openDatabase(file: string): OpenDatabase {
  const sqlite = new Database(file);
  try {
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    migrateAdminSqlite(db);
    return { sqlite, db };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}
