/**
 * Wiring a site's progress actions to a job queue: the engine (in-process, or BullMQ with
 * `jobs.bullmq`) and one handler per progress action, registered under its qualified name.
 */
import { InProcessJobQueue, JobStore, type JobQueue, type JobStoreOptions } from "@weft/server/jobs";
import type { ChannelLayer } from "@weft/server/pubsub";
import type { Logger } from "@weft/server";
import { isProgressAction } from "../checks/index.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { ProgressActionInfo } from "../model/actions.js";
import { BullJobQueue, type BullJobQueueOptions } from "./bullmq-queue.js";
import { jobActionRef } from "./refs.js";
import { progressActionsOf } from "./csv/export.js";

/** `new AdminSite({ jobs })`: the job store's options and, for BullMQ, `bullmq`. */
export interface SiteJobOptions extends Omit<JobStoreOptions, "logger"> {
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
  const { bullmq, ...storeOptions } = site.jobOptions;
  const store = new JobStore(layer, { ...storeOptions, logger: log });
  const url = overrides.url ?? bullmq?.url;
  const queue: JobQueue = url ? new BullJobQueue(store, { ...bullmq, ...overrides, url, logger: log }) : new InProcessJobQueue(store, { logger: log });
  registerActionJobs(site, queue);
  site.attachJobs(store, log, queue);
  return queue;
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
