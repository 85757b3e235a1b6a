/**
 * Background jobs with live progress, shared by every process through the channel layer.
 * See docs/jobs.md.
 */
export {
  type JobStatus,
  type JobLogger,
  type JobRecord,
  type NewJob,
  type JobPatch,
  JOB_TEXT_MAX,
  JOB_LOG_LINES,
  JOB_FAILED_TEXT,
  JOB_LOST_TEXT,
  isFinished,
  isLost,
  isJobId,
  canAccessJob,
  truncateText,
  JobLimitError,
  JobQuotaError,
  JobCancelledError,
} from "./types.js";
export { JobStore, type JobStoreOptions, type JobListEvent } from "./store.js";
export type { Progress } from "./progress.js";
export { startJob, runJob, cancelJob, executeJob, runAttempts, describeCounts, type JobSpec, type JobBody, type StartedJob, type ExecuteOptions } from "./runner.js";
export { InProcessJobQueue, type JobQueue, type JobHandler, type HandlerOptions, type EnqueueJob, type InProcessJobQueueOptions } from "./queue.js";
export { checkRetry, retryDelay, describeAttempt, attemptErrorText, DEFAULT_RETRY_DELAY_MS, type RetryOptions, type RetryPolicy } from "./retry.js";
export { watchJob, type WatchJobOptions } from "./watch.js";
