import { JOB_LOG_LINES, JobCancelledError, truncateText, validCount } from "./types.js";

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
}

/** The state a {@link Progress} handle accumulates. @internal */
export interface ProgressState {
  current: number;
  total: number | null;
  message: string;
  log: string[];
}

/**
 * A {@link Progress} handle and its controls, for the runner. `onChange` is called after every
 * accepted change; after `freeze()` further calls are ignored. @internal
 */
export function createProgress(jobId: string, initial: ProgressState, onChange: () => void) {
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
