/**
 * A job record (the channel layer's, `JobRecord` of `@weft/server/jobs`) as a `weft_jobs` row and
 * back: the last {@link HISTORY_LOG_LINES} log lines as JSON text, times as `Date`.
 */
import { truncateText, type JobRecord, type JobStatus } from "@weft/server/jobs";
import type { JobHistoryRow } from "../auth/schema.js";

/** Log lines a history row keeps (the last ones). */
export const HISTORY_LOG_LINES = 20;

/** The statuses a job may have, as the filters accept them. */
export const JOB_STATUSES: readonly JobStatus[] = ["queued", "running", "done", "failed", "cancelled", "lost"];

/** What a job's history row holds, as written (see `weft_jobs`). */
export type JobHistoryValues = JobHistoryRow;

const at = (ms: number | null | undefined) => (ms == null ? null : new Date(ms));

/**
 * The row of a record.
 * @param resultFile - the job's result file name (a CSV export's), or null
 * @param now - the write's time (ms epoch), stored as `updated_at`
 */
export function toRow(rec: JobRecord, resultFile: string | null, now: number): JobHistoryValues {
  return {
    id: rec.id,
    rev: rec.rev,
    owner: rec.owner,
    ownerName: rec.ownerName,
    action: rec.action,
    description: rec.description,
    status: rec.status,
    current: Math.floor(rec.current),
    total: rec.total === null ? null : Math.floor(rec.total),
    message: rec.message,
    error: rec.error,
    log: JSON.stringify(rec.log.slice(-HISTORY_LOG_LINES)),
    selection: rec.selection ?? null,
    resultFile,
    cancellable: rec.cancellable,
    cancelledBy: rec.cancelledBy,
    resumes: rec.resumes ?? 0,
    attempt: rec.attempt ?? 1,
    attempts: rec.attempts ?? 1,
    attemptError: rec.attemptError ?? null,
    createdAt: new Date(rec.createdAt),
    startedAt: at(rec.startedAt),
    finishedAt: at(rec.finishedAt),
    updatedAt: new Date(now),
  };
}

/** The log of a row (anything malformed reads as no lines). */
function parseLog(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.slice(-HISTORY_LOG_LINES).map((l) => truncateText(String(l))) : [];
  } catch {
    return [];
  }
}

const ms = (d: Date | number | null | undefined) => (d == null ? null : d instanceof Date ? d.getTime() : Number(d));

/**
 * A row read back as a job record (what the progress page and the lists present). Its lease is
 * over (`leaseUntil` = the last write), so an unfinished row reads as a job whose worker stopped
 * unless the channel layer still has it (see `JobHistory.merge`).
 */
export function toRecord(row: JobHistoryRow): JobRecord {
  const updated = ms(row.updatedAt) ?? 0;
  return {
    id: row.id,
    rev: Number(row.rev),
    owner: row.owner,
    ownerName: row.ownerName,
    action: row.action,
    description: row.description,
    status: row.status,
    current: Number(row.current),
    total: row.total == null ? null : Number(row.total),
    message: row.message,
    log: parseLog(row.log),
    error: row.error,
    cancellable: row.cancellable,
    cancelRequested: false,
    cancelledBy: row.cancelledBy,
    createdAt: ms(row.createdAt) ?? 0,
    startedAt: ms(row.startedAt),
    finishedAt: ms(row.finishedAt),
    leaseUntil: updated,
    worker: "",
    selection: row.selection,
    checkpoint: null,
    resumes: Number(row.resumes),
    resumedFrom: null,
    attempt: Number(row.attempt),
    attempts: Number(row.attempts),
    attemptError: row.attemptError,
  };
}
