import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyDelta } from "../../client/src/apply.js";
import type { Delta } from "../../client/src/protocol.js";
import { diff, encodeUpdate } from "../src/render/diff.js";

// ---------------------------------------------------------------------------------------
// Helpers

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** True when position `i` of `s` falls between the two halves of a surrogate pair. */
function splitsPair(s: string, i: number): boolean {
  return i > 0 && i < s.length && isHigh(s.charCodeAt(i - 1)) && isLow(s.charCodeAt(i));
}

/**
 * Checks every invariant of `diff(a, b)` and returns the delta: it rebuilds `b` exactly;
 * it is well formed (triples, non-negative counts, in bounds); every splice changes
 * something and splices are separated by kept text; no splice boundary splits a surrogate
 * pair, in the old string or in the new one.
 */
function check(a: string, b: string): Delta {
  const d = diff(a, b);
  const fail = (why: string): never => {
    throw new Error(`${why}: diff(${JSON.stringify(a)}, ${JSON.stringify(b)}) = ${JSON.stringify(d)}`);
  };
  if (applyDelta(a, d) !== b) fail("does not rebuild the new string");
  if (d.length % 3 !== 0) fail("not made of triples");
  let at = 0; // cursor in a
  let bt = 0; // cursor in b
  for (let i = 0; i < d.length; i += 3) {
    const gap = d[i];
    const del = d[i + 1];
    const ins = d[i + 2];
    if (typeof gap !== "number" || typeof del !== "number" || typeof ins !== "string") return fail("bad types");
    if (!Number.isInteger(gap) || !Number.isInteger(del)) fail("non-integer count");
    if (gap < (i === 0 ? 0 : 1)) fail("splices not separated by kept text");
    if (del < 0) fail("negative delete count");
    if (del === 0 && ins.length === 0) fail("empty splice");
    at += gap;
    bt += gap;
    if (at + del > a.length) fail("out of bounds");
    if (splitsPair(a, at) || splitsPair(a, at + del) || splitsPair(b, bt) || splitsPair(b, bt + ins.length)) {
      fail(`splice ${i / 3} splits a surrogate pair`);
    }
    at += del;
    bt += ins.length;
  }
  return d;
}

const json = (v: unknown): number => JSON.stringify(v).length;

/** A realistic LiveView page: a table of `rows` users (about 200 code units a row). */
function page(rows: number, cell: (r: number, c: number) => string = user): string {
  let s =
    `<div lv-view="users"><h1>Users</h1><p class="count">Count: ${rows}</p>\n` +
    `<table class="table"><thead><tr><th>Id</th><th>Name</th><th>Email</th><th>Status</th><th></th></tr></thead>\n<tbody>\n`;
  for (let r = 0; r < rows; r++) {
    s +=
      `  <tr id="row-${r}"><td class="num">${cell(r, 0)}</td><td>${cell(r, 1)}</td><td>${cell(r, 2)}</td>` +
      `<td><span class="badge">${cell(r, 3)}</span></td>` +
      `<td><button lv-click="edit" lv-value-id="${r}">Edit</button></td></tr>\n`;
  }
  return s + `</tbody></table><footer>Count: ${rows}</footer></div>`;
}

function user(r: number, c: number): string {
  return [String(r), `User ${r}`, `user${r}@example.com`, r % 3 ? "active" : "blocked"][c] as string;
}

/** `page(rows)` with the cells in `changed` (keys `"row,col"`) replaced. */
function pageWith(rows: number, changed: Record<string, string>): string {
  return page(rows, (r, c) => changed[`${r},${c}`] ?? user(r, c));
}

// ---------------------------------------------------------------------------------------
// Golden cases: exact deltas

describe("diff: golden cases", () => {
  it("gives [] for identical strings, including empty ones", () => {
    expect(check("", "")).toEqual([]);
    expect(check("<p>hi</p>", "<p>hi</p>")).toEqual([]);
    const big = page(50);
    expect(check(big, page(50))).toEqual([]);
  });

  it("replaces one character", () => {
    expect(check("<p>5</p>", "<p>6</p>")).toEqual([3, 1, "6"]);
  });

  it("inserts at the start and at the end", () => {
    expect(check("world", "hello world")).toEqual([0, 0, "hello "]);
    expect(check("hello", "hello world")).toEqual([5, 0, " world"]);
    expect(check("", "abc")).toEqual([0, 0, "abc"]);
  });

  it("deletes", () => {
    expect(check("<ul><li>a</li><li>b</li></ul>", "<ul><li>a</li></ul>")).toEqual([15, 10, ""]);
    expect(check("abc", "")).toEqual([0, 3, ""]);
  });

  it("changes one cell of a 50-row table with a tiny splice", () => {
    const old = page(50);
    const next = pageWith(50, { "25,1": "Ada Lovelace" });
    expect(old.length).toBeGreaterThan(9000);
    const at = old.indexOf("User 25<");
    // "User 25" -> "Ada Lovelace": nothing in common at either end.
    expect(check(old, next)).toEqual([at, 7, "Ada Lovelace"]);
    // A status flip shares a prefix: "active" -> "ab".
    const flip = pageWith(50, { "25,3": "ab" });
    const d = check(old, flip);
    expect(d).toEqual([old.indexOf("active</span>", at) + 1, 5, "b"]);
    expect(json(d)).toBeLessThanOrEqual(14);
  });

  it("gives one small splice per change when changes are far apart", () => {
    // A counter shown in two places.
    const old = page(50);
    const next = old.replaceAll("Count: 50", "Count: 51");
    const first = old.indexOf("Count: 50") + 8;
    const second = old.lastIndexOf("Count: 50") + 8;
    expect(check(old, next)).toEqual([first, 1, "1", second - first - 1, 1, "1"]);

    // Three cells in different rows.
    const three = pageWith(50, { "5,1": "changed", "25,2": "changed", "44,3": "changed" });
    const p1 = old.indexOf("User 5<");
    const p2 = old.indexOf("user25@example.com");
    const p3 = old.indexOf("active<", old.indexOf('id="row-44"'));
    expect(check(old, three)).toEqual([
      p1, 6, "changed",
      p2 - (p1 + 6), 18, "changed",
      p3 - (p2 + 18), 6, "changed",
    ]);
  });

  it("keeps emoji whole at splice boundaries", () => {
    // U+1F600 and U+1F603 share their high surrogate.
    expect(check("x😀y", "x😃y")).toEqual([1, 2, "😃"]);
    expect(check("😀", "😃")).toEqual([0, 2, "😃"]);
    // Same low surrogate, different high one.
    expect(check("\uD83D\uDE00", "\uD83E\uDE00")).toEqual([0, 2, "\uD83E\uDE00"]);
    expect(check("a😀b", "a😀😀b")).toEqual([3, 0, "😀"]);
    expect(check("café", "cafe")).toEqual([3, 1, "e"]);
    expect(check("<p>日本語</p>", "<p>日本人</p>")).toEqual([5, 1, "人"]);
  });

  it("merges nearby splices when that is not longer", () => {
    // [0,1,"x",1,1,"y"] is longer than [0,3,"x-y"].
    expect(check("a-b", "x-y")).toEqual([0, 3, "x-y"]);
    // Far apart: kept separate.
    const pad = "<i>" + "z".repeat(40) + "</i>";
    expect(check(`<b>1</b>${pad}<b>2</b>`, `<b>3</b>${pad}<b>4</b>`)).toEqual([3, 1, "3", 54, 1, "4"]);
  });

  it("replaces everything when nothing is shared", () => {
    expect(check("abc", "xyz")).toEqual([0, 3, "xyz"]);
    expect(check("<p>old</p>", "<div>new</div>")).toEqual([1, 8, "div>new</div"]);
  });
});

describe("encodeUpdate", () => {
  it("sends the delta when it is smaller", () => {
    const old = page(50);
    const next = pageWith(50, { "25,3": "ab" });
    expect(encodeUpdate(old, next)).toEqual(diff(old, next));
  });

  it("sends the HTML when the delta is not smaller", () => {
    expect(encodeUpdate("abc", "xyz")).toBe("xyz");
    expect(encodeUpdate("world", "hello world")).toBe("hello world");
    expect(encodeUpdate("", "abc")).toBe("abc");
  });

  it("sends [] when nothing changed", () => {
    expect(encodeUpdate("<p>same</p>", "<p>same</p>")).toEqual([]);
  });
});

describe("diff: larger inputs", () => {
  it("handles 100 KB of completely different HTML", () => {
    const a = page(520);
    const b = page(520, (r, c) => `${c}:${r * 7919}`).replaceAll("<td", "<td data-x");
    expect(a.length).toBeGreaterThan(100_000);
    const d = check(a, b);
    expect(typeof encodeUpdate(a, b)).toBe(json(d) < json(b) ? "object" : "string");
  });

  it("gives small deltas for scattered changes in 100 KB", () => {
    const old = page(500);
    const next = pageWith(500, { "3,1": "A", "250,2": "B", "497,3": "C" });
    const d = check(old, next);
    expect(d.length).toBe(9);
    expect(json(d)).toBeLessThan(60);
  });

  it("gives one splice per changed row when many rows change", () => {
    const old = page(50);
    const changed: Record<string, string> = {};
    for (let r = 0; r < 50; r += 2) changed[`${r},3`] = "gone";
    const d = check(old, pageWith(50, changed));
    expect(d.length / 3).toBe(25);
  });

  it("stays correct for repetitive input (rows that only differ by an id)", () => {
    const row = (i: number): string => `<tr><td>x</td><td>x</td><td id="${i}">x</td></tr>`;
    const a = Array.from({ length: 300 }, (_, i) => row(i)).join("");
    const b = Array.from({ length: 300 }, (_, i) => row(i % 7 === 0 ? i + 1 : i)).join("").slice(0, -50);
    check(a, b);
    check(b, a);
  });
});

// ---------------------------------------------------------------------------------------
// Properties

/** A few code units that make common runs, tags, whitespace and surrogate pairs likely. */
const smallAlphabet = fc.string({
  unit: fc.constantFrom("a", "b", "<", ">", "/", " ", "\n", '"', "é", "😀", "😃", "\uD83D", "\uDE00", "<td>", "</td>"),
  maxLength: 60,
});

/** One edit: where (a fraction of the length), how much to delete, what to insert. */
const edit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  del: fc.nat({ max: 40 }),
  ins: fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.string({ unit: "grapheme", maxLength: 8 }),
    fc.constantFrom("", "<b>", "</td><td>", "😀", "\n  ", "blocked"),
  ),
});

function applyEdits(s: string, edits: Array<{ at: number; del: number; ins: string }>): string {
  for (const e of edits) {
    const i = Math.floor(e.at * s.length);
    s = s.slice(0, i) + e.ins + s.slice(i + e.del);
  }
  return s;
}

const base10 = page(10);
const base50 = page(50);

describe("diff: properties", () => {
  it("round-trips random grapheme strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 40 }), (a, b) => {
        check(a, b);
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips random binary strings (any code point)", () => {
    // The first "binary" string costs fast-check about 1.5 s of set-up; the rest are cheap.
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 30 }), fc.string({ unit: "binary", maxLength: 30 }), (a, b) => {
        check(a, b);
      }),
      { numRuns: 1000 },
    );
  });

  it("round-trips random UTF-16 code units (lone surrogates included)", () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0xd800, max: 0xdfff }),
      fc.constantFrom(0xd83d, 0xde00, 0xde03, 0x3c, 0x3e, 0x20),
    );
    const str = fc.array(unit, { maxLength: 40 }).map((cs) => String.fromCharCode(...cs));
    fc.assert(
      fc.property(str, str, (a, b) => {
        check(a, b);
        check(a + b, b + a);
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips strings over a small alphabet (many common runs)", () => {
    fc.assert(
      fc.property(fc.array(smallAlphabet, { maxLength: 6 }), fc.array(edit, { maxLength: 4 }), (parts, edits) => {
        const a = parts.join("");
        check(a, applyEdits(a, edits));
        check(a, parts.reverse().join(""));
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips random edits of a realistic page", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(edit, { minLength: 1, maxLength: 8 }), (big, edits) => {
        const a = big ? base50 : base10;
        const b = applyEdits(a, edits);
        check(a, b);
        check(b, a);
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips random edits of highly repetitive markup (anchors can misalign)", () => {
    const rows = "<tr><td>x</td><td>y</td></tr>\n".repeat(120);
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 12 }), (edits) => {
        const b = applyEdits(rows, edits);
        check(rows, b);
        check(b, rows);
      }),
      { numRuns: 1000 },
    );
  });

  it("costs no more than the edit itself for a single edit", () => {
    fc.assert(
      fc.property(edit, (e) => {
        const b = applyEdits(base50, [e]);
        const d = check(base50, b);
        // The edit as one splice (one code unit of slack at each end keeps a surrogate pair
        // whole). The delta may align differently — e.g. two splices when the inserted text
        // repeats markup inside the deleted span — but it is never larger.
        const at = Math.floor(e.at * base50.length);
        const naive = [at, Math.min(e.del, base50.length - at) + 2, e.ins + "xx"];
        expect(json(d)).toBeLessThanOrEqual(json(naive));
        if (d.length === 3) {
          expect(d[1] as number).toBeLessThanOrEqual(e.del + 2);
          expect((d[2] as string).length).toBeLessThanOrEqual(e.ins.length + 2);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("gives small splices for a few far-apart edits", () => {
    const rowLength = base50.length / 50;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 48 }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.string({ maxLength: 12 }), { minLength: 4, maxLength: 4 }),
        (rows, texts) => {
          const changed: Record<string, string> = {};
          rows.forEach((r, i) => (changed[`${r},${i % 4}`] = texts[i] as string));
          const b = pageWith(50, changed);
          const d = check(base50, b);
          // Each change costs its text plus a few numbers; never a splice across rows.
          const budget = rows.reduce((n, _, i) => n + json(texts[i]) + 16, 2);
          expect(json(d)).toBeLessThanOrEqual(budget);
          for (let i = 0; i < d.length; i += 3) expect(d[i + 1] as number).toBeLessThan(rowLength);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("encodeUpdate picks the smaller encoding", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(base10, base50), smallAlphabet), fc.array(edit, { maxLength: 8 }), (a, edits) => {
        const b = applyEdits(a, edits);
        const d = diff(a, b);
        const sent = encodeUpdate(a, b);
        if (d.length === 0) expect(sent).toEqual([]);
        else if (json(d) < json(b)) expect(sent).toEqual(d);
        else expect(sent).toBe(b);
        if (typeof sent !== "string") expect(applyDelta(a, sent)).toBe(b);
      }),
      { numRuns: 2000 },
    );
  });
});
