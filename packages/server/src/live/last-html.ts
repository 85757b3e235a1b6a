/**
 * The last HTML sent to a connected view, which its next delta is computed against, kept as
 * a base string shared with the other views of its class plus the delta from the base to it
 * (docs/liveview.md, "What a view keeps"). 1,000 viewers of a 50-row table who each changed a
 * cell keep one ~10 KiB base and 1,000 small deltas, not 1,000 copies.
 *
 * The base is the HTML the view joined with, or last rebased on, interned per class
 * ({@link Fanout.intern}: viewers in the same state hold one string). Each update composes
 * onto the kept delta ({@link composeDeltas}); when the composite outweighs a quarter of the
 * HTML, or the update was the whole HTML, or the HTML is small, the view rebases: the new
 * HTML becomes its base. Views of a group (fanout.ts) share the update object, and compose
 * it onto the same kept delta: a one-entry memo lets them share the composite too.
 */
import { applyDelta } from "@weft/client/apply";
import type { Update } from "@weft/client/codec";
import type { Delta } from "@weft/client/protocol";
import { composeDeltas, deltaWeight } from "../render/compose.js";

/** HTML shorter than this (UTF-16 code units) is kept whole: a delta would save too little. */
const COMPACT_FROM = 1024;
/** A composite is kept while its {@link deltaWeight} is at most the HTML's length over this. */
const WEIGHT_SHARE = 4;

const NONE: Delta = [];

/** The last compose and rebuild (views of one group call them in a row with the same objects). */
const memo = { ab: NONE, bc: NONE, ac: NONE, base: "", d: NONE, html: "" };

function compose(ab: Delta, bc: Delta): Delta {
  if (memo.ab !== ab || memo.bc !== bc) Object.assign(memo, { ab, bc, ac: composeDeltas(ab, bc) });
  return memo.ac;
}

/** One view's last HTML sent. @internal */
export class LastHtml {
  private base: string | null = null;
  private delta: Delta = NONE;

  /** The HTML (null before the first render). Rebuilt from the base when it has a delta: one copy, not kept. */
  get(): string | null {
    if (this.base === null || this.delta.length === 0) return this.base;
    if (memo.base !== this.base || memo.d !== this.delta) Object.assign(memo, { base: this.base, d: this.delta, html: applyDelta(this.base, this.delta) });
    return memo.html;
  }

  /**
   * Records what was sent.
   * @param html - the HTML the client now has
   * @param update - what was sent for it: a delta against {@link get}, or the HTML (a join, a
   *   `rendered` frame: the view rebases on it), or undefined when nothing changed
   * @param intern - the class's intern table ({@link Fanout.intern})
   */
  set(html: string, update: Update | undefined, intern: (html: string) => string): void {
    if (update === undefined && this.base !== null) return;
    if (typeof update === "object" && this.base !== null && html.length >= COMPACT_FROM) {
      const d = compose(this.delta, update);
      if (deltaWeight(d) * WEIGHT_SHARE <= html.length) {
        this.delta = d;
        return;
      }
    }
    this.base = intern(html);
    this.delta = NONE;
  }
}
