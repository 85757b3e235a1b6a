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
 * Step 1 is here; step 2 is `myers.ts`, step 3 is `splices.ts`, and the code-unit helpers
 * they share (common prefix/suffix, surrogate tests, JSON length) are in `text.ts`.
 *
 * All positions and lengths are UTF-16 code units (what JavaScript strings index).
 * `applyDelta` in `@weft/client/apply` is the reference decoder.
 */
import type { Delta } from "@weft/client/protocol";
import { tokenDiff } from "./myers.js";
import { Splices } from "./splices.js";
import { commonPrefix, commonSuffix } from "./text.js";

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
