/** `T` without its falsy members: what {@link waitFor} resolves with. */
export type Truthy<T> = Exclude<T, undefined | null | false | 0 | 0n | "">;

/**
 * Polls `cond` every `everyMs` until it is truthy and resolves with that value; rejects with
 * `what` after `timeoutMs` (a bound, not a timing assertion).
 */
export async function waitFor<T>(cond: () => T | Promise<T>, what = "condition", timeoutMs = 10_000, everyMs = 10): Promise<Truthy<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as Truthy<T>; // narrowed by the truthiness test, which TS does not apply to a generic
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves with what `p` settles to, or rejects with `what` after `ms`: keeps a hang from lasting until the test timeout. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not settled after ${ms} ms`)), ms);
    }),
  ]);
}
