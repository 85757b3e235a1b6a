/**
 * Small statistics and formatting helpers shared by the figures.
 */

/**
 * Nearest-rank percentile of `sorted` (ascending): the smallest sample such that at least
 * `p` % of the samples are less than or equal to it. With fewer than 100 samples, p99 is the
 * maximum.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Sorts a copy of `xs` numerically (Float64Array sort is numeric and fast). */
export function sorted(xs: number[]): Float64Array {
  return Float64Array.from(xs).sort();
}

/** `1234567` → `"1,234,567"`. */
export function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Milliseconds with a precision that suits their size. */
export function ms(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0);
}

/** Bytes as `"4,583 B"`. */
export function bytes(n: number): string {
  return `${int(n)} B`;
}

/** Bytes as KiB with two decimals: `"2.91 KiB"`. */
export function kib(n: number): string {
  return `${(n / 1024).toFixed(2)} KiB`;
}

/** Resolves after `msec` milliseconds. */
export function sleep(msec: number): Promise<void> {
  return new Promise((r) => setTimeout(r, msec));
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
