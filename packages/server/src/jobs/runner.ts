import { createProgress, type Progress } from "./progress.js";
import type { JobStore } from "./store.js";
import { hostname } from "node:os";
import { isFinished, isLost, JOB_FAILED_TEXT, JOB_LOST_TEXT, type JobRecord, type JobLogger, type JobStatus, type NewJob } from "./types.js";
import { CoalescingWriter } from "./writer.js";
import { attemptErrorText, describeAttempt, retryDelay } from "./retry.js";

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
 * Store outages never reach the body: writes are retried until the store is back. A job with
 * `spec.retry` whose body throws runs again after its backoff (see {@link runAttempts}).
 * @throws (rejects) when the record cannot be created: store unreachable, {@link JobQuotaError}
 *   (the owner holds their cap of running or queued jobs) or {@link JobLimitError}
 */
export async function startJob(store: JobStore, spec: JobSpec, body: JobBody): Promise<StartedJob> {
  const record = await store.create(spec);
  const first = guarded(record.id, spec, run(store, record, spec, body, {}));
  return { id: record.id, record, finished: first.then(async (status) => (status === "queued" ? ((await runAttempts(store, record.id, spec, body)) ?? "failed") : status)) };
}

/** What {@link executeJob} takes besides the record's id and the body. */
export interface ExecuteOptions {
  /** an outside abort (e.g. BullMQ's processor signal): aborts `progress.signal` as a cancellation does */
  signal?: AbortSignal;
  /**
   * called (once) when the record asks for cancellation, instead of aborting at once: a queue
   * engine relays it to its own cancellation, which aborts `signal`; returning `false` (not
   * relayed) aborts at once
   */
  onCancelRequested?: () => boolean;
  /** the running process's name (default `host:pid`) */
  worker?: string;
  /**
   * how long a job waiting for its retry holds its record and slots beyond the backoff (ms;
   * default the store's `leaseMs`): a queue whose retry may wait for a free worker gives more
   */
  queuedLeaseMs?: number;
}

/**
 * Runs `body` for a job whose record already exists (created by a queue's enqueue), in this
 * process, as {@link startJob} does. A `queued` record starts afresh. A record already
 * `running` (or `lost`) was started by a worker that crashed (a queue handed the job over):
 * a resumable job ({@link JobRecord.resumable}) resumes — `progress.resumed`, the last
 * checkpoint in `progress.lastCheckpoint`, the counts and log kept, `resumes` counted — and any
 * other is stored as `lost` without running the body again. A finished or missing record runs
 * nothing. A job cancelled while queued ends `cancelled` without running. A retry (a `queued`
 * record whose `attempt` > 1) of a resumable job resumes from the failed attempt's checkpoint;
 * of any other, it starts over.
 * @returns the final status (`undefined` when the record is missing), or `"queued"` when the
 *   body failed and the job waits for its retry (`attempt` counted up, `leaseUntil` past the
 *   backoff: the caller runs it again then, see {@link runAttempts}); never rejects
 */
export async function executeJob(store: JobStore, id: string, spec: Pick<JobSpec, "logger" | "coalesceMs">, body: JobBody, opts: ExecuteOptions = {}): Promise<JobStatus | undefined> {
  const worker = opts.worker ?? `${hostname()}:${process.pid}`;
  let rec: JobRecord | undefined;
  let resumed = false;
  try {
    rec = await store.mutate(id, (cur) => {
      if (!cur || isFinished(cur.status) && !(cur.status === "lost" && cur.resumable)) return undefined;
      const now = Date.now();
      if (cur.status === "queued" && cur.cancelRequested) return { ...cur, status: "cancelled", finishedAt: now, leaseUntil: now };
      if (cur.status === "queued") return undefined;
      if (!cur.resumable) return { ...cur, status: "lost", finishedAt: now, leaseUntil: now, error: JOB_LOST_TEXT };
      resumed = true;
      const from = { current: cur.current, total: cur.total };
      const line = `Resumed on another worker after a crash (${describeCounts(from)}).`;
      return { ...cur, status: "running", worker, error: null, finishedAt: null, leaseUntil: now + store.leaseMs, resumes: (cur.resumes ?? 0) + 1, resumedFrom: from, log: [...cur.log, line] };
    });
  } catch (err) {
    spec.logger?.error({ err, jobId: id }, "weft: job could not be started");
    return "failed";
  }
  if (!rec) return undefined;
  if (rec.status !== "queued" && !(resumed && rec.status === "running")) return rec.status;
  if (rec.status === "queued" && (rec.attempt ?? 1) > 1 && rec.resumable) resumed = true;
  return guarded(id, spec, run(store, rec, spec, body, { ...opts, worker, resumed }));
}

/** "412 of 856 done" / "412 done". @internal */
export function describeCounts(c: { current: number; total: number | null }): string {
  return c.total === null ? `${c.current} done` : `${c.current} of ${c.total} done`;
}

function guarded(id: string, spec: Pick<JobSpec, "logger">, finished: Promise<JobStatus>): Promise<JobStatus> {
  return finished.catch((err: unknown) => {
    try {
      spec.logger?.error({ err, jobId: id }, "weft: job runner failed");
    } catch {
      // nothing left to tell
    }
    return "failed" as const;
  });
}

/**
 * Runs the retries of a job whose last attempt failed (its record `queued` for a retry, see
 * {@link executeJob}) in this process, as the in-process engine does: waits for the backoff
 * (the record's `leaseUntil` minus the store's lease), then runs `body` again, until an attempt
 * does not fail or none is left. A cancellation during a wait ends the job `cancelled` at once,
 * without running the body again.
 * @returns the final status (`undefined` when the record is missing); never rejects
 */
export async function runAttempts(store: JobStore, id: string, spec: Pick<JobSpec, "logger" | "coalesceMs">, body: JobBody, opts: ExecuteOptions = {}): Promise<JobStatus | undefined> {
  for (;;) {
    let rec: JobRecord | undefined;
    try {
      rec = await store.get(id);
      if (rec?.status === "queued" && !(await waitForRetry(store, rec))) {
        const now = Date.now();
        rec = await store.mutate(id, (cur) => (cur?.status === "queued" ? { ...cur, status: "cancelled", finishedAt: now, leaseUntil: now } : undefined));
      }
    } catch (err) {
      spec.logger?.error({ err, jobId: id }, "weft: job retry could not be started");
      return "failed";
    }
    if (rec?.status !== "queued") return rec?.status;
    const status = await executeJob(store, id, spec, body, opts);
    if (status !== "queued") return status;
  }
}

/** Waits until a queued job's retry is due: `true`, or `false` as soon as its cancellation is asked for. */
function waitForRetry(store: JobStore, rec: JobRecord): Promise<boolean> {
  if (rec.cancelRequested) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (go: boolean) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(go);
    };
    const unsubscribe = store.subscribe(rec.id, (r) => {
      if (r.cancelRequested) done(false);
    });
    const timer = setTimeout(() => done(true), Math.max(0, rec.leaseUntil - store.leaseMs - Date.now()));
    // a cancellation stored between the read and the subscription
    store.get(rec.id).then((r) => r?.cancelRequested && done(false), () => {});
  });
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

async function run(store: JobStore, created: JobRecord, spec: Pick<JobSpec, "logger" | "coalesceMs">, body: JobBody, opts: ExecuteOptions & { resumed?: boolean }): Promise<JobStatus> {
  const { id } = created;
  const log = spec.logger;
  const now = Date.now();
  const local: Pick<JobRecord, "status" | "startedAt" | "finishedAt" | "error" | "leaseUntil" | "worker" | "attempt" | "attemptError"> = {
    status: "running",
    startedAt: created.startedAt ?? now,
    finishedAt: null,
    error: null,
    leaseUntil: now + store.leaseMs,
    worker: opts.worker ?? created.worker,
    attempt: created.attempt ?? 1,
    attemptError: created.attemptError ?? null,
  };
  let lastRev = created.rev;
  const initial = opts.resumed
    ? { current: created.current, total: created.total, message: created.message, log: created.log, checkpoint: created.checkpoint ?? null }
    : { current: 0, total: created.total, message: "", log: (created.attempt ?? 1) > 1 ? created.log : [], checkpoint: null }; // a retry starting over keeps the log
  const ctl = createProgress(id, initial, () => writer.mark(), !!opts.resumed, local.attempt);
  let relayed = false;
  const cancelRequested = () => {
    if (!opts.onCancelRequested) return ctl.cancel();
    if (relayed) return;
    relayed = true;
    if (!opts.onCancelRequested()) ctl.cancel();
  };
  const onAbort = () => ctl.cancel();
  if (opts.signal?.aborted) ctl.cancel();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  const writer = new CoalescingWriter(
    async () => {
      const mine = { ...local, ...ctl.snapshot() };
      const rec = await store.mutate(id, (cur) => {
        if (cur?.cancelRequested) cancelRequested();
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
    if (rec.cancelRequested) cancelRequested();
  });
  const lease = setInterval(() => {
    local.leaseUntil = Date.now() + store.leaseMs;
    writer.mark(true);
  }, store.renewMs);
  lease.unref();
  writer.mark(true);

  let failed = false;
  let error: unknown;
  try {
    await null; // the caller gets the id before the body starts
    await body(ctl.progress);
  } catch (err) {
    failed = true;
    error = err;
    if (!ctl.progress.cancelled) log?.error({ err, jobId: id, action: created.action, attempt: local.attempt }, "weft: job failed");
  }
  clearInterval(lease);
  opts.signal?.removeEventListener("abort", onAbort);
  const end = Date.now();
  local.status = ctl.progress.cancelled ? "cancelled" : failed ? "failed" : "done";
  const attempts = created.attempts ?? 1;
  if (local.status === "failed" && created.retry && local.attempt! < attempts) {
    // another attempt: queued until its backoff is over (the engine runs it then)
    local.attemptError = attemptErrorText(error);
    local.status = "queued";
    local.leaseUntil = end + retryDelay(created.retry, local.attempt!) + (opts.queuedLeaseMs ?? store.leaseMs);
    local.attempt! += 1;
    ctl.progress.log(describeAttempt({ ...local, attempts })!);
  } else if (local.status === "failed") {
    if (attempts > 1) local.attemptError = attemptErrorText(error);
    local.error = attempts > 1 ? `The job failed on all ${attempts} attempts. The last error: ${local.attemptError}` : JOB_FAILED_TEXT;
  }
  ctl.freeze();
  if (local.status !== "queued") {
    local.finishedAt = end;
    local.leaseUntil = end;
  }
  await writer.finish(store.retentionMs);
  unsubscribe();
  return local.status;
}
