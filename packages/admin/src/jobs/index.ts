/**
 * Bulk actions that run as background jobs with a live, cancellable progress page
 * (see DESIGN.md, "Channel layer and jobs").
 */
export { withProgress, ACTION_DENIED, TOO_MANY_JOBS, JOBS_UNAVAILABLE, tooManyOfYourJobs } from "./with-progress.js";
export { jobSelection } from "./selection.js";
export { bulkDeleteAction, DELETE_BATCH } from "./bulk-delete.js";
export { jobActionRef, resolveJobAction, jobUrl, jobsUrl, allJobsUrl } from "./refs.js";
export { presentJob, formatElapsed, percentOf, type JobModel } from "./present.js";
export { JobView, JOB_GONE_TEXT, JOB_UNAVAILABLE_TEXT, NOT_CANCELLABLE_TEXT, type JobAssigns, type JobPageState } from "./job-view.js";
export { JobsView, AllJobsView, JOBS_PAGE_SIZE, type JobsAssigns } from "./jobs-view.js";
export { JobListParamError, parseJobListState, type JobListState } from "./history-list.js";
export {
  JobHistory,
  JobHistoryRecorder,
  startHistoryPruner,
  historyTopic,
  DEFAULT_RETENTION_DAYS,
  HISTORY_LOG_LINES,
  PRUNE_LEASE_KEY,
  type JobHistoryEntry,
  type JobHistoryFilter,
  type JobHistoryOptions,
  type JobHistoryEvent,
  type HistoryPruner,
} from "../jobhistory/index.js";
export type { ActionJobData, JobDescriptionInput, JobSelection, PinnedSelection, ProgressActionBody, ProgressActionContext, ProgressActionOptions } from "./types.js";
export { BullJobQueue, type BullJobQueueOptions } from "./bullmq-queue.js";
export { installJobs, type SiteJobOptions, type JobsHost } from "./install.js";
export { startJobWorker, type JobWorker } from "./worker.js";
