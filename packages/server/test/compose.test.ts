import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyDelta } from "../../client/src/apply.js";
import type { Delta } from "../../client/src/protocol.js";
import { diff } from "../src/render/diff.js";
import { composeDeltas, deltaWeight } from "../src/render/compose.js";

/** Throws unless `d` is a well-formed delta for `a`: triples, counts in bounds, no empty splice, splices apart. */
function wellFormed(a: string, d: Delta): void {
  expect(d.length % 3).toBe(0);
  let at = 0;
  for (let i = 0; i < d.length; i += 3) {
    const [gap, del, ins] = [d[i], d[i + 1], d[i + 2]];
    expect(typeof gap === "number" && typeof del === "number" && typeof ins === "string").toBe(true);
    expect(gap as number).toBeGreaterThanOrEqual(i === 0 ? 0 : 1);
    expect(del as number).toBeGreaterThanOrEqual(0);
    expect((del as number) > 0 || (ins as string).length > 0).toBe(true);
    at += (gap as number) + (del as number);
    expect(at).toBeLessThanOrEqual(a.length);
  }
}

/** Folds the deltas between consecutive versions into one from the first, checking each step. */
function composeAll(versions: string[]): Delta {
  let d: Delta = [];
  for (let i = 1; i < versions.length; i++) {
    d = composeDeltas(d, diff(versions[i - 1]!, versions[i]!));
    wellFormed(versions[0]!, d);
    expect(applyDelta(versions[0]!, d)).toBe(versions[i]);
  }
  return d;
}

/** Any valid delta for a string of length `n` (not only what `diff` makes: overlapping-looking edits, whole replacements). */
const anyDelta = (n: number) =>
  fc.array(fc.tuple(fc.nat({ max: 12 }), fc.nat({ max: 12 }), fc.string({ maxLength: 6 })), { maxLength: 6 }).map((ts) => {
    const d: Delta = [];
    let at = 0;
    for (const [g, x, s] of ts) {
      const gap = Math.min(g, n - at);
      const del = Math.min(x, n - at - gap);
      at += gap + del;
      d.push(gap, del, s);
    }
    return d;
  });

const smallAlphabet = fc.string({ unit: fc.constantFrom("a", "b", "<", ">", " ", "é", "😀", "\uD83D", "<td>"), maxLength: 40 });

describe("composeDeltas", () => {
  it("rebuilds the last version from the first, over any chain of versions", () => {
    fc.assert(fc.property(fc.array(smallAlphabet, { minLength: 2, maxLength: 8 }), (vs) => void composeAll(vs)), { numRuns: 1000 });
  });

  it("composes any two valid deltas, not only diff's", () => {
    const chain = fc.string({ maxLength: 30 }).chain((a) => anyDelta(a.length).chain((ab) => {
      const b = applyDelta(a, ab);
      return anyDelta(b.length).map((bc) => ({ a, ab, b, bc }));
    }));
    fc.assert(
      fc.property(chain, ({ a, ab, b, bc }) => {
        const ac = composeDeltas(ab, bc);
        expect(applyDelta(a, ac)).toBe(applyDelta(b, bc));
        // empty splices in the inputs (allowed by applyDelta) never reach the composite
        if (ab.length && bc.length) wellFormed(a, ac);
      }),
      { numRuns: 2000 },
    );
  });

  it("returns an input as is when the other is empty (views of a group share the object)", () => {
    const d: Delta = [3, 1, "x"];
    expect(composeDeltas([], d)).toBe(d);
    expect(composeDeltas(d, [])).toBe(d);
  });

  it("drops text inserted and deleted again, and keeps one splice for repeated edits of one place", () => {
    // A → B inserts "XY", B → C deletes it again: nothing left
    expect(composeDeltas([2, 0, "XY"], [2, 2, ""])).toEqual([]);
    // one cell changed three times: one splice against the base
    const cells = ["37", "38", "39", "40"].map((n) => `<tr><td>SKU-1</td><td class="num">${n}</td></tr>`);
    const d = composeAll(cells);
    expect(d).toEqual(diff(cells[0]!, cells[3]!));
  });

  it("stays the size of what changed for a 50-row table edited cell by cell", () => {
    const row = (i: number, stock: number) => `<tr id="row-${i}"><td>SKU-${1000 + i}</td><td>Product ${i}</td><td class="num stock">${stock}</td></tr>\n`;
    const table = (stocks: number[]) => `<table><tbody>\n${stocks.map((s, i) => row(i, s)).join("")}</tbody></table>`;
    const stocks = Array.from({ length: 50 }, (_, i) => (i * 37) % 100);
    const versions = [table(stocks)];
    for (const i of [7, 12, 7, 40, 3]) {
      stocks[i]! += 1;
      versions.push(table(stocks));
    }
    const d = composeAll(versions);
    expect(d.length / 3).toBeLessThanOrEqual(4); // rows 3, 7, 12, 40
    expect(deltaWeight(d)).toBeLessThan(versions[0]!.length / 20);
  });
});
