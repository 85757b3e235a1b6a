/**
 * `weft migrate`: creates or upgrades the admin's own tables (`migrateAdmin`), as Django's
 * `manage.py migrate`. PostgreSQL when `DATABASE_URL` is a `postgres://` URL, else the SQLite
 * file of `--db` or the config.
 */
import { adminError } from "../errors.js";
import { migrateAdminPg, type MigrateResult } from "../migrate/index.js";
import type { CliCommand, CliContext } from "./command.js";
import { openCliDb } from "./db.js";
import type { CliIO } from "./io.js";
import { usageError } from "./io.js";

const PG_URL = /^postgres(ql)?:\/\//i;

/** Applies the migrations to the PostgreSQL database of `url` (a short-lived pool of one). */
async function migratePg(url: string): Promise<MigrateResult> {
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
    return await migrateAdminPg(drizzle({ client: pool }));
  } finally {
    await pool.end();
  }
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable DATABASE_URL)";
  }
}

function report(io: CliIO, where: string, result: MigrateResult): void {
  if (result.baselined) io.stdout.write(`${where}: found the admin's tables from before migrations; recorded the first migration as applied\n`);
  if (result.applied.length === 0) io.stdout.write(`${where}: no migrations to apply (up to date)\n`);
  for (const tag of result.applied) io.stdout.write(`${where}: applied ${tag}\n`);
}

export const migrateCommand: CliCommand = {
  name: "migrate",
  summary: "create or upgrade the admin's tables (SQLite, or PostgreSQL with DATABASE_URL)",
  usage: `usage: weft migrate [--db FILE] [--config FILE]

Applies the admin's migrations not yet applied (its users, groups, permissions, sessions,
API tokens and audit log tables), as Django's "manage.py migrate". Running it again applies
nothing. A database made by a Weft version without migrations is recognised and upgraded in
place. Your application's own tables are yours to migrate (e.g. drizzle-kit).

The database: PostgreSQL when DATABASE_URL is set to postgres://USER@HOST:PORT/DB, else the
SQLite file of --db FILE or of the config's "db" (created when missing). --db and a
PostgreSQL DATABASE_URL together are refused.

Exit codes: 0 up to date now, 1 failed (unreachable server, a migration failed: nothing of
it is kept), 2 bad usage.
`,
  options: {},
  positionals: [0, 0],
  async run({ io, values, dbFile }: CliContext) {
    const url = io.env.DATABASE_URL;
    if (url && PG_URL.test(url)) {
      if (values.db !== undefined) throw usageError("pass either --db FILE (SQLite) or DATABASE_URL=postgres://… (PostgreSQL), not both");
      report(io, redact(url), await migratePg(url));
      return 0;
    }
    if (url && values.db === undefined) throw usageError(`DATABASE_URL must be a postgres:// URL (got "${redact(url)}"); unset it to use the SQLite file of --db or the config`);
    // opening the file applies the migrations (as for every subcommand)
    const open = await openCliDb(dbFile, true);
    open.close();
    report(io, open.file, open.migrated);
    return 0;
  },
};
