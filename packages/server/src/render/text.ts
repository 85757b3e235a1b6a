/**
 * Code-unit helpers of the HTML delta (see `diff.ts`): common prefix and suffix of two
 * ranges, surrogate and whitespace tests, and the JSON length of a slice. Pure functions
 * over UTF-16 code units.
 */

/** Length of the common prefix of `a[ai, ai + max)` and `b[bi, bi + max)`. */
export function commonPrefix(a: string, b: string, ai: number, bi: number, max: number): number {
  let n = 0;
  // Compare in shrinking blocks first: substring equality is a memcmp (the substrings are
  // slices, not copies), far faster per code unit than charCodeAt.
  for (let k = 1024; k >= 16; k >>= 2) {
    while (n + k <= max && a.substring(ai + n, ai + n + k) === b.substring(bi + n, bi + n + k)) n += k;
  }
  while (n < max && a.charCodeAt(ai + n) === b.charCodeAt(bi + n)) n++;
  return n;
}

/** Length of the common suffix of `a[ae - max, ae)` and `b[be - max, be)`. */
export function commonSuffix(a: string, b: string, ae: number, be: number, max: number): number {
  let n = 0;
  for (let k = 1024; k >= 16; k >>= 2) {
    while (n + k <= max && a.substring(ae - n - k, ae - n) === b.substring(be - n - k, be - n)) n += k;
  }
  while (n < max && a.charCodeAt(ae - n - 1) === b.charCodeAt(be - n - 1)) n++;
  return n;
}

/** True for a high (leading) surrogate code unit. */
export function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** True for a low (trailing) surrogate code unit. */
export function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** True for HTML whitespace: space, tab, LF, FF, CR. */
export function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12;
}

/** Number of decimal digits of a non-negative integer (its JSON length). */
export function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : String(n).length;
}

/** Length of `JSON.stringify(s.slice(from, to))` without its two quotes. */
export function jsonBodyLength(s: string, from: number, to: number): number {
  let n = to - from;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) {
      n += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 1 : 5;
    } else if (c === 34 || c === 92) {
      n += 1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is written as \uXXXX; a pair stays as is.
      if (c <= 0xdbff && i + 1 < to && isLow(s.charCodeAt(i + 1))) i++;
      else n += 5;
    }
  }
  return n;
}
