/**
 * The HTML delta (docs/protocol.md, "The delta"): the smallest practical list of splices
 * that turns the HTML last sent for a view into the new HTML.
 *
 * Runs on every render, so it is built for the common case (a few small changes in a
 * large page) and has a linear bound for the rest:
 *
 * 1. Trim the common prefix and suffix. While what is left is large, split it at an
 *    anchor: a 32-unit probe from the old side found in the new side (`indexOf`, nearest
 *    to where it is expected) whose common run, extended both ways, is long. Equal text is
 *    compared in blocks of up to 1024 units (string equality is a memcmp), never tokenized.
 * 2. Split each remaining piece into tokens (tags, whitespace runs, text runs), hash them,
 *    and run Myers' O(ND) diff over the hashes, with a cap on the edit distance and a work
 *    budget shared by the whole call. Over the cap, the piece is one splice.
 * 3. Turn each changed range into a splice trimmed to the code units that really differ,
 *    keep every splice boundary off the inside of a surrogate pair, and merge neighbouring
 *    splices whenever that does not make the JSON longer.
 *
 * All positions and lengths are UTF-16 code units (what JavaScript strings index).
 * `applyDelta` in `@weft/client/apply` is the reference decoder.
 */
import type { Delta } from "@weft/client/protocol";

/** Largest token edit distance Myers explores before giving up on a piece. */
const MAX_EDITS = 256;
/**
 * Work budget of one `diff` call, in Myers steps (a diagonal visited or a token matched,
 * roughly 10 ns each): this many per estimated token (4 code units), plus a constant.
 */
const WORK_PER_TOKEN = 1;
const WORK_BASE = 10_000;
/** Pieces with more code units than this (both sides together) are split at anchors. */
const SPLIT_ABOVE = 512;
/** Length of an anchor probe, and the shortest common run accepted as an anchor. */
const PROBE = 32;
const MIN_ANCHOR = 64;
/** How far outside the band of diagonals an anchor is looked for. */
const BAND_SLACK = 256;
/** Anchor splits nest at most this deep. */
const MAX_DEPTH = 40;
/** A gap longer than this never pays for itself when merging two splices. */
const MAX_MERGE_GAP = 24;

/**
 * Computes the delta from `oldHtml` to `newHtml`.
 *
 * The delta is a flat array `[gap, deleteCount, insert, gap, deleteCount, insert, …]`:
 * starting at 0 in `oldHtml`, copy `gap` code units, skip `deleteCount` code units,
 * write `insert`; after the last splice copy the rest of `oldHtml`. `gap` is counted
 * from the end of the previous splice. Identical inputs give `[]`.
 *
 * Guarantees: `applyDelta(oldHtml, diff(oldHtml, newHtml)) === newHtml` for every pair of
 * strings; no splice boundary falls between the two halves of a surrogate pair (in either
 * string); every splice changes something (no empty splices) and splices are separated by
 * at least one kept code unit. Pure and synchronous.
 *
 * @param oldHtml - the HTML the client currently has
 * @param newHtml - the HTML just rendered
 * @returns the delta; positions in UTF-16 code units
 */
export function diff(oldHtml: string, newHtml: string): Delta {
  if (oldHtml === newHtml) return [];
  const a = oldHtml;
  const b = newHtml;
  const aLen = a.length;
  const bLen = b.length;
  const min = aLen < bLen ? aLen : bLen;

  const pre = commonPrefix(a, b, 0, 0, min);
  const suf = commonSuffix(a, b, aLen, bLen, min - pre);

  const aEnd = aLen - suf;
  const bEnd = bLen - suf;
  const out = new Splices(a, b);
  if (pre === aEnd || pre === bEnd) {
    // Pure insertion or pure deletion.
    out.push(pre, aEnd, pre, bEnd);
  } else {
    out.budget = WORK_BASE + WORK_PER_TOKEN * ((aEnd - pre + bEnd - pre) >> 2);
    piece(out, pre, aEnd, pre, bEnd, 0);
  }
  return out.toDelta();
}

/**
 * What the server sends for a render: the delta, or the new HTML itself when the delta
 * is not smaller.
 *
 * @param oldHtml - the HTML the client currently has
 * @param newHtml - the HTML just rendered
 * @returns `diff(oldHtml, newHtml)` when `JSON.stringify(delta).length` is less than
 *   `JSON.stringify(newHtml).length`, otherwise `newHtml` (sent as a `rendered` frame).
 *   Identical inputs give `[]`.
 */
export function encodeUpdate(oldHtml: string, newHtml: string): Delta | string {
  const delta = diff(oldHtml, newHtml);
  if (delta.length === 0) return delta;
  const size = JSON.stringify(delta).length;
  // The HTML's JSON is at least its length plus the quotes: skip stringifying it when that
  // already decides.
  if (size < newHtml.length + 2) return delta;
  return size < JSON.stringify(newHtml).length ? delta : newHtml;
}

// ---------------------------------------------------------------------------------------
// Anchors

/**
 * Diffs `a[aStart, aEnd)` against `b[bStart, bEnd)`, emitting splices in order: trims the
 * common ends, splits a large piece at an anchor and recurses on both sides, and hands
 * small or unsplittable pieces to {@link tokenDiff}.
 */
function piece(out: Splices, aStart: number, aEnd: number, bStart: number, bEnd: number, depth: number): void {
  const a = out.a;
  const b = out.b;
  const min = aEnd - aStart < bEnd - bStart ? aEnd - aStart : bEnd - bStart;
  const p = commonPrefix(a, b, aStart, bStart, min);
  const s = commonSuffix(a, b, aEnd, bEnd, min - p);
  aStart += p;
  bStart += p;
  aEnd -= s;
  bEnd -= s;
  if (aStart === aEnd || bStart === bEnd) {
    out.push(aStart, aEnd, bStart, bEnd);
    return;
  }
  if (aEnd - aStart + bEnd - bStart > SPLIT_ABOVE && depth < MAX_DEPTH && out.budget > 0) {
    const found = anchor(out, aStart, aEnd, bStart, bEnd);
    if (found) {
      const [ra, rb, len] = ANCHOR;
      piece(out, aStart, ra, bStart, rb, depth + 1);
      piece(out, ra + len, aEnd, rb + len, bEnd, depth + 1);
      return;
    }
  }
  tokenDiff(out, aStart, aEnd, bStart, bEnd);
}

/** The last anchor found: `[aStart, bStart, length]` of a common run. */
const ANCHOR: [number, number, number] = [0, 0, 0];

/**
 * Looks for a long common run inside the piece: probes the old side at 1/2, 1/4 and 3/4
 * (then a probe length after and before each), finds each probe in the new side nearest to where it is expected, and extends the match
 * both ways. The search is limited to the band of diagonals between the piece's start and
 * end diagonals, widened by {@link BAND_SLACK} (so it costs in proportion to the size
 * change, not to the piece). Markup repeats (table rows), so a match can be misaligned by
 * a row: the run must be at least {@link MIN_ANCHOR} long, and at least 4 units per unit
 * its diagonal lies outside the band. Sets {@link ANCHOR}; false when none is found.
 */
function anchor(out: Splices, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  const a = out.a;
  const b = out.b;
  const aLen = aEnd - aStart;
  const bLen = bEnd - bStart;
  if (aLen < MIN_ANCHOR || bLen < MIN_ANCHOR) return false;
  // Diagonal = position in b minus position in a.
  const d1 = bStart - aStart;
  const d2 = bEnd - aEnd;
  const lo = d1 < d2 ? d1 : d2;
  const hi = d1 < d2 ? d2 : d1;
  for (let q = 0; q < 9; q++) {
    // At 1/2, 1/4 and 3/4, then a probe length after and before each (changes are often
    // periodic, like a column of a table, and could hide under all three).
    const f = q % 3 === 0 ? 0.5 : q % 3 === 1 ? 0.25 : 0.75;
    const shift = q < 3 ? 0 : q < 6 ? PROBE : -PROBE;
    const pa = aStart + Math.min(Math.max(Math.floor((aLen - PROBE) * f) + shift, 0), aLen - PROBE);
    const from = Math.max(bStart, pa + lo - BAND_SLACK);
    const to = Math.min(bEnd, pa + hi + BAND_SLACK + PROBE);
    if (to - from < PROBE) continue;
    out.budget -= ((to - from) >> 4) + 64;
    const probe = a.substring(pa, pa + PROBE);
    const win = b.substring(from, to); // a slice: no copy
    const expected = Math.min(Math.max(pa + Math.round(d1 + (d2 - d1) * f) - from, 0), to - from);
    let best = 0;
    let seen = -1;
    for (let side = 0; side < 2; side++) {
      const at = side === 0 ? win.indexOf(probe, expected) : win.lastIndexOf(probe, expected);
      if (at < 0 || at === seen) continue;
      seen = at;
      const pb = from + at;
      const back = commonSuffix(a, b, pa, pb, Math.min(pa - aStart, pb - bStart));
      const fwd = commonPrefix(a, b, pa, pb, Math.min(aEnd - pa, bEnd - pb));
      const len = back + fwd;
      const diag = pb - pa;
      const off = diag < lo ? lo - diag : diag > hi ? diag - hi : 0;
      if (len > best && len >= MIN_ANCHOR && len >= 4 * off) {
        best = len;
        ANCHOR[0] = pa - back;
        ANCHOR[1] = pb - back;
        ANCHOR[2] = len;
      }
    }
    if (best > 0) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Pieces: tokens + Myers

/** Diffs one piece over tokens; the piece becomes one splice if Myers gives up. */
function tokenDiff(out: Splices, aStart: number, aEnd: number, bStart: number, bEnd: number): void {
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

// ---------------------------------------------------------------------------------------
// Splices: trimming, surrogate safety, merging, encoding

/**
 * Collects splices in old/new coordinates, in order, and merges them as they come.
 * A splice replaces `a[as, ae)` with `b[bs, be)`; the text between two splices is
 * identical in both strings.
 */
class Splices {
  readonly a: string;
  readonly b: string;
  /** Work left for the whole call (Myers steps; anchor searches are charged too). */
  budget = 0;
  /** Flat `[as, ae, bs, be]` quadruples. */
  private readonly q: number[] = [];

  constructor(a: string, b: string) {
    this.a = a;
    this.b = b;
  }

  /** A changed region: trims what it has in common at both ends, then pushes it. */
  change(as: number, ae: number, bs: number, be: number): void {
    const a = this.a;
    const b = this.b;
    const min = ae - as < be - bs ? ae - as : be - bs;
    const p = commonPrefix(a, b, as, bs, min);
    const s = commonSuffix(a, b, ae, be, min - p);
    this.push(as + p, ae - s, bs + p, be - s);
  }

  /** Appends a splice, making its boundaries surrogate-safe and merging it if it pays. */
  push(as: number, ae: number, bs: number, be: number): void {
    if (as === ae && bs === be) return;
    const a = this.a;
    const b = this.b;
    // Keep boundaries off the inside of a surrogate pair, in both strings. The kept code
    // unit outside the splice is the same in both; the one inside may differ. (charCodeAt
    // out of range is NaN, which is neither high nor low.)
    if (isHigh(a.charCodeAt(as - 1)) && (isLow(a.charCodeAt(as)) || isLow(b.charCodeAt(bs)))) {
      as--;
      bs--;
    }
    if (isLow(a.charCodeAt(ae)) && (isHigh(a.charCodeAt(ae - 1)) || isHigh(b.charCodeAt(be - 1)))) {
      ae++;
      be++;
    }
    const q = this.q;
    const j = q.length - 4;
    if (j >= 0) {
      const gap = as - q[j + 1];
      if (gap <= 0) {
        // Touching or overlapping (after the surrogate adjustment): one splice.
        this.replaceLast(q[j], Math.max(ae, q[j + 1]), q[j + 2], Math.max(be, q[j + 3]));
        return;
      }
      // Apart: `…,prevDel,"prevIns",gap,del,"ins"`; together: `…,prevDel+gap+del,"prevIns gap ins"`.
      // The inserts cost the same either way; compare the rest.
      if (
        gap <= MAX_MERGE_GAP &&
        digits(ae - q[j]) + jsonBodyLength(a, q[j + 1], as) <=
          digits(q[j + 1] - q[j]) + digits(gap) + digits(ae - as) + 5
      ) {
        this.replaceLast(q[j], ae, q[j + 2], be);
        return;
      }
    }
    q.push(as, ae, bs, be);
  }

  private replaceLast(as: number, ae: number, bs: number, be: number): void {
    const q = this.q;
    const j = q.length - 4;
    q.length = j;
    // Re-push so the widened splice can merge with the one before it too.
    this.push(as, ae, bs, be);
  }

  toDelta(): Delta {
    const q = this.q;
    const delta: Delta = [];
    let at = 0;
    for (let i = 0; i < q.length; i += 4) {
      delta.push(q[i] - at, q[i + 1] - q[i], this.b.slice(q[i + 2], q[i + 3]));
      at = q[i + 1];
    }
    return delta;
  }
}

// ---------------------------------------------------------------------------------------
// Helpers

/** Length of the common prefix of `a[ai, ai + max)` and `b[bi, bi + max)`. */
function commonPrefix(a: string, b: string, ai: number, bi: number, max: number): number {
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
function commonSuffix(a: string, b: string, ae: number, be: number, max: number): number {
  let n = 0;
  for (let k = 1024; k >= 16; k >>= 2) {
    while (n + k <= max && a.substring(ae - n - k, ae - n) === b.substring(be - n - k, be - n)) n += k;
  }
  while (n < max && a.charCodeAt(ae - n - 1) === b.charCodeAt(be - n - 1)) n++;
  return n;
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12;
}

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : String(n).length;
}

/** Length of `JSON.stringify(s.slice(from, to))` without its two quotes. */
function jsonBodyLength(s: string, from: number, to: number): number {
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
