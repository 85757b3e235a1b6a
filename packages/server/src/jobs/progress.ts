import { JOB_LOG_LINES, JOB_TEXT_MAX, JobCancelledError, truncateText, validCount } from "./types.js";

/**
 * What a job body gets to report progress and notice cancellation. Every call is cheap and
 * synchronous: the runner writes and publishes the latest state at most every 50 ms (by
 * default), and always writes the final state.
 */
export interface Progress {
  /** The job's id. */
  readonly jobId: string;
  /**
   * Sets the counts and/or message. `current` and `total` must be finite and ≥ 0 (`total: null`:
   * unknown); invalid numbers are ignored. `message` is cut to 4,096 characters.
   */
  update(p: { current?: number; total?: number | null; message?: string }): void;
  /** Appends a log line (several when it holds newlines); the last 50 lines are kept, each cut to 4,096 characters. */
  log(line: string): void;
  /** Whether cancellation was requested (same as `signal.aborted`). */
  readonly cancelled: boolean;
  /** Aborted (reason: {@link JobCancelledError}) when cancellation is requested; pass it to `fetch` and friends. */
  readonly signal: AbortSignal;
  /**
   * Records how far the body got (any JSON value, at most 4,096 characters as JSON, e.g.
   * `{ lastId: 412 }`), stored with the job's record (coalesced like `update`). When the
   * worker running a resumable job crashes, the worker that takes the job over starts the body
   * again with {@link Progress.resumed} `true` and this value in {@link Progress.lastCheckpoint}.
   * As the last checkpoint may be up to one write interval (50 ms) old, a resumed body must
   * tolerate redoing the rows after it (e.g. skip an order already refunded).
   * @throws TypeError when `value` is not JSON-serialisable or longer than 4,096 characters as JSON
   */
  checkpoint(value: unknown): void;
  /** The last checkpoint stored for this job (`undefined` on a fresh run). */
  readonly lastCheckpoint: unknown;
  /**
   * Whether this run resumes a job: its worker crashed (see {@link Progress.checkpoint}), or it
   * is a retry (see {@link Progress.attempt}) of a resumable job, which continues after the last
   * checkpoint of the failed attempt.
   */
  readonly resumed: boolean;
  /**
   * Which attempt this run is (1: the first). A job declared with retries (as BullMQ's
   * `attempts`) whose body throws runs again after a backoff; a retry of a job that is not
   * resumable starts over (counts at 0, no checkpoint).
   */
  readonly attempt: number;
}

/** The state a {@link Progress} handle accumulates. @internal */
export interface ProgressState {
  current: number;
  total: number | null;
  message: string;
  log: string[];
  checkpoint?: unknown;
}

/**
 * A {@link Progress} handle and its controls, for the runner. `onChange` is called after every
 * accepted change; after `freeze()` further calls are ignored. @internal
 */
export function createProgress(jobId: string, initial: ProgressState, onChange: () => void, resumed = false, attempt = 1) {
  const state: ProgressState = { ...initial, log: [...initial.log] };
  const controller = new AbortController();
  let frozen = false;
  const progress: Progress = {
    jobId,
    update(p) {
      if (frozen || !p) return;
      const current = validCount(p.current);
      if (current !== undefined) state.current = current;
      if (p.total === null) state.total = null;
      else if (validCount(p.total) !== undefined) state.total = p.total as number;
      if (p.message !== undefined) state.message = truncateText(String(p.message));
      onChange();
    },
    log(line) {
      if (frozen) return;
      for (const l of String(line).split(/\r?\n/)) state.log.push(truncateText(l));
      if (state.log.length > JOB_LOG_LINES) state.log.splice(0, state.log.length - JOB_LOG_LINES);
      onChange();
    },
    checkpoint(value) {
      if (frozen) return;
      const json = JSON.stringify(value);
      if (json === undefined || json.length > JOB_TEXT_MAX) throw new TypeError(`progress.checkpoint: the value must be JSON of at most ${JOB_TEXT_MAX} characters`);
      state.checkpoint = JSON.parse(json) as unknown;
      onChange();
    },
    get lastCheckpoint() {
      return state.checkpoint ?? undefined;
    },
    resumed,
    attempt,
    get cancelled() {
      return controller.signal.aborted;
    },
    signal: controller.signal,
  };
  return {
    progress,
    /** a copy of the current state */
    snapshot: (): ProgressState => ({ ...state, log: [...state.log] }),
    /** aborts the signal (idempotent) */
    cancel: () => {
      if (!controller.signal.aborted) controller.abort(new JobCancelledError());
    },
    /** ignores later calls (the body has finished) */
    freeze: () => void (frozen = true),
  };
}
