/**
 * Step 2 of the HTML delta (see `diff.ts`): diffs one piece over tokens (tags, whitespace
 * runs, text runs) with Myers' O(ND) algorithm over token hashes, under an edit-distance cap
 * and the call's work budget, and hands the changed ranges to the splice builder. The token
 * arrays and Myers' buffers are module-level scratch space reused across calls.
 */
import type { Splices } from "./splices.js";
import { commonPrefix, isSpace } from "./text.js";

/** Largest token edit distance Myers explores before giving up on a piece. */
const MAX_EDITS = 256;

/** Diffs one piece over tokens; the piece becomes one splice if Myers gives up. */
export function tokenDiff(out: Splices, aStart: number, aEnd: number, bStart: number, bEnd: number): void {
  const a = out.a;
  const b = out.b;
  const ta = TOKENS_A.reset(a, aStart, aEnd);
  const tb = TOKENS_B.reset(b, bStart, bEnd);
  const runs = out.budget > 0 ? myers(ta, tb, out) : null;
  if (runs === null) {
    out.change(aStart, aEnd, bStart, bEnd);
  } else {
    // runs: [aToken, bToken, length] triples, in order. Changes lie between them.
    let ai = aStart;
    let bi = bStart;
    for (let r = 0; r < runs.length; r += 3) {
      const x = runs[r];
      const y = runs[r + 1];
      const n = runs[r + 2];
      const as = ta.start[x];
      const bs = tb.start[y];
      const len = ta.start[x + n] - as;
      // Verify the run character by character (token hashes may collide).
      if (len !== tb.start[y + n] - bs || commonPrefix(a, b, as, bs, len) !== len) continue;
      if (as > ai || bs > bi) out.change(ai, as, bi, bs);
      ai = as + len;
      bi = bs + len;
    }
    if (ai < aEnd || bi < bEnd) out.change(ai, aEnd, bi, bEnd);
  }
  ta.release();
  tb.release();
}

/** Token capacity kept between calls; larger scratch arrays are dropped after use. */
const TOKENS_KEEP = 4096;
/** Tokens produced by the first call to {@link Tokens.more}. */
const TOKENS_FIRST = 512;

/**
 * One side's tokens, produced on demand: Myers only looks as far as it gets, so two
 * large, completely different inputs are rejected after tokenizing only their heads.
 * Tokens are: a tag (`<` to the next `>`), a run of whitespace, or a run of text (up to
 * whitespace or `<`). Every boundary sits next to an ASCII character, so no token boundary
 * splits a surrogate pair. The arrays are scratch space reused across calls (`diff` is
 * synchronous, so one instance per side suffices).
 */
class Tokens {
  /** Tokens produced so far. */
  count = 0;
  /** True once the whole range is tokenized. */
  done = true;
  /** Hash of each token (mixed with its length). */
  hash = new Int32Array(TOKENS_KEEP);
  /** Start of each token in the string; `start[count]` is where the next token starts. */
  start = new Int32Array(TOKENS_KEEP + 1);
  private s = "";
  private pos = 0;
  private to = 0;

  reset(s: string, from: number, to: number): this {
    this.s = s;
    this.pos = from;
    this.to = to;
    this.count = 0;
    this.done = from >= to;
    this.start[0] = from;
    return this;
  }

  /** Tokenizes further (at least doubling the count); false when already done. */
  more(): boolean {
    if (this.done) return false;
    const s = this.s;
    const to = this.to;
    const target = this.count < TOKENS_FIRST / 2 ? TOKENS_FIRST : this.count * 2;
    if (target > this.hash.length) this.grow(target);
    const hash = this.hash;
    const start = this.start;
    let count = this.count;
    let i = this.pos;
    while (i < to && count < target) {
      const t0 = i;
      let c = s.charCodeAt(i);
      let h = Math.imul(0x811c9dc5 ^ c, 0x01000193);
      i++;
      if (c === 60 /* < */) {
        while (i < to) {
          c = s.charCodeAt(i);
          h = Math.imul(h ^ c, 0x01000193);
          i++;
          if (c === 62 /* > */) break;
        }
      } else if (isSpace(c)) {
        while (i < to && isSpace((c = s.charCodeAt(i)))) {
          h = Math.imul(h ^ c, 0x01000193);
          i++;
        }
      } else {
        while (i < to) {
          c = s.charCodeAt(i);
          if (c === 60 || isSpace(c)) break;
          h = Math.imul(h ^ c, 0x01000193);
          i++;
        }
      }
      start[count] = t0;
      hash[count] = Math.imul(h ^ (i - t0), 0x9e3779b1);
      count++;
    }
    start[count] = i;
    this.count = count;
    this.pos = i;
    this.done = i >= to;
    return true;
  }

  private grow(cap: number): void {
    const hash = new Int32Array(cap);
    hash.set(this.hash.subarray(0, this.count));
    this.hash = hash;
    const start = new Int32Array(cap + 1);
    start.set(this.start.subarray(0, this.count + 1));
    this.start = start;
  }

  /** Drops the string and any oversized arrays. */
  release(): void {
    this.s = "";
    if (this.hash.length > TOKENS_KEEP) {
      this.hash = new Int32Array(TOKENS_KEEP);
      this.start = new Int32Array(TOKENS_KEEP + 1);
    }
  }
}

const TOKENS_A = new Tokens();
const TOKENS_B = new Tokens();

/** Myers' furthest-reaching x per diagonal, and its history per round (see {@link myers}). */
const V = new Int32Array(2 * MAX_EDITS + 3);
let TRACE: Int32Array | null = null;

/**
 * Myers' greedy O(ND) diff over token hashes (Myers 1986, "An O(ND) Difference Algorithm"),
 * pulling tokens from `ta` and `tb` as the search reaches them.
 *
 * @param out - its `budget` (diagonals visited plus snake steps) is spent here
 * @returns matched runs as flat `[aIndex, bIndex, length]` triples in order, or `null`
 *   when the edit distance exceeds {@link MAX_EDITS} or the work exceeds the budget.
 */
function myers(ta: Tokens, tb: Tokens, out: Splices): number[] | null {
  let budget = out.budget;
  ta.more();
  tb.more();
  let a = ta.hash;
  let b = tb.hash;
  let n = ta.count;
  let m = tb.count;
  const off = MAX_EDITS + 1;
  const v = V;
  v[off + 1] = 0;
  // trace[d * d + (k + d)] = furthest x on diagonal k after round d.
  const trace = (TRACE ??= new Int32Array((MAX_EDITS + 1) * (MAX_EDITS + 1)));
  let D = -1;
  search: for (let d = 0; d <= MAX_EDITS; d++) {
    const base = d * d;
    budget -= d + 1;
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])) x = v[off + k + 1];
      else x = v[off + k - 1] + 1;
      let y = x - k;
      const x0 = x;
      for (;;) {
        while (x < n && y < m && a[x] === b[y]) {
          x++;
          y++;
        }
        // Out of tokens on a side that has more: fetch them and go on.
        if (x === n && y < m && ta.more()) {
          a = ta.hash;
          n = ta.count;
        } else if (y === m && x < n && tb.more()) {
          b = tb.hash;
          m = tb.count;
        } else break;
      }
      budget -= x - x0;
      v[off + k] = x;
      trace[base + k + d] = x;
      if (x >= n && y >= m) {
        // The end of both token lists so far; the end of both ranges if nothing is left.
        if (ta.more()) {
          a = ta.hash;
          n = ta.count;
        }
        if (tb.more()) {
          b = tb.hash;
          m = tb.count;
        }
        // Fetching more may let this snake continue; retry the diagonal.
        if (!(ta.done && tb.done && x >= n && y >= m)) {
          k -= 2;
          budget -= x - x0 + 1;
          continue;
        }
        D = d;
        break search;
      }
    }
    if (budget < 0) {
      out.budget = budget;
      return null;
    }
  }
  out.budget = budget;
  if (D < 0) return null;
  // Walk back from (n, m), collecting the snakes (reverse order).
  const back: number[] = [];
  let x = n;
  let y = m;
  for (let d = D; d > 0; d--) {
    const k = x - y;
    const pb = (d - 1) * (d - 1) + (d - 1);
    let pk: number;
    if (k === -d || (k !== d && trace[pb + k - 1] < trace[pb + k + 1])) pk = k + 1;
    else pk = k - 1;
    const px = trace[pb + pk];
    const py = px - pk;
    const sx = pk === k + 1 ? px : px + 1; // start of the snake after the edit
    if (x > sx) back.push(sx, sx - k, x - sx);
    x = px;
    y = py;
  }
  if (x > 0) back.push(0, 0, x);
  const runs: number[] = [];
  for (let i = back.length - 3; i >= 0; i -= 3) runs.push(back[i], back[i + 1], back[i + 2]);
  return runs;
}
