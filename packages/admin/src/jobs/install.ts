/**
 * Wiring a site's progress actions to a job queue: the engine (in-process, or BullMQ with
 * `jobs.bullmq`) and one handler per progress action, registered under its qualified name.
 */
import { InProcessJobQueue, JobStore, type JobQueue, type JobRecord, type JobStoreOptions } from "@weft/server/jobs";
import { sweepExports } from "./csv/stored.js";
import type { ChannelLayer } from "@weft/server/pubsub";
import type { Logger } from "@weft/server";
import { isProgressAction } from "../checks/index.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { ProgressActionInfo } from "../model/actions.js";
import { BullJobQueue, type BullJobQueueOptions } from "./bullmq-queue.js";
import { jobActionRef } from "./refs.js";
import { isFinishedExport, progressActionsOf } from "./csv/export.js";
import { JobHistoryRecorder, startHistoryPruner } from "../jobhistory/index.js";

/**
 * `new AdminSite({ jobs })`: the job store's options (`retentionMs` is how long the channel
 * layer keeps a record), the job history's (`retentionDays`, `historyPruneEveryMs`,
 * `historyProgressMs`, `now`) and, for BullMQ, `bullmq`.
 */
export interface SiteJobOptions extends Omit<JobStoreOptions, "logger" | "onWrite"> {
  /**
   * days a finished job is kept in the database's job history (`weft_jobs`) after it finished
   * (default 30), as listed on "My jobs" and "All jobs"; older ones are pruned
   * @throws WeftAdminError `WEFT_ADMIN_ERR_JOB_HISTORY` (from `new AdminSite`) unless a positive number
   */
  retentionDays?: number;
  /** how often the history is pruned (ms; default 3,600,000 = one hour; one process of the site prunes per round) */
  historyPruneEveryMs?: number;
  /** shortest interval between two progress writes of a running job to the history (ms; default 5,000); status changes are written at once */
  historyProgressMs?: number;
  /** the job history's clock (ms epoch; default `Date.now`), for tests of the retention */
  now?: () => number;
  /**
   * run the jobs on BullMQ (Redis) job workers (`weft worker`) instead of in the process that
   * enqueued them; web processes only enqueue unless `runJobs` is set
   */
  bullmq?: Omit<BullJobQueueOptions, "logger">;
}

/** A site that can take its job store and queue (AdminSite). */
export interface JobsHost extends AdminSiteLike {
  readonly jobOptions: SiteJobOptions;
  attachJobs(store: JobStore, log: Logger, queue?: JobQueue): void;
}

/**
 * Creates the site's job store on `layer` and its queue (BullMQ when `jobs.bullmq` is set,
 * else in-process), registers every progress action of every registered model as a kind of
 * job, and attaches them to the site. `adminPlugin` calls it at install; a job worker
 * (`weft worker`, `startJobWorker`) calls it with `runJobs: true`.
 * @param overrides - BullMQ options over the site's `jobs.bullmq` (a `url` turns BullMQ on)
 * @returns the queue (close it when the process stops)
 */
export function installJobs(site: JobsHost, layer: ChannelLayer, log: Logger, overrides: Partial<BullJobQueueOptions> = {}): JobQueue {
  const { bullmq, retentionDays: _days, historyPruneEveryMs, historyProgressMs, now: _now, ...storeOptions } = site.jobOptions;
  // every process writing job records (web workers, job workers) keeps the history in step
  const recorder = new JobHistoryRecorder(site.jobHistory, { layer, logger: log, resultFile: exportResultFile, ...(historyProgressMs ? { progressIntervalMs: historyProgressMs } : {}) });
  const store = new JobStore(layer, { ...storeOptions, logger: log, onWrite: (rec, prev) => recorder.observe(rec, prev) });
  const url = overrides.url ?? bullmq?.url;
  const queue: JobQueue = url ? new BullJobQueue(store, { ...bullmq, ...overrides, url, logger: log }) : new InProcessJobQueue(store, { logger: log });
  registerActionJobs(site, queue);
  site.attachJobs(store, log, queue);
  // stored exports last as long as their job's history: swept after each prune
  const sweep = (now: number) => sweepExports(site, now);
  const pruner = startHistoryPruner(site.jobHistory, layer, { logger: log, sweep, ...(historyPruneEveryMs ? { everyMs: historyPruneEveryMs } : {}) });
  // closing the queue (the app's onClose, a job worker's close) also stops the pruner and stores the history's pending writes
  const closeQueue = queue.close.bind(queue);
  queue.close = async () => {
    pruner.stop();
    try {
      await closeQueue();
    } finally {
      await recorder.close();
    }
  };
  return queue;
}

/** A finished CSV export's file name (`<id>.csv`; the file itself is stored in `weft_export_chunks`), the result file the history keeps; else null. */
function exportResultFile(rec: JobRecord): string | null {
  return isFinishedExport(rec) ? `${rec.id}.csv` : null;
}

/** Registers every progress action of every model registered in `site` with `queue`, under its qualified name (`<app>.<model>.<action>`). */
export function registerActionJobs(site: AdminSiteLike, queue: JobQueue): void {
  for (const admin of site.all()) {
    for (const action of progressActionsOf(admin)) {
      if (!isProgressAction(action) || action.progress === true) continue;
      const info: ProgressActionInfo = action.progress!;
      const execute = info.execute;
      if (!execute) continue;
      queue.handle(jobActionRef(admin, action.name), (data, progress) => execute(site, admin, data, progress), { concurrency: info.concurrency ?? 2 });
    }
  }
}
