// The `weft` command's config for the demo (docs/admin.md, "The weft command"): run
// `pnpm weft COMMAND` here, e.g. `pnpm weft seed --fresh`, `pnpm weft check --workers 2`,
// `pnpm weft tokens create --username admin --name ci`. Needs `pnpm build` first.
// With DATABASE_URL=postgres://… every command works on PostgreSQL instead of the file
// (createsuperuser, changepassword, tokens and migrate open it themselves; site() below does
// for check, worker and migrate's search indexes).
import { buildAdmin } from "./dist/admin.js";
import { demoSecret } from "./dist/app.js";
import { databaseFile } from "./dist/db/cli.js";
import { openDemoDatabase } from "./dist/db/connect.js";
import { isPostgresUrl } from "./dist/db/open-pg.js";
import { runSeedCli, SEED_USAGE } from "./dist/db/seed-cli.js";

const db = databaseFile(undefined);
const databaseUrl = isPostgresUrl(process.env.DATABASE_URL) ? process.env.DATABASE_URL : undefined;

/** @type {import("@weft/admin/cli").WeftCliConfig} */
export default {
  // $DEMO_DB, else examples/admin-demo/demo.db
  db,
  async site() {
    // the pool lets a short command (check, migrate) exit without closing it; a job body's
    // statements get no 2 s budget (a job worker is not serving pages)
    const database = await openDemoDatabase({ dbFile: db, databaseUrl, pool: { allowExitOnIdle: true, statementTimeoutMs: 0 } }, demoSecret);
    return buildAdmin(database.db, database.sqlite);
  },
  seed: (argv) => runSeedCli(argv),
  seedUsage: `weft seed ${SEED_USAGE}`,
};
