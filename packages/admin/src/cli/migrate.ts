/**
 * `weft migrate`: creates or upgrades the admin's own tables (`migrateAdmin`), as Django's
 * `manage.py migrate`. PostgreSQL when `DATABASE_URL` is a `postgres://` URL, else the SQLite
 * file of `--db` or the config.
 */
import { migrateSearchIndexes, type MigrateResult, type TrigramIndexSpec } from "../migrate/index.js";
import type { CliCommand, CliContext } from "./command.js";
import { openCliDb } from "./db.js";
import type { CliIO } from "./io.js";

/** The trigram indexes the config's site declares (`searchIndex`), or none without a site. */
async function siteIndexes(ctx: CliContext): Promise<TrigramIndexSpec[]> {
  const build = ctx.loaded.config.site;
  if (!build) return [];
  const site = (await build()) as { searchIndexes?(): TrigramIndexSpec[] };
  return site.searchIndexes?.() ?? [];
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
    // opening the database applies the admin's migrations (as for every subcommand)
    const open = await openCliDb(ctx, true);
    try {
      const created = await migrateSearchIndexes(open.drizzle, await siteIndexes(ctx));
      report(ctx.io, open.where, open.migrated, created);
    } finally {
      await open.close();
    }
    return 0;
  },
};
