#!/usr/bin/env node
/**
 * `pnpm demo`: seeds the shop database when missing, then serves the demo.
 *
 * ```
 * node examples/admin-demo/dist/main.js [serve] [--workers N]   # N > 1: N workers on one port (node:cluster)
 * node examples/admin-demo/dist/main.js check [--workers N]     # the admin's start-up checks; exit 1 on errors
 * ```
 *
 * Environment: PORT (3000), HOST (127.0.0.1), DEMO_DB (examples/admin-demo/demo.db),
 * SIMULATE_MS (an order every 3,000 ms; 0 turns the simulator off), WORKERS (1; as --workers),
 * REDIS_URL (unset: the in-memory channel layer, one process; set: the Redis channel layer,
 * needed by several workers or processes), WEFT_SECRET (default: kept in `<DEMO_DB>.secret`),
 * ACTION_ROW_DELAY_MS (100: the pause per order of the demo's progress actions), LOG_LEVEL (warn),
 * JOB_WORKERS (0; as --job-workers), JOB_QUEUE=bullmq (enqueue on BullMQ for job workers
 * started apart, e.g. `pnpm weft worker`).
 * See cluster.ts.
 */
import cluster from "node:cluster";
import { checkCommand, DemoConfigError, readConfig, runPrimary, serve } from "./cluster.js";
import { runJobWorker } from "./job-worker.js";

const USAGE = `usage: main.js [serve|check] [--workers N]

serve (default)  seeds the shop database when missing, then serves the demo
check            runs the admin's start-up checks; exit 1 on errors
--workers N      N > 1: N worker processes on one port (also WORKERS=N)
--job-workers M  M processes that only run the bulk actions' jobs (BullMQ; needs REDIS_URL;
                 also JOB_WORKERS=M); the web workers then run none

Environment: PORT, HOST, DEMO_DB, SIMULATE_MS, WORKERS, REDIS_URL, WEFT_SECRET,
ACTION_ROW_DELAY_MS, LOG_LEVEL (see the top of src/main.ts). The admin's own commands
(createsuperuser, tokens, seed, check, …): \`pnpm weft --help\` in examples/admin-demo.
`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(0);
}

let config;
try {
  config = readConfig(args, process.env);
} catch (err) {
  if (!(err instanceof DemoConfigError)) throw err;
  console.error(`weft demo: ${err.message}\n${USAGE}`);
  process.exit(2);
}

if (config.command === "check") process.exit(await checkCommand(config));
else if ((config.workers > 1 || config.jobWorkers > 0) && cluster.isPrimary) await runPrimary(config);
else if (process.env.WEFT_JOB_WORKER) await runJobWorker(config, Number(process.env.WEFT_JOB_WORKER));
else await serve(config);
