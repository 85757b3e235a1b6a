import { createProgress, type Progress } from "./progress.js";
import type { JobStore } from "./store.js";
import { isFinished, isLost, JOB_FAILED_TEXT, type JobRecord, type JobLogger, type JobStatus, type NewJob } from "./types.js";
import { CoalescingWriter } from "./writer.js";

/** What {@link runJob} needs besides the body. */
export interface JobSpec extends NewJob {
  /** where failures (with their stack) and store outages are logged (default: nowhere) */
  logger?: JobLogger;
  /** shortest interval between two writes of progress (ms; default 50, i.e. at most 20 a second) */
  coalesceMs?: number;
}

/** A job body: its result is ignored; a throw marks the job failed (unless cancelled). */
export type JobBody = (progress: Progress) => Promise<unknown> | unknown;

/** What {@link startJob} returns. */
export interface StartedJob {
  id: string;
  /** the record as created (`queued`) */
  record: JobRecord;
  /**
   * Resolves with the final status once the body has finished and the final state is stored
   * (or given up on after `retentionMs` of store failures). Never rejects.
   */
  finished: Promise<JobStatus>;
}

/**
 * Creates a job record and runs `body` in the background of this process: marks it running,
 * renews its lease every `renewMs` ms (default `leaseMs / 3`), writes progress (coalesced, see {@link JobSpec.coalesceMs}),
 * aborts `progress.signal` as soon as a cancellation is published (or seen on a lease renewal),
 * and finally stores `done`, `failed` (generic error text; the error itself goes to
 * `spec.logger`) or `cancelled` (whenever cancellation was requested, however the body ended).
 * Store outages never reach the body: writes are retried until the store is back.
 * @throws (rejects) when the record cannot be created: store unreachable, {@link JobQuotaError}
 *   (the owner holds their cap of running or queued jobs) or {@link JobLimitError}
 */
export async function startJob(store: JobStore, spec: JobSpec, body: JobBody): Promise<StartedJob> {
  const record = await store.create(spec);
  const finished = run(store, record, spec, body).catch((err: unknown) => {
    try {
      spec.logger?.error({ err, jobId: record.id }, "weft: job runner failed");
    } catch {
      // nothing left to tell
    }
    return "failed" as const;
  });
  return { id: record.id, record, finished };
}

/** {@link startJob}, returning only the job id (for the redirect to `/admin/jobs/<id>/`). */
export async function runJob(store: JobStore, spec: JobSpec, body: JobBody): Promise<string> {
  return (await startJob(store, spec, body)).id;
}

/**
 * Asks for a job's cancellation: sets `cancelRequested` in the store and publishes it; the
 * runner, in whichever process, aborts the body's signal on receipt. Check the permission
 * (owner or superuser, see `canAccessJob`) before calling.
 * @param by - id of the user cancelling
 * @returns whether the job is now cancelling: `false` when missing, finished, lost or not cancellable
 * @throws (rejects) when the store is unreachable
 */
export async function cancelJob(store: JobStore, id: string, by: string): Promise<boolean> {
  const rec = await store.mutate(id, (cur) =>
    cur && cur.cancellable && !cur.cancelRequested && !isFinished(cur.status) && !isLost(cur)
      ? { ...cur, cancelRequested: true, cancelledBy: by }
      : undefined,
  );
  return !!rec && rec.cancelRequested && !isFinished(rec.status) && !isLost(rec);
}

async function run(store: JobStore, created: JobRecord, spec: JobSpec, body: JobBody): Promise<JobStatus> {
  const { id } = created;
  const log = spec.logger;
  const now = Date.now();
  const local: Pick<JobRecord, "status" | "startedAt" | "finishedAt" | "error" | "leaseUntil" | "worker"> = {
    status: "running",
    startedAt: now,
    finishedAt: null,
    error: null,
    leaseUntil: now + store.leaseMs,
    worker: created.worker,
  };
  let lastRev = created.rev;
  const ctl = createProgress(id, { current: 0, total: created.total, message: "", log: [] }, () => writer.mark());
  const writer = new CoalescingWriter(
    async () => {
      const mine = { ...local, ...ctl.snapshot() };
      const rec = await store.mutate(id, (cur) => {
        if (cur?.cancelRequested) ctl.cancel();
        return {
          ...(cur ?? created),
          ...mine,
          rev: Math.max(cur?.rev ?? 0, lastRev),
          cancelRequested: cur?.cancelRequested ?? false,
          cancelledBy: cur?.cancelledBy ?? null,
        };
      });
      if (rec) lastRev = rec.rev;
    },
    spec.coalesceMs ?? 50,
    (err, failures, givingUp) => {
      try {
        if (givingUp) log?.error({ err, jobId: id }, "weft: job state could not be stored; giving up");
        else if (failures === 1) log?.warn({ err, jobId: id }, "weft: job state not stored; retrying until the store is back");
      } catch {
        // a failing logger must not stop the writes
      }
    },
  );
  const unsubscribe = store.subscribe(id, (rec) => {
    if (rec.cancelRequested) ctl.cancel();
  });
  const lease = setInterval(() => {
    local.leaseUntil = Date.now() + store.leaseMs;
    writer.mark(true);
  }, store.renewMs);
  lease.unref();
  writer.mark(true);

  let failed = false;
  try {
    await null; // the caller gets the id before the body starts
    await body(ctl.progress);
  } catch (err) {
    failed = true;
    if (!ctl.progress.cancelled) log?.error({ err, jobId: id, action: created.action }, "weft: job failed");
  }
  ctl.freeze();
  clearInterval(lease);
  const end = Date.now();
  local.status = ctl.progress.cancelled ? "cancelled" : failed ? "failed" : "done";
  if (local.status === "failed") local.error = JOB_FAILED_TEXT;
  local.finishedAt = end;
  local.leaseUntil = end;
  await writer.finish(store.retentionMs);
  unsubscribe();
  return local.status;
}
