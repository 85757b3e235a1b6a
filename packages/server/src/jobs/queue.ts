import type { Progress } from "./progress.js";
import { cancelJob, startJob, type JobSpec } from "./runner.js";
import type { JobStore } from "./store.js";
import type { JobLogger, JobRecord } from "./types.js";
import { weftError } from "../errors.js";

/**
 * What a queue runs for one kind of job: `data` is what {@link EnqueueJob.data} carried (plain
 * JSON: it may cross processes). Its result is ignored; a throw marks the job failed.
 */
export type JobHandler = (data: unknown, progress: Progress) => Promise<unknown> | unknown;

/** How a kind of job runs (see {@link JobQueue.handle}). */
export interface HandlerOptions {
  /** jobs of this kind running at once across every worker (default 2; the in-process engine ignores it) */
  concurrency?: number;
}

/** A job to enqueue: its record (see {@link JobSpec}), the kind of handler and the handler's data. */
export interface EnqueueJob extends Omit<JobSpec, "logger" | "coalesceMs"> {
  /** the handler registered with {@link JobQueue.handle} under this name */
  kind: string;
  /** plain JSON for the handler (kept small: large selections live elsewhere, see docs/jobs.md) */
  data: unknown;
  /**
   * the handler to use when this process has none registered for `kind` — in-process engine
   * only (a queue that crosses processes needs `handle` in the worker)
   */
  local?: JobHandler;
}

/**
 * Where background jobs are queued and who runs them, as DESIGN.md's "Channel layer and jobs":
 * one interface, two engines — {@link InProcessJobQueue} (the embedded default: the body runs
 * in the process that enqueued it, at once) and, with Redis, `BullJobQueue` of `@weft/admin`
 * (BullMQ: any job worker runs it, per-kind concurrency, crash recovery that resumes). Either
 * way the job's record lives in the {@link JobStore} (the channel layer), so progress pages on
 * every worker follow it the same way.
 */
export interface JobQueue {
  /** the job records */
  readonly store: JobStore;
  /** Registers the handler of jobs of `kind` (again: replaces it). */
  handle(kind: string, handler: JobHandler, options?: HandlerOptions): void;
  /**
   * Creates the job's record (`queued`; the owner's caps are claimed here: {@link JobQuotaError})
   * and queues it.
   * @throws (rejects) JobQuotaError, JobLimitError, the layer's error when unreachable;
   *   `WEFT_ERR_JOB_KIND` when no handler of `kind` is registered in this process (in-process engine)
   */
  enqueue(job: EnqueueJob): Promise<JobRecord>;
  /**
   * Asks for a job's cancellation (see `cancelJob`); a job still waiting in a queue ends
   * `cancelled` without running.
   * @returns whether the job is now cancelling or cancelled
   */
  cancel(id: string, by: string): Promise<boolean>;
  /** Stops taking jobs and closes connections (running bodies are not awaited by the in-process engine). */
  close(): Promise<void>;
}

/** Options of {@link InProcessJobQueue}. */
export interface InProcessJobQueueOptions {
  /** where failures and store outages are logged */
  logger?: JobLogger;
  /** see {@link JobSpec.coalesceMs} */
  coalesceMs?: number;
}

/** The embedded engine: the body runs in this process as soon as it is enqueued (no queue, no Redis needed). */
export class InProcessJobQueue implements JobQueue {
  private readonly handlers = new Map<string, JobHandler>();

  constructor(
    readonly store: JobStore,
    private readonly options: InProcessJobQueueOptions = {},
  ) {}

  handle(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  async enqueue(job: EnqueueJob): Promise<JobRecord> {
    const handler = this.handlers.get(job.kind) ?? job.local;
    if (!handler) throw weftError("WEFT_ERR_JOB_KIND", `no job handler named "${job.kind}" is registered (queue.handle)`);
    const { kind: _kind, data, local: _local, ...spec } = job;
    const started = await startJob(this.store, { ...spec, ...this.options }, (progress) => handler(data, progress));
    return started.record;
  }

  cancel(id: string, by: string): Promise<boolean> {
    return cancelJob(this.store, id, by);
  }

  async close(): Promise<void> {}
}
