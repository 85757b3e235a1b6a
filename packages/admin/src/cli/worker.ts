/** `weft worker`: runs the config's site's progress jobs from BullMQ and serves no page (a job worker). */
import { adminError } from "../errors.js";
import { startJobWorker } from "../jobs/worker.js";
import type { JobsHost } from "../jobs/install.js";
import type { CliCommand } from "./command.js";
import { usageError } from "./io.js";

const int = (name: string, v: string | boolean | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--${name} must be an integer >= 1 (got "${String(v)}")`);
  return n;
};

export const workerCommand: CliCommand = {
  name: "worker",
  summary: "run the site's background jobs (BullMQ on Redis), serving no page",
  usage: `usage: weft worker [--redis URL] [--concurrency N] [--config FILE]

Builds the site with the config file's site() and runs its progress actions' jobs from
BullMQ: the web processes enqueue them (the site's jobs.bullmq), any number of workers like
this one run them, at most each action's concurrency at once across all of them, and at most
--concurrency N of one action in this process. Progress reaches every web worker's pages
through the Redis channel layer; a worker that dies hands its jobs to another (resumed when
the action is resumable, else shown as lost). SIGTERM / SIGINT: stops taking jobs, waits for
the running ones, exits 0.

Redis: --redis URL, else $REDIS_URL, else the site's jobs.bullmq.url. The database is the
site's (a config whose site() opens DATABASE_URL when set runs on PostgreSQL); the worker
applies the admin's pending migrations to it first (site.ready()).

Exit codes: 0 stopped by a signal, 1 the site failed to build or no Redis, 2 bad usage.
`,
  options: { redis: { type: "string" }, concurrency: { type: "string" } },
  positionals: [0, 0],
  async run({ io, values, loaded }) {
    const { config, file } = loaded;
    const workerConcurrency = int("concurrency", values.concurrency);
    if (!config.site) throw adminError("WEFT_ADMIN_ERR_CLI_CONFIG", `weft worker needs a config file whose default export has site() (${file ? `${file} has none` : "no weft.config.js here; pass --config FILE"})`);
    const site = (await config.site()) as JobsHost;
    if (typeof site.attachJobs !== "function") throw adminError("WEFT_ADMIN_ERR_CLI_CONFIG", "weft worker: site() must return an AdminSite");
    // the admin's tables (on PostgreSQL: applied now if site() did not; once for every process)
    await (site as { ready?(): Promise<unknown> }).ready?.();
    const say = (line: string) => io.stderr.write(`weft worker: ${line}\n`);
    const logger = {
      error: (obj: unknown, msg?: string) => say(`error: ${msg ?? ""} ${(obj as { err?: Error })?.err?.stack ?? ""}`),
      warn: (obj: unknown, msg?: string) => say(`warning: ${msg ?? ""} ${(obj as { err?: Error })?.err?.message ?? ""}`),
      info: () => {},
      debug: () => {},
    };
    const redisUrl = (values.redis as string | undefined) ?? io.env.REDIS_URL;
    const worker = startJobWorker(site, { logger, ...(redisUrl ? { redisUrl } : {}), ...(workerConcurrency ? { bullmq: { workerConcurrency } } : {}) });
    io.stdout.write(`weft worker: pid ${process.pid} runs ${worker.kinds.length} kinds of job (${worker.kinds.join(", ") || "none"})\n`);
    await new Promise<void>((resolve) => {
      for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve());
    });
    await worker.close();
    return 0;
  },
};
