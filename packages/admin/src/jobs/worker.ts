/**
 * A job worker: a process that runs the site's progress jobs from BullMQ and serves no page
 * (`weft worker`, the demo's `--job-workers`).
 */
import { RedisChannelLayer } from "@weft/server/pubsub";
import type { Logger } from "@weft/server";
import type { JobQueue } from "@weft/server/jobs";
import { adminError } from "../errors.js";
import type { BullJobQueueOptions } from "./bullmq-queue.js";
import { installJobs, type JobsHost } from "./install.js";
import { progressActionsOf } from "./csv/export.js";

/** A running job worker (see {@link startJobWorker}). */
export interface JobWorker {
  readonly queue: JobQueue;
  /** the kinds of job (qualified action names) it runs */
  readonly kinds: string[];
  /** Stops taking jobs, waits for the running ones, closes the connections. */
  close(): Promise<void>;
}

/**
 * Runs `site`'s progress jobs in this process: a channel layer on `redisUrl` (progress reaches
 * every web worker's pages through it) and BullMQ workers for every progress action.
 * @param options - `redisUrl` (default the site's `jobs.bullmq.url`), BullMQ overrides, a logger
 * @throws WeftAdminError `WEFT_ADMIN_ERR_JOB_QUEUE` without a Redis URL, or when the site has no progress action;
 *   `WEFT_ADMIN_ERR_NOT_READY` for a PostgreSQL site before `await site.ready()`
 */
export function startJobWorker(site: JobsHost, options: { redisUrl?: string; logger: Logger; bullmq?: Partial<BullJobQueueOptions> }): JobWorker {
  // an AdminSite on PostgreSQL: its jobs write audit rows into tables that may not exist yet
  (site as { assertReady?(what: string): void }).assertReady?.("startJobWorker");
  const url = options.redisUrl ?? site.jobOptions.bullmq?.url;
  if (!url) throw adminError("WEFT_ADMIN_ERR_JOB_QUEUE", "a job worker needs Redis: pass --redis URL (or set REDIS_URL, or the site's jobs.bullmq.url)");
  const layer = new RedisChannelLayer(url, { onError: (err) => options.logger.warn({ err }, "weft worker: channel layer error") });
  const queue = installJobs(site, layer, options.logger, { ...options.bullmq, url, runJobs: true });
  const kinds = site.all().flatMap((a) => progressActionsOf(a).filter((x) => typeof x.progress === "object" && x.progress.execute).map((x) => `${a.app}.${a.name}.${x.name}`));
  return {
    queue,
    kinds,
    async close() {
      await queue.close();
      await layer.close();
    },
  };
}
