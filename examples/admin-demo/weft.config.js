// The `weft` command's config for the demo (docs/admin.md, "The weft command"): run
// `pnpm weft COMMAND` here, e.g. `pnpm weft seed --fresh`, `pnpm weft check --workers 2`,
// `pnpm weft tokens create --username admin --name ci`. Needs `pnpm build` first.
import { buildAdmin } from "./dist/admin.js";
import { databaseFile } from "./dist/db/cli.js";
import { openDatabase } from "./dist/db/open.js";
import { runSeedCli, SEED_USAGE } from "./dist/db/seed-cli.js";

const db = databaseFile(undefined);

/** @type {import("@weft/admin/cli").WeftCliConfig} */
export default {
  // $DEMO_DB, else examples/admin-demo/demo.db
  db,
  site() {
    const { db: handle, sqlite } = openDatabase(db);
    return buildAdmin(handle, sqlite);
  },
  seed: (argv) => runSeedCli(argv),
  seedUsage: `weft seed ${SEED_USAGE}`,
};
