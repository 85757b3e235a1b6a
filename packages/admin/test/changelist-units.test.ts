/** The change list's pure helpers: the elided pager, cell formatting, selection toggles. */
import { describe, expect, it } from "vitest";
import { badgeFor, formatCell } from "../src/changelist/cells.js";
import { elidedPages, pageLinks } from "../src/changelist/pagination.js";
import { NO_SELECTION, MAX_PICKED, isSelected, toggleRow, togglePage, type Selection } from "../src/changelist/selection.js";

describe("elidedPages (Django's get_elided_page_range, on_each_side=3, on_ends=2)", () => {
  it("lists every page when there are few", () => {
    expect(elidedPages(1, 1)).toEqual([1]);
    expect(elidedPages(5, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
  it("elides around the current page like Django", () => {
    // Django: list(Paginator(range(500), 10).get_elided_page_range(25))
    expect(elidedPages(25, 50)).toEqual([1, 2, null, 22, 23, 24, 25, 26, 27, 28, null, 49, 50]);
    expect(elidedPages(1, 50)).toEqual([1, 2, 3, 4, null, 49, 50]);
    expect(elidedPages(6, 50)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, null, 49, 50]);
    expect(elidedPages(7, 50)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, null, 49, 50]); // a gap never hides a single page
    expect(elidedPages(8, 50)).toEqual([1, 2, null, 5, 6, 7, 8, 9, 10, 11, null, 49, 50]);
    expect(elidedPages(50, 50)).toEqual([1, 2, null, 47, 48, 49, 50]);
    expect(elidedPages(44, 50)).toEqual([1, 2, null, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50]);
  });
  it("every page appears once, in order, and the current page is always there", () => {
    for (let pages = 1; pages <= 40; pages++) {
      for (let page = 1; page <= pages; page++) {
        const list = elidedPages(page, pages).filter((n): n is number => n !== null);
        expect(list).toContain(page);
        expect(list[0]).toBe(1);
        expect(list.at(-1)).toBe(pages);
        for (let i = 1; i < list.length; i++) expect(list[i]).toBeGreaterThan(list[i - 1]!);
      }
    }
  });
});

describe("pageLinks", () => {
  it("has no pager for one page; arrows are disabled at the ends", () => {
    expect(pageLinks(1, 1, String)).toEqual([]);
    const links = pageLinks(1, 3, (n) => `?p=${n}`);
    expect(links.map((l) => [l.kind, l.href])).toEqual([
      ["first", undefined], ["prev", undefined], ["current", undefined], ["page", "?p=2"], ["page", "?p=3"], ["next", "?p=2"], ["last", "?p=3"],
    ]);
    expect(pageLinks(3, 3, (n) => `?p=${n}`).map((l) => l.href).slice(-2)).toEqual([undefined, undefined]);
    expect(pageLinks(2, 10_000, String).find((l) => l.href === "10000")?.label).toBe("10,000");
  });
});

describe("formatCell", () => {
  it("booleans, empties, dates, enums, numbers, text", () => {
    expect(formatCell(true, "boolean")).toMatchObject({ bool: "yes", text: "Yes" });
    expect(formatCell(false, "computed")).toMatchObject({ bool: "no", text: "No" });
    for (const v of [null, undefined, ""]) expect(formatCell(v, "text")).toMatchObject({ empty: true, text: "—" });
    const d = new Date(Date.UTC(2025, 5, 15, 12, 5));
    expect(formatCell(d, "date")).toMatchObject({ datetime: "2025-06-15T12:05:00.000Z", cls: "date" });
    expect(formatCell(d, "date").text).toMatch(/^1[56] Jun 2025, \d\d:\d5$/);
    expect(formatCell(new Date(Number.NaN), "date")).toMatchObject({ empty: true });
    expect(formatCell("on_hold", "enum")).toMatchObject({ text: "on hold", badge: "warning" });
    expect(formatCell("weird", "enum")).toMatchObject({ badge: "" });
    expect(formatCell(12, "number")).toMatchObject({ text: "12", cls: "num" });
    expect(formatCell("<b>", "text")).toMatchObject({ text: "<b>" }); // the template escapes
  });
  it("status words get colours", () => {
    expect([badgeFor("Paid"), badgeFor("pending"), badgeFor("cancelled"), badgeFor("shipped"), badgeFor("in progress")]).toEqual(["ok", "warning", "danger", "info", "info"]);
    // a value naming an Object.prototype member is no badge colour
    expect(["constructor", "__proto__", "toString", "hasOwnProperty"].map(badgeFor)).toEqual(["", "", "", ""]);
  });
});

describe("selection", () => {
  const page = ["1", "2", "3"];
  const ids = (s: Selection) => (s.mode === "ids" ? [...s.ids].sort() : "all");
  it("toggles rows of the page only", () => {
    let s = toggleRow(NO_SELECTION, "2", page);
    expect(ids(s)).toEqual(["2"]);
    expect(toggleRow(s, "99", page)).toBe(s);
    s = toggleRow(s, "2", page);
    expect(ids(s)).toEqual([]);
    expect(ids(NO_SELECTION)).toEqual([]); // never mutated
  });
  it("selects the page, then unselects it; 'all' drops back to the page minus the row", () => {
    let s = togglePage(toggleRow(NO_SELECTION, "1", page), page);
    expect(ids(s)).toEqual(["1", "2", "3"]);
    s = togglePage(s, page);
    expect(ids(s)).toEqual([]);
    const all: Selection = { mode: "all" };
    expect(isSelected(all, "anything")).toBe(true);
    expect(ids(toggleRow(all, "2", page))).toEqual(["1", "3"]);
    expect(ids(togglePage(all, page))).toEqual([]);
  });
  it("caps hand-picked rows", () => {
    const big = Array.from({ length: MAX_PICKED + 10 }, (_, i) => String(i));
    const s = togglePage(NO_SELECTION, big);
    expect(s.mode === "ids" && s.ids.size).toBe(MAX_PICKED);
  });
});
