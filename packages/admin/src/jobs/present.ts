/**
 * What the progress page and "My jobs" show of a job record: status label and badge, counts,
 * percent, elapsed time, and the generic texts of failed and lost jobs (never an error's stack; a
 * retried job's attempts show the first line of their error's message).
 */
import { describeAttempt, describeCounts, isFinished, JOB_FAILED_TEXT, JOB_LOST_TEXT, type JobRecord, type JobStatus } from "@weft/server/jobs";
import type { AdminSiteLike } from "../model/site-like.js";
import { BUILTIN_JOB_LABELS, jobDownloadUrl, jobUrl, resolveJobAction } from "./refs.js";
import { DELETE_SELECTED } from "../changelist/actions.js";
import { isFinishedExport } from "./csv/export.js";
import { formatInZone } from "../query/time-zone.js";

/** The badge class (see admin.css) of each status. */
const BADGES: Record<JobStatus, string> = {
  queued: "",
  running: "info",
  done: "ok",
  failed: "danger",
  cancelled: "warning",
  lost: "danger",
};

/** A job as its page shows it. */
export interface JobModel {
  /** the job's id */
  id: string;
  /** its progress page */
  url: string;
  /** queued, running, done, failed, cancelled or lost */
  status: JobStatus;
  /** the badge class suffix (`ok`, `info`, `warning`, `danger`) or "" */
  badge: string;
  /** whether the status is final */
  finished: boolean;
  /** units done */
  current: number;
  /** units in all, or null while unknown */
  total: number | null;
  /** 0–100, or null while the total is unknown (an indeterminate bar) */
  percent: number | null;
  /** "12 of 40", or "12 done" while the total is unknown */
  countText: string;
  /** the latest progress message */
  message: string;
  /** the last log lines, newest first */
  log: string[];
  /** a finished job's closing line ("Cancelled after 84 of 856 orders."), else null */
  summary: string | null;
  /** the generic text of a failed or lost job, else null */
  error: string | null;
  /** "Resumed on another worker after a crash (412 of 856 done)." when a job worker's crash handed it over, else null */
  resumed: string | null;
  /** "Attempt 2 of 3 after: <the failed attempt's error>" on a job's retry, else null */
  attempt: string | null;
  /** a lost job's last checkpoint ("Last checkpoint: {"lastId":412}."), else null */
  checkpoint: string | null;
  /** whether to offer Cancel: cancellable, not finished, not already asked */
  canCancel: boolean;
  /** cancellation asked for, the body has not stopped yet */
  cancelling: boolean;
  /** whether the action was declared cancellable */
  cancellable: boolean;
  /** "1 min 05 s" from start (or creation) to finish (or `now`) */
  elapsed: string;
  /** the action's label ("Refund selected orders"), or its name when no longer registered */
  actionLabel: string;
  /** what the job does, as the action described it */
  description: string;
  /** what "all N matching" was pinned to at the click ("856 orders as of 2026-12-06 14:02 UTC"), else null */
  selection: string | null;
  /** the change list the action ran on, when still registered */
  backUrl: string | null;
  /** "orders" */
  backLabel: string;
  /** who started it */
  ownerName: string;
  /** a finished export's file (`<prefix>/jobs/<id>/download`) when known to be stored, else null */
  download: string | null;
  /** a finished export known to be deleted (it lasts as long as the job's history, `jobs.retentionDays`) */
  downloadGone: boolean;
  /** creation time, ISO 8601 */
  created: string;
  /** creation time in the site's time zone: `2024-05-01 11:30:05 Europe/Paris` */
  createdText: string;
}

/** Elapsed time, compact: "0 s", "42 s", "3 min 05 s", "1 h 02 min". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** The integer percent of `current` of `total`, clamped to 0–100; null when the total is unknown. */
export function percentOf(current: number, total: number | null): number | null {
  if (total === null) return null;
  if (total <= 0) return 100;
  return Math.max(0, Math.min(100, Math.floor((current / total) * 100)));
}

/** What a finished job's summary starts with, by status. */
const ENDED: Partial<Record<JobStatus, string>> = { done: "Done:", cancelled: "Cancelled after", failed: "Failed after", lost: "Stopped after" };

/**
 * A finished job's closing line: "Done: 856 of 856 orders in 1 min 05 s.", "Cancelled after 84
 * of 856 orders.", "Failed after…", "Stopped after…" (lost); null while it runs.
 * @param noun - what the units are ("orders"), plural
 */
export function jobSummary(rec: Pick<JobRecord, "status" | "current" | "total">, noun: string, elapsed: string): string | null {
  const head = ENDED[rec.status];
  if (!head) return null;
  const fmt = (n: number) => n.toLocaleString("en-US");
  const count = rec.total === null ? `${fmt(rec.current)} ${noun}` : `${fmt(rec.current)} of ${fmt(rec.total)} ${noun}`;
  return rec.status === "done" ? `${head} ${count} in ${elapsed}.` : `${head} ${count}.`;
}

/** The label of the built-in delete's job (see `bulk-delete.ts`), which no ModelAdmin lists. */
function builtInLabel(ref: ReturnType<typeof resolveJobAction>, action: string): string | undefined {
  return ref && action.endsWith(`.${DELETE_SELECTED}`) ? `Delete selected ${ref.admin.verboseNamePlural.toLowerCase()}` : undefined;
}

/** The label of a job's action (`<app>.<model>.<action>`): the action's own, or its name when no longer registered. */
export function jobActionLabel(site: AdminSiteLike, action: string): string {
  const ref = resolveJobAction(site, action);
  const name = action.split(".").pop() ?? action;
  return ref?.action?.label ?? builtInLabel(ref, action) ?? BUILTIN_JOB_LABELS[name] ?? name;
}

/**
 * The page model of a record.
 * @param now - the clock for the elapsed time of an unfinished job
 * @param exportStored - for a finished CSV export, whether its file is stored (`exportStored` of
 *   `@weft/admin/csv`): `true` offers the download, `false` says the file was deleted, omitted
 *   says neither (lists that do not show it skip the statement)
 */
export function presentJob(site: AdminSiteLike, rec: JobRecord, now = Date.now(), exportStored?: boolean): JobModel {
  const finished = isFinished(rec.status);
  const ref = resolveJobAction(site, rec.action);
  const start = rec.startedAt ?? rec.createdAt;
  const end = finished ? (rec.finishedAt ?? now) : now;
  const fmt = (n: number) => n.toLocaleString("en-US");
  const percent = percentOf(rec.current, rec.total);
  const elapsed = formatElapsed(end - start);
  const exported = isFinishedExport(rec);
  return {
    id: rec.id,
    url: jobUrl(site, rec.id),
    status: rec.status,
    badge: BADGES[rec.status] ?? "",
    finished,
    current: rec.current,
    total: rec.total,
    percent: rec.status === "done" && rec.total === null ? 100 : percent,
    countText: rec.total === null ? `${fmt(rec.current)} done` : `${fmt(rec.current)} of ${fmt(rec.total)}`,
    message: rec.message,
    log: [...rec.log].reverse(),
    summary: jobSummary(rec, ref ? ref.admin.verboseNamePlural.toLowerCase() : "items", elapsed),
    // a job retried shows its last error (the first line of its message); any other, the generic text
    error: rec.status === "failed" ? ((rec.attempts ?? 1) > 1 && rec.error ? rec.error : JOB_FAILED_TEXT) : rec.status === "lost" ? JOB_LOST_TEXT : null,
    attempt: rec.status === "failed" ? null : describeAttempt(rec),
    resumed: rec.resumes && rec.resumedFrom ? `Resumed on another worker after a crash${rec.resumes > 1 ? ` (${rec.resumes} times; last at ` : " ("}${describeCounts(rec.resumedFrom)}).` : null,
    checkpoint: rec.status === "lost" && rec.checkpoint != null ? `Last checkpoint: ${JSON.stringify(rec.checkpoint)}.` : null,
    canCancel: rec.cancellable && !finished && !rec.cancelRequested,
    cancelling: rec.cancelRequested && !finished,
    cancellable: rec.cancellable,
    elapsed,
    actionLabel: jobActionLabel(site, rec.action),
    description: rec.description,
    selection: rec.selection ?? null,
    backUrl: ref ? ref.admin.url : null,
    backLabel: ref ? ref.admin.verboseNamePlural.toLowerCase() : "",
    ownerName: rec.ownerName,
    download: exported && exportStored === true ? jobDownloadUrl(site, rec.id) : null,
    downloadGone: exported && exportStored === false,
    created: new Date(rec.createdAt).toISOString(),
    createdText: formatInZone(new Date(rec.createdAt), site.display.timeZone),
  };
}
