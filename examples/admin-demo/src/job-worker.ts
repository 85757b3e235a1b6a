/**
 * A job worker of the demo (`--job-workers M`): runs the order actions' jobs from BullMQ and
 * serves no page. Same database and Redis as the web workers; progress reaches their pages
 * through the Redis channel layer. SIGTERM / SIGINT (or the primary going away): stops taking
 * jobs, waits for the running ones, exits.
 */
import { startJobWorker } from "@weft/admin/jobs";
import { buildAdmin } from "./admin.js";
import { demoSecret } from "./app.js";
import type { DemoConfig } from "./cluster.js";
import { openDemoDatabase } from "./db/connect.js";

/** Runs until a signal; `slot` names it in job records and logs (`job-worker-<slot>`). */
export async function runJobWorker(config: DemoConfig, slot: number): Promise<void> {
  if (!config.redisUrl) throw new Error("job workers need REDIS_URL");
  // the web workers' engine: the SQLite file, or PostgreSQL with DATABASE_URL
  const database = await openDemoDatabase(config, demoSecret);
  const site = await buildAdmin(database.db, database.sqlite, { bullmq: { url: config.redisUrl } }).ready();
  const say = (level: string) => (obj: unknown, msg?: string) => console.error(`job worker ${slot}: ${level}: ${msg ?? ""}`, (obj as { err?: unknown })?.err ?? "");
  const logger = { error: say("error"), warn: say("warning"), info: () => {}, debug: () => {} };
  const worker = startJobWorker(site, { redisUrl: config.redisUrl, logger, bullmq: { worker: `job-worker-${slot}:${process.pid}` } });
  console.log(`Job worker ${slot} (pid ${process.pid}) runs ${worker.kinds.join(", ")}.`);
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(1), config.stopGraceMs).unref();
    void worker
      .close()
      .then(() => database.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, shutdown);
  process.once("disconnect", shutdown);
}
