import { WeftError } from "../errors.js";

/**
 * The state of an assign loaded by `assignAsync`, as Phoenix's `AsyncResult`: read it in the
 * template (`it.org.loading`, `it.org.ok && it.org.result.name`, `it.org.failed`).
 * Exactly one of `loading`, `ok` and `failed` holds. While reloading or after a failure,
 * `result` keeps the last value loaded, if any.
 */
export interface AsyncResult<T> {
  /** the loader is running */
  readonly loading: boolean;
  /** the loader finished and `result` is its value */
  readonly ok: boolean;
  /** the loader threw (or was cancelled): what it threw; undefined otherwise */
  readonly failed: unknown;
  /** the value loaded (the last one, while loading again or after a failure) */
  readonly result: T | undefined;
}

/** Builds {@link AsyncResult}s (the framework does; tests and `render()` methods may too). */
export const AsyncResult = {
  /** loading, keeping the previous result if `prev` was an AsyncResult that had one */
  loading<T>(prev?: unknown): AsyncResult<T> {
    return { loading: true, ok: false, failed: undefined, result: resultOf<T>(prev) };
  },
  /** loaded */
  ok<T>(result: T): AsyncResult<T> {
    return { loading: false, ok: true, failed: undefined, result };
  },
  /** failed with `reason`, keeping the previous result if any */
  failed<T>(reason: unknown, prev?: unknown): AsyncResult<T> {
    return { loading: false, ok: false, failed: reason ?? "failed", result: resultOf<T>(prev) };
  },
};

function resultOf<T>(prev: unknown): T | undefined {
  return prev && typeof prev === "object" && "result" in prev ? (prev as AsyncResult<T>).result : undefined;
}

/**
 * The `assignAsync` of views and components: sets each key to a loading {@link AsyncResult}
 * at once, and, when `start` is given (connected), runs `fn` through it and assigns the
 * outcome: `ok` for each key the result holds, `failed` otherwise.
 * @internal
 */
export function assignAsyncTo(
  target: { readonly assigns: object; assign(partial: never): void },
  keys: string[],
  fn: (signal: AbortSignal) => Promise<object>,
  start: ((fn: (signal: AbortSignal) => Promise<object>, settle: (o: AsyncOutcome<object>) => void) => void) | undefined,
): void {
  const now = () => target.assigns as Record<string, unknown>;
  const loading: Record<string, unknown> = {};
  for (const k of keys) loading[k] = AsyncResult.loading(now()[k]);
  target.assign(loading as never);
  start?.(fn, (o) => {
    const next: Record<string, unknown> = {};
    for (const k of keys) {
      if (o.ok && o.value && typeof o.value === "object" && Object.hasOwn(o.value, k)) next[k] = AsyncResult.ok((o.value as Record<string, unknown>)[k]);
      else next[k] = AsyncResult.failed(o.ok ? `assignAsync: the loader returned no "${k}"` : o.reason, now()[k]);
    }
    target.assign(next as never);
  });
}

/** How a `startAsync` task ended, as `handleAsync` receives it (as Phoenix's `{:ok, value}` / `{:exit, reason}`). */
export type AsyncOutcome<T = unknown> = { ok: true; value: T } | { ok: false; reason: unknown };

/** The value type inside an {@link AsyncResult} assign. */
export type AsyncValue<X> = X extends AsyncResult<infer T> ? T : never;

/**
 * `WEFT_ERR_ASYNC_CANCELLED`: the reason of an async task's AbortSignal (and of the
 * `failed` outcome) when the view left, or when `cancelAsync` or a newer task under the same
 * name cancelled it. Its `name` is `AbortError`, as fetch's, so libraries treat it as an abort.
 */
export class AsyncCancelledError extends WeftError {
  constructor(why: string) {
    super("WEFT_ERR_ASYNC_CANCELLED", `weft: async task cancelled: ${why}`);
    this.name = "AbortError";
  }
}

/**
 * The tasks of one connected view: each runs outside the view's event queue, under a name;
 * a new task under a name cancels the old one (whose outcome is then dropped); when a task
 * ends, its `settle` runs in the view's queue (so the view's state only changes there).
 * @internal
 */
export class AsyncTasks {
  private tasks = new Map<string, { ctl: AbortController; done: Promise<void>; settle: (o: AsyncOutcome) => unknown }>();
  private closed = false;

  /** @param enqueue - runs a callback in the view's queue (and renders after it) */
  constructor(private enqueue: (fn: () => unknown) => Promise<void>) {}

  /** Starts `fn` now, under `name`; `settle` gets its outcome in the view's queue unless it was cancelled meanwhile. */
  run<T>(name: string, fn: (signal: AbortSignal) => Promise<T> | T, settle: (o: AsyncOutcome<T>) => unknown): void {
    if (this.closed) return;
    this.drop(name, "replaced by a newer task of the same name");
    const ctl = new AbortController();
    const task = { ctl, settle: settle as (o: AsyncOutcome) => unknown, done: Promise.resolve() };
    this.tasks.set(name, task);
    task.done = (async () => {
      let outcome: AsyncOutcome<T>;
      try {
        outcome = { ok: true, value: await fn(ctl.signal) };
      } catch (reason) {
        outcome = { ok: false, reason };
      }
      if (this.tasks.get(name) !== task) return; // cancelled or replaced: its outcome is dropped
      this.tasks.delete(name);
      await this.enqueue(() => settle(outcome));
    })();
  }

  /**
   * Cancels the task `name`: aborts its signal, and `settle` gets a failed outcome
   * ({@link AsyncCancelledError}) in the queue, as Phoenix's `cancel_async`.
   * @returns whether a task of that name was running
   */
  cancel(name: string): boolean {
    const t = this.tasks.get(name);
    if (!t) return false;
    const reason = this.drop(name, "cancelled");
    void this.enqueue(() => t.settle({ ok: false, reason }));
    return true;
  }

  /** Resolves once no task is running (tasks started meanwhile are waited for too). */
  async idle(): Promise<void> {
    while (this.tasks.size) await Promise.all([...this.tasks.values()].map((t) => t.done));
  }

  /** The view left: aborts every task; their outcomes are dropped and no task starts any more. */
  close(): void {
    this.closed = true;
    for (const name of [...this.tasks.keys()]) this.drop(name, "the view left");
  }

  private drop(name: string, why: string): AsyncCancelledError {
    const reason = new AsyncCancelledError(why);
    const t = this.tasks.get(name);
    if (!t) return reason;
    this.tasks.delete(name);
    t.ctl.abort(reason);
    return reason;
  }
}
