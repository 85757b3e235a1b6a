/**
 * `weft migrate`: creates or upgrades the admin's own tables (`migrateAdmin`), as Django's
 * `manage.py migrate`. PostgreSQL when `DATABASE_URL` is a `postgres://` URL, else the SQLite
 * file of `--db` or the config.
 */
import { adminError } from "../errors.js";
import { migrateAdminPg, migrateSearchIndexes, type MigrateResult, type TrigramIndexSpec } from "../migrate/index.js";
import type { CliCommand, CliContext } from "./command.js";
import { openCliDb } from "./db.js";
import type { CliIO } from "./io.js";
import { usageError } from "./io.js";

const PG_URL = /^postgres(ql)?:\/\//i;

/** The trigram indexes the config's site declares (`searchIndex`), or none without a site. */
async function siteIndexes(ctx: CliContext): Promise<TrigramIndexSpec[]> {
  const build = ctx.loaded.config.site;
  if (!build) return [];
  const site = (await build()) as { searchIndexes?(): TrigramIndexSpec[] };
  return site.searchIndexes?.() ?? [];
}

/** Applies the migrations (and the site's search indexes) to the PostgreSQL database of `url` (a short-lived pool of one). */
async function migratePg(url: string, indexes: TrigramIndexSpec[]): Promise<{ result: MigrateResult; created: string[] }> {
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
    const result = await migrateAdminPg(db);
    return { result, created: await migrateSearchIndexes(db, indexes) };
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

function report(io: CliIO, where: string, result: MigrateResult, created: string[]): void {
  for (const name of created) io.stdout.write(`${where}: created search index ${name}\n`);
  if (result.baselined) io.stdout.write(`${where}: found the admin's tables from before migrations; recorded the first migration as applied\n`);
  if (result.applied.length === 0 && created.length === 0) io.stdout.write(`${where}: no migrations to apply (up to date)\n`);
  for (const tag of result.applied) io.stdout.write(`${where}: applied ${tag}\n`);
}

export const migrateCommand: CliCommand = {
  name: "migrate",
  summary: "create or upgrade the admin's tables (SQLite, or PostgreSQL with DATABASE_URL)",
  usage: `usage: weft migrate [--db FILE] [--config FILE]

Applies the admin's migrations not yet applied (its users, groups, permissions, sessions,
API tokens and audit log tables), as Django's "manage.py migrate", then creates the trigram
search indexes the config's site() declares (ModelAdmins with searchIndex: "trigram"; built
once, which takes a while on large tables). Running it again applies nothing. A database made by a Weft version without migrations is recognised and upgraded in
place. Your application's own tables are yours to migrate (e.g. drizzle-kit).

The database: PostgreSQL when DATABASE_URL is set to postgres://USER@HOST:PORT/DB, else the
SQLite file of --db FILE or of the config's "db" (created when missing). --db and a
PostgreSQL DATABASE_URL together are refused.

Exit codes: 0 up to date now, 1 failed (unreachable server, a migration failed: nothing of
it is kept), 2 bad usage.
`,
  options: {},
  positionals: [0, 0],
  async run(ctx: CliContext) {
    const { io, values, dbFile } = ctx;
    const url = io.env.DATABASE_URL;
    if (url && PG_URL.test(url)) {
      if (values.db !== undefined) throw usageError("pass either --db FILE (SQLite) or DATABASE_URL=postgres://… (PostgreSQL), not both");
      const { result, created } = await migratePg(url, await siteIndexes(ctx));
      report(io, redact(url), result, created);
      return 0;
    }
    if (url && values.db === undefined) throw usageError(`DATABASE_URL must be a postgres:// URL (got "${redact(url)}"); unset it to use the SQLite file of --db or the config`);
    // opening the file applies the migrations (as for every subcommand)
    const open = await openCliDb(dbFile, true);
    try {
      const created = await migrateSearchIndexes(open.db as never, await siteIndexes(ctx));
      report(io, open.file, open.migrated, created);
    } finally {
      open.close();
    }
    return 0;
  },
};
