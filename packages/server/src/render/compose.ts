/**
 * Composing deltas: from the delta A → B and the delta B → C, the delta A → C, without A, B
 * or C. A view keeps its last HTML sent as a base string shared with the other views of its
 * class plus one such composite (live/last-html.ts), so a 50-row table that changed one cell
 * costs the cell, not a 10 KiB copy.
 *
 * The composite is kept on the server and never sent: it rebuilds C exactly
 * (`applyDelta(a, composeDeltas(diff(a, b), diff(b, c))) === c`), its splices are in order
 * and non-empty, but it need not be minimal (text inserted by A → B and deleted again by
 * B → C leaves no trace; text inserted twice at one place is one insert) and it does not
 * care about surrogate pairs (it only rebuilds strings by code units).
 */
import type { Delta } from "@weft/client/protocol";

/** B as pieces of A and inserted text: `start[i] >= 0` copies `len[i]` units of A from there, -1 is `text[i]`. */
interface Pieces {
  start: number[];
  len: number[];
  text: string[];
}

/** B described by the delta A → B; its last piece copies the rest of A (length Infinity). */
function piecesOf(ab: Delta): Pieces {
  const p: Pieces = { start: [], len: [], text: [] };
  let at = 0;
  for (let i = 0; i < ab.length; i += 3) {
    const gap = ab[i] as number;
    const ins = ab[i + 2] as string;
    if (gap > 0) push(p, at, gap, "");
    if (ins.length > 0) push(p, -1, ins.length, ins);
    at += gap + (ab[i + 1] as number);
  }
  push(p, at, Infinity, "");
  return p;
}

function push(p: Pieces, start: number, len: number, text: string): void {
  p.start.push(start);
  p.len.push(len);
  p.text.push(text);
}

/** Writes the composite's splices as pieces of A and inserted text arrive, in order. */
class Out {
  readonly delta: Delta = [];
  /** units of A copied since the last splice */
  private gap = 0;
  /** the next unit of A not yet copied or deleted */
  private at = 0;
  private ins = "";

  copy(start: number, len: number): void {
    if (len === 0) return;
    this.flush(start);
    this.gap += len;
    this.at = start + len;
  }

  insert(text: string): void {
    this.ins += text;
  }

  /** Ends the pending splice before A's unit `start` (A's units from `at` to it are deleted). */
  flush(start: number): void {
    const del = start - this.at;
    if (del > 0 || this.ins.length > 0) {
      this.delta.push(this.gap, del, this.ins);
      this.gap = 0;
      this.ins = "";
    }
    this.at = start;
  }
}

/**
 * The delta A → C from the deltas A → B and B → C (flat splices `[gap, deleteCount, insert, …]`
 * as {@link diff} returns them). Pure; O(splices of both); `[]` composed with `bc` is `bc`.
 *
 * @param ab - a delta valid for A
 * @param bc - a delta valid for B = `applyDelta(A, ab)`
 * @returns a delta valid for A that rebuilds `applyDelta(B, bc)`
 */
export function composeDeltas(ab: Delta, bc: Delta): Delta {
  if (ab.length === 0) return bc;
  if (bc.length === 0) return ab;
  const p = piecesOf(ab);
  const out = new Out();
  let k = 0; // current piece of B
  let off = 0; // units of it already consumed
  /** Consumes `n` units of B, copying them to the output when `keep`. */
  const take = (n: number, keep: boolean): void => {
    while (n > 0) {
      const left = p.len[k]! - off;
      const m = n < left ? n : left;
      if (keep) {
        const s = p.start[k]!;
        if (s >= 0) out.copy(s + off, m);
        else out.insert(p.text[k]!.slice(off, off + m));
      }
      n -= m;
      off += m;
      if (off === p.len[k]) {
        k++;
        off = 0;
      }
    }
  };
  for (let i = 0; i < bc.length; i += 3) {
    take(bc[i] as number, true);
    take(bc[i + 1] as number, false);
    out.insert(bc[i + 2] as string);
  }
  // the rest of B: its pieces up to the last, which copies the rest of A
  for (; k < p.start.length - 1; k++, off = 0) {
    const s = p.start[k]!;
    if (s >= 0) out.copy(s + off, p.len[k]! - off);
    else out.insert(p.text[k]!.slice(off));
  }
  out.flush(p.start[k]! + off);
  return out.delta;
}

/**
 * What a delta kept in memory costs, roughly, in bytes: its inserted text plus ~24 B per
 * splice (two small integers and a string header in a JS array). For the choice between
 * keeping a composite and a string of its own (live/last-html.ts).
 */
export function deltaWeight(d: Delta): number {
  let w = 0;
  for (let i = 2; i < d.length; i += 3) w += 24 + (d[i] as string).length;
  return w;
}
