/**
 * The demo's database, whichever engine: SQLite (a file, the default) or PostgreSQL (when a
 * `postgres://` URL is given, e.g. from `DATABASE_URL`). What app.ts and cluster.ts open.
 */
import type Database from "better-sqlite3";
import type { AnyDemoDb } from "./engine.js";
import { openDatabase } from "./open.js";
import { openPostgres, postgresSecret, type PostgresPoolOptions } from "./open-pg.js";

/** Where the demo's data lives. */
export interface DemoDatabaseTarget {
  /** the SQLite file (used when `databaseUrl` is not set) */
  dbFile: string;
  /** a `postgres://` URL: PostgreSQL instead of the file */
  databaseUrl?: string | undefined;
  /** PostgreSQL's pool size and statement timeout */
  pool?: PostgresPoolOptions;
}

/** An open demo database. */
export interface DemoDatabase {
  readonly engine: "sqlite" | "postgres";
  /** the drizzle database (see db/engine.ts) */
  readonly db: AnyDemoDb;
  /** SQLite only: the raw connection */
  readonly sqlite?: Database.Database;
  /** The token secret: `WEFT_SECRET`, else one kept beside the SQLite file or in PostgreSQL's `demo_settings`. */
  secret(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Opens the demo database (applying its migrations): PostgreSQL when `target.databaseUrl` is
 * set, else the SQLite file.
 *
 * @param target - the file or URL, and PostgreSQL's pool options
 * @param fileSecret - how SQLite keeps its secret (app.ts's `demoSecret`, beside the file)
 * @throws what better-sqlite3 or pg throws when the database cannot be opened or migrated
 */
export async function openDemoDatabase(target: DemoDatabaseTarget, fileSecret: (file: string) => string): Promise<DemoDatabase> {
  if (target.databaseUrl) {
    const { pool, db } = await openPostgres(target.databaseUrl, target.pool);
    return { engine: "postgres", db, secret: () => postgresSecret(pool), close: () => pool.end() };
  }
  const { db, sqlite } = openDatabase(target.dbFile);
  return { engine: "sqlite", db, sqlite, secret: async () => fileSecret(target.dbFile), close: async () => void sqlite.close() };
}
