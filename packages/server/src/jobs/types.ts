import { WeftError } from "../errors.js";
import type { RetryOptions, RetryPolicy } from "./retry.js";

/** Where a job is. `done`, `failed`, `cancelled` and `lost` are final (see {@link isFinished}). */
export type JobStatus = "queued" | "running" | "done" | "failed" | "cancelled" | "lost";

/**
 * A background job as stored in the channel layer (key `job:<id>`) and published on the topic
 * `job:<id>` after every change. Times are milliseconds since the epoch.
 */
export interface JobRecord {
  /** random, unguessable: 18 random bytes in base64url (24 characters); see {@link isJobId} */
  id: string;
  /** incremented by every write; a reader keeps the record with the highest `rev` */
  rev: number;
  /** id of the user who started the job */
  owner: string;
  /** display name of the owner */
  ownerName: string;
  /** the action's name (e.g. `"refund_selected"`) */
  action: string;
  /** human description shown on the progress page (at most 4,096 characters) */
  description: string;
  status: JobStatus;
  /** units done so far (≥ 0) */
  current: number;
  /** units in all; `null` while unknown */
  total: number | null;
  /** the latest progress message (at most 4,096 characters) */
  message: string;
  /** the last {@link JOB_LOG_LINES} log lines, oldest first, each at most 4,096 characters */
  log: string[];
  /** generic, user-facing error text when `failed` or `lost` (never a stack trace); else `null` */
  error: string | null;
  /** whether the owner may cancel it (declared by the action) */
  cancellable: boolean;
  /** set by {@link cancelJob}; the runner aborts the job's signal when it sees it */
  cancelRequested: boolean;
  /** who asked for cancellation (user id), or `null` */
  cancelledBy: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** while queued or running: the runner promises to write again before this time (ms epoch) */
  leaseUntil: number;
  /** the process running it (`host:pid` unless given) */
  worker: string;
  /** whether a crashed run is resumed on another worker from its last checkpoint (else it turns `lost`) */
  resumable?: boolean;
  /** what the job was pinned to, for its page ("856 orders as of 2026-12-06 14:02 UTC"), or `null` */
  selection?: string | null;
  /** the last value the body gave `progress.checkpoint` (JSON), or `null` */
  checkpoint?: unknown;
  /** how many times the job was resumed after its worker crashed (0 or absent: never) */
  resumes?: number;
  /** where the last resume started: the counts stored when the crashed worker stopped */
  resumedFrom?: { current: number; total: number | null } | null;
  /** which attempt runs or ran (1: the first; absent: 1); see {@link NewJob.retry} */
  attempt?: number;
  /** attempts in all: 1 + the job's retries (absent: 1) */
  attempts?: number;
  /** how a failed attempt is retried (absent or `null`: it is not) */
  retry?: RetryPolicy | null;
  /** the error of the last failed attempt, as shown (`attemptErrorText`), or `null` */
  attemptError?: string | null;
}

/** What {@link JobStore.create} needs. */
export interface NewJob {
  owner: string;
  ownerName?: string;
  action: string;
  description: string;
  /** default `true` */
  cancellable?: boolean;
  /** units in all, when known up front */
  total?: number | null;
  /** the running process's name (default `host:pid`) */
  worker?: string;
  /** see {@link JobRecord.resumable} (default `false`) */
  resumable?: boolean;
  /** see {@link JobRecord.selection} (at most 4,096 characters) */
  selection?: string | null;
  /**
   * the first lease of the record and of its owner's slots (ms; default the store's `leaseMs`):
   * a queue that holds jobs until a worker is free gives a longer one, as nobody renews a
   * queued job's lease
   */
  leaseMs?: number;
  /**
   * retries of a failed body (default none), as BullMQ's `attempts` and `backoff`; checked
   * by `checkRetry` (`WEFT_ERR_JOB_RETRIES`)
   */
  retry?: RetryOptions;
}

/** Fields anyone may patch with {@link JobStore.update}. */
export type JobPatch = Partial<Omit<JobRecord, "id" | "rev" | "createdAt">>;

/** Longest message, error, description or log line kept (characters); longer text is cut and ends with "…". */
export const JOB_TEXT_MAX = 4_096;
/** Log lines kept per job (the last ones). */
export const JOB_LOG_LINES = 50;
/** The text stored on a failed job: the real error goes to the server log only. */
export const JOB_FAILED_TEXT = "The job failed. The details are in the server log.";
/** The text stored on a lost job. */
export const JOB_LOST_TEXT = "The worker running this job stopped responding; its outcome is unknown.";

/** Whether `status` is final. */
export function isFinished(status: JobStatus): boolean {
  return status === "done" || status === "failed" || status === "cancelled" || status === "lost";
}

/**
 * Whether a queued or running job's lease has expired at `now` (ms epoch): its runner died or
 * cannot reach the store. Such a record is shown (and, by {@link JobStore.read}, stored) as `lost`.
 */
export function isLost(record: Pick<JobRecord, "status" | "leaseUntil">, now = Date.now()): boolean {
  return (record.status === "running" || record.status === "queued") && record.leaseUntil < now;
}

/** Whether `text` has the shape of a job id (use before building a key from a URL). */
export function isJobId(text: string): boolean {
  return /^[A-Za-z0-9_-]{22,64}$/.test(text);
}

/** Whether `user` may open or cancel the job: its owner or a superuser. Anyone else should get a 404. */
export function canAccessJob(record: Pick<JobRecord, "owner">, user: { id: string; isSuperuser?: boolean } | null | undefined): boolean {
  return !!user && (user.isSuperuser === true || user.id === record.owner);
}

/** Cuts `text` to at most `max` characters (ending with "…" when cut), never splitting a surrogate pair. */
export function truncateText(text: string, max = JOB_TEXT_MAX): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + "…";
}

/** A finite count ≥ 0, or `undefined`. @internal */
export function validCount(n: unknown): number | undefined {
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** `WEFT_ERR_JOB_LIMIT`: thrown by {@link JobStore.create} when the site holds `maxRecords` jobs and none is finished. */
export class JobLimitError extends WeftError {
  constructor(max: number) {
    super("WEFT_ERR_JOB_LIMIT", `too many jobs: ${max} job records are kept and none of them is finished`);
  }
}

/**
 * `WEFT_ERR_JOB_QUOTA`: thrown by {@link JobStore.create} when the owner already holds `limit`
 * running or queued jobs: in all (`scope` `"owner"`, {@link JobStoreOptions.maxPerOwner}) or of
 * this action (`scope` `"action"`, {@link JobStoreOptions.maxPerAction}). Nothing was created.
 */
export class JobQuotaError extends WeftError {
  constructor(
    /** which cap was reached */
    readonly scope: "owner" | "action",
    /** the cap (jobs) */
    readonly limit: number,
    /** the action's name, as given to `create` */
    readonly action: string,
  ) {
    super(
      "WEFT_ERR_JOB_QUOTA",
      scope === "owner"
        ? `too many jobs: the owner already has ${limit} running or queued; wait for one to finish`
        : `too many jobs: the owner already has ${limit} "${action}" jobs running or queued; wait for one to finish`,
    );
  }
}

/** `WEFT_ERR_JOB_CANCELLED`: the reason of a cancelled job's `signal` (`name` is `"AbortError"`, as `fetch` expects). */
export class JobCancelledError extends WeftError {
  constructor() {
    super("WEFT_ERR_JOB_CANCELLED", "the job was cancelled");
    this.name = "AbortError";
  }
}

/**
 * What the jobs code logs through (pino's and fastify's `app.log` fit): one object and a
 * message per line. Jobs log only warnings (a record that could not be written) and errors (a
 * body that threw).
 */
export interface JobLogger {
  error(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
}
