import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeUpdate } from "../src/render/diff.js";
import { LastHtml } from "../src/live/last-html.js";
import { LiveView, type Payload } from "../src/index.js";
import { mountLive } from "../src/testing/index.js";

/** A 50-row table like the demo's (~5,000 code units), with one stock per row. */
const table = (stocks: readonly number[]) =>
  `<table><tbody>\n${stocks.map((s, i) => `<tr id="row-${i}"><td>SKU-${1000 + i}</td><td>Product ${i}</td><td class="num">${s}</td><td><button lv-click="restock" lv-value-id="${i}">+1</button></td></tr>\n`).join("")}</tbody></table>`;
const START = Array.from({ length: 50 }, (_, i) => (i * 37) % 100);

/** An intern table that counts the strings it was handed. */
function interner() {
  const seen = new Map<string, string>();
  const intern = (h: string) => {
    intern.calls++;
    if (!seen.has(h)) seen.set(h, h);
    return seen.get(h)!;
  };
  intern.calls = 0;
  return intern;
}

/** Sends `html` to the view as the runtime does: the delta against what it has, then records it. */
function send(v: LastHtml, html: string, intern: (h: string) => string): void {
  const old = v.get();
  v.set(html, old === null ? html : html === old ? undefined : encodeUpdate(old, html), intern);
}

/** One step of a view: restock a row, rewrite a cell with any text, or replace the whole table. */
const step = fc.oneof(
  fc.record({ row: fc.nat({ max: 49 }) }),
  fc.record({ row: fc.nat({ max: 49 }), text: fc.string({ unit: "grapheme", maxLength: 30 }) }),
  fc.constant({ reset: true as const }),
);
type Step = { row: number; text?: string } | { reset: true };

function apply(html: string, stocks: number[], s: Step): string {
  if ("reset" in s) return table(stocks.map((x) => x + 1000));
  if (s.text === undefined) return table((stocks[s.row]! += 1, stocks));
  return html.replace(`<tr id="row-${s.row}"><td>`, `<tr id="row-${s.row}"><td>${s.text}`);
}

describe("LastHtml", () => {
  it("gives back the HTML last recorded, for views updated in any interleaving", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 2 }), step), { maxLength: 40 }), (steps) => {
        const intern = interner();
        const views = [0, 1, 2].map(() => ({ v: new LastHtml(), stocks: [...START], html: table(START) }));
        for (const w of views) send(w.v, w.html, intern);
        for (const [k, s] of steps) {
          const w = views[k]!;
          w.html = apply(w.html, w.stocks, s as Step);
          send(w.v, w.html, intern);
          for (const x of views) expect(x.v.get()).toBe(x.html);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps the joined HTML as the base while the changes stay small, and rebases when they grow", () => {
    const intern = interner();
    const v = new LastHtml();
    const stocks = [...START];
    send(v, table(stocks), intern);
    expect(intern.calls).toBe(1);
    for (let i = 0; i < 20; i++) send(v, table((stocks[i] += 1, stocks)), intern);
    expect(intern.calls).toBe(1); // 20 cells against a base of ~5,000 units: a composite
    expect(v.get()).toBe(table(stocks));
    let html = table(stocks);
    for (let i = 0; i < 50; i++) send(v, (html = apply(html, stocks, { row: i, text: "restocked by someone" })), intern);
    expect(intern.calls).toBeGreaterThan(1); // every row changed: the delta outweighed a quarter of the HTML
    expect(v.get()).toBe(html);
  });

  it("keeps small HTML whole, and rebases on a whole-HTML update", () => {
    const intern = interner();
    const v = new LastHtml();
    send(v, "<p>1</p>", intern);
    send(v, "<p>2</p>", intern);
    expect(intern.calls).toBe(2);
    expect(v.get()).toBe("<p>2</p>");
    const big = table(START);
    v.set(big, big, intern);
    expect(intern.calls).toBe(3);
    expect(v.get()).toBe(big);
    v.set(big, undefined, intern);
    expect(intern.calls).toBe(3);
  });
});

/** A view rendering the 50-row table; `bump` restocks one row. */
class Stock extends LiveView<{ stocks: number[] }> {
  mount() {
    return { stocks: [...START] };
  }
  render(it: { stocks: number[] }) {
    return table(it.stocks);
  }
  events = {
    bump: (p: Payload) => this.assign({ stocks: this.assigns.stocks.map((s, i) => (i === p.row ? s + 1 : s)) }),
  };
}

const kept = (lv: { runtime: unknown }) => (lv.runtime as { out: { sent: { base: string; delta: unknown[] } } }).out.sent;

describe("LastHtml in a running view", () => {
  it("keeps the joined HTML and a small delta, and the deltas sent still rebuild the page", async () => {
    const lv = await mountLive(Stock);
    const joined = table(START);
    const stocks = [...START];
    for (const row of [3, 17, 3, 42]) {
      await lv.event("bump", { row });
      stocks[row]! += 1;
      expect(lv.html()).toBe(table(stocks)); // the client side, rebuilt from the frames
    }
    expect(kept(lv).base).toBe(joined);
    expect(kept(lv).delta.length).toBe(9); // rows 3, 17 and 42: three splices against the joined page
    // every event was answered with a delta of the changed cell, as before (`["ad",1,seq,[gap,n,"…"]]`)
    for (const f of lv.frames.slice(1)) expect(f).toMatch(/^\["ad",1,\d+,\[\d+,\d,"\d+"\]\]$/);
  });
});
