/**
 * The database a `weft` subcommand works on: PostgreSQL when `DATABASE_URL` is a `postgres://`
 * URL, else the SQLite file of `--db FILE` or the config's `db`.
 */
import { existsSync } from "node:fs";
import type { AdminStoreDb } from "../auth/schema.js";
import { migrateAdminPg, migrateAdminSqlite, type MigrateResult } from "../migrate/index.js";
import type { AdminDatabase } from "../query/dialect/index.js";
import { adminError } from "../errors.js";
import type { CliContext } from "./command.js";
import { usageError } from "./io.js";

/** An open admin database; `await close()` when done. */
export interface CliDb {
  /** the database as the admin's stores take it (`UserStore`, `ApiTokens`, `createSuperuser`) */
  db: AdminStoreDb;
  /** the same database as drizzle made it (better-sqlite3 or node-postgres) */
  drizzle: AdminDatabase;
  engine: "sqlite" | "postgres";
  /** the SQLite file, or the PostgreSQL URL without its password (for messages) */
  where: string;
  /** what opening it applied of the admin's migrations */
  migrated: MigrateResult;
  close(): Promise<void>;
}

const PG_URL = /^postgres(ql)?:\/\//i;

/**
 * `url` with its password replaced by `***`, for messages and logs
 * (`postgres://user:secret@host/db` → `postgres://user:***@host/db`); `(unparsable URL)` when it is not a URL.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/** A pool of one on `url` (short-lived: a command's statements run one after the other). */
async function openPg(url: string): Promise<CliDb> {
  let pg: typeof import("pg");
  try {
    pg = await import("pg");
  } catch (err) {
    throw adminError("WEFT_ADMIN_ERR_CLI_CONFIG", "DATABASE_URL names PostgreSQL but the pg driver is not installed: add it (pnpm add pg)", { cause: err });
  }
  const Pool = pg.default?.Pool ?? pg.Pool;
  const pool = new Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 10_000 });
  // an idle connection dropped by the server is not an error of the command (a query's error is)
  pool.on("error", () => {});
  try {
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const db = drizzle({ client: pool });
    const migrated = await migrateAdminPg(db);
    return { db, drizzle: db, engine: "postgres", where: redactUrl(url), migrated, close: () => pool.end() };
  } catch (err) {
    await pool.end();
    throw err;
  }
}

async function openSqlite(file: string | undefined, create: boolean): Promise<CliDb> {
  if (!file) throw usageError("no database: pass --db FILE, or run where a weft.config.js names one (or pass --config FILE), or set DATABASE_URL=postgres://…");
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
    return { db, drizzle: db, engine: "sqlite", where: file, migrated, close: async () => void sqlite.close() };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

/**
 * Opens the command's database and applies the admin's pending migrations (creating the
 * `weft_*` tables in a new database, as `createsuperuser` needs): PostgreSQL when
 * `DATABASE_URL` is a `postgres://` (or `postgresql://`) URL, else the SQLite file of `--db`
 * or the config's `db`.
 *
 * @param ctx - the environment (`DATABASE_URL`), `--db`, and the file (`--db`, else the config's)
 * @param create - whether a missing SQLite file may be created (`createsuperuser`, `migrate`)
 * @throws WeftAdminError `WEFT_ADMIN_ERR_CLI_USAGE` when no database is named, when `--db` and a
 *   PostgreSQL `DATABASE_URL` are both given, or `DATABASE_URL` is not a postgres:// URL (and no
 *   `--db`); `WEFT_ADMIN_ERR_CLI_CONFIG` when the SQLite file does not exist and `create` is
 *   false, or pg is not installed; the driver's error when the server cannot be reached
 */
export async function openCliDb(ctx: Pick<CliContext, "io" | "values" | "dbFile">, create: boolean): Promise<CliDb> {
  const url = ctx.io.env.DATABASE_URL;
  if (url && PG_URL.test(url)) {
    if (ctx.values.db !== undefined) throw usageError("pass either --db FILE (SQLite) or DATABASE_URL=postgres://… (PostgreSQL), not both");
    return openPg(url);
  }
  if (url && ctx.values.db === undefined) throw usageError(`DATABASE_URL must be a postgres:// URL (got "${redactUrl(url)}"); unset it to use the SQLite file of --db or the config`);
  return openSqlite(ctx.dbFile, create);
}
