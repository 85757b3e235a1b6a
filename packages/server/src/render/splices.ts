/**
 * Step 3 of the HTML delta (see `diff.ts`): collects splices in order, trims each changed
 * range to the code units that really differ, keeps boundaries off the inside of surrogate
 * pairs, merges neighbours when that does not make the JSON longer, and encodes the delta.
 */
import type { Delta } from "@weft/client/protocol";
import { commonPrefix, commonSuffix, digits, isHigh, isLow, jsonBodyLength } from "./text.js";

/** A gap longer than this never pays for itself when merging two splices. */
const MAX_MERGE_GAP = 24;

/**
 * Collects splices in old/new coordinates, in order, and merges them as they come.
 * A splice replaces `a[as, ae)` with `b[bs, be)`; the text between two splices is
 * identical in both strings.
 */
export class Splices {
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
