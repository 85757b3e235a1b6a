/**
 * The job history: background jobs' records kept in the database (`weft_jobs`) for a retention
 * period, written from the channel layer's records as they change, pruned on a schedule. The
 * pages that show it ("My jobs", "All jobs", a job's page) are in `jobs/`.
 */
export { JobHistory, DEFAULT_RETENTION_DAYS, PRUNE_BATCH, type JobHistoryEntry, type JobHistoryFilter, type JobHistoryOptions } from "./store.js";
export { JobHistoryRecorder, historyTopic, type JobHistoryEvent, type JobHistoryRecorderOptions } from "./recorder.js";
export { startHistoryPruner, PRUNE_LEASE_KEY, type HistoryPruner, type HistoryPrunerOptions } from "./pruner.js";
export { HISTORY_LOG_LINES, JOB_STATUSES, toRecord, toRow } from "./rows.js";
