/**
 * Retries of failed jobs, as BullMQ's `attempts` and `backoff`: a job whose body throws runs
 * again, up to `retries` more times, after a delay that doubles each time (`"exponential"`,
 * BullMQ's formula `delayMs × 2^(attempt − 1)`) or stays the same (`"fixed"`).
 */
import { weftError } from "../errors.js";
import type { JobRecord } from "./types.js";

/** How a failed job is tried again (see {@link checkRetry} for the rules). */
export interface RetryOptions {
  /** attempts after the first (an integer ≥ 0; default 0: a failure is final) */
  retries?: number;
  /** the wait before the first retry (ms, an integer ≥ 0; default 1,000) */
  delayMs?: number;
  /** how the wait grows: `"exponential"` (default; doubles each retry) or `"fixed"` */
  backoff?: "exponential" | "fixed";
}

/** A checked {@link RetryOptions}, as stored with a job's record. */
export interface RetryPolicy {
  retries: number;
  delayMs: number;
  backoff: "exponential" | "fixed";
}

/** The default wait before the first retry (ms). */
export const DEFAULT_RETRY_DELAY_MS = 1_000;
/** Longest text kept of a failed attempt's error message (characters, its first line only). */
export const ATTEMPT_ERROR_MAX = 300;

/**
 * Checks and completes retry options.
 * @param what - who declares them, for the message (e.g. `withProgress(refund)`)
 * @throws WeftError `WEFT_ERR_JOB_RETRIES` when `retries` is not an integer ≥ 0, `delayMs` not an
 *   integer ≥ 0, or `backoff` neither `"exponential"` nor `"fixed"`
 */
export function checkRetry(options: RetryOptions = {}, what = "job"): RetryPolicy {
  const { retries = 0, delayMs = DEFAULT_RETRY_DELAY_MS, backoff = "exponential" } = options;
  const bad = (msg: string) => weftError("WEFT_ERR_JOB_RETRIES", `${what}: ${msg}`);
  if (!(Number.isInteger(retries) && retries >= 0)) throw bad(`retries must be an integer ≥ 0 (got ${String(retries)})`);
  if (!(Number.isInteger(delayMs) && delayMs >= 0)) throw bad(`retryDelayMs must be an integer number of ms ≥ 0 (got ${String(delayMs)})`);
  if (backoff !== "exponential" && backoff !== "fixed") throw bad(`retryBackoff must be "exponential" or "fixed" (got ${String(backoff)})`);
  return { retries, delayMs, backoff };
}

/**
 * The wait after failed attempt number `failed` (1 = the first) before the next one (ms), as
 * BullMQ's built-in backoffs compute it.
 */
export function retryDelay(policy: Pick<RetryPolicy, "delayMs" | "backoff">, failed: number): number {
  return policy.backoff === "fixed" ? policy.delayMs : Math.round(policy.delayMs * 2 ** Math.max(0, failed - 1));
}

/** What a failed attempt shows of its error: the first line of its message, cut (never its stack). */
export function attemptErrorText(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const line = raw.split(/\r?\n/, 1)[0]!.trim() || (err instanceof Error ? err.name : "Error");
  return line.length > ATTEMPT_ERROR_MAX ? `${line.slice(0, ATTEMPT_ERROR_MAX - 1)}…` : line;
}

/** "Attempt 2 of 3 after: timeout" for a job on a retry; null on its first attempt. */
export function describeAttempt(rec: Pick<JobRecord, "attempt" | "attempts" | "attemptError">): string | null {
  const attempt = rec.attempt ?? 1;
  return attempt > 1 ? `Attempt ${attempt} of ${rec.attempts ?? attempt} after: ${rec.attemptError ?? "an error"}` : null;
}
