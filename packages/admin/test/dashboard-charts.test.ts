// The server-drawn tile charts (dashboard/charts.ts) and the check of their extras
// (dashboard/extras.ts): well-formed markup (a small XML well-formedness check: every tag
// closed in order, every attribute quoted, no raw < or stray & in text), labels escaped,
// empty / one-point / flat / negative series, trend wording, and clear errors for bad extras.
// Engine-free: pure functions, no site and no database, so not run per engine (ENGINES).
import { describe, expect, it } from "vitest";
import { barChart, escapeHtml, niceCeil, sparkline, topList, trendBadge } from "../src/dashboard/charts.js";
import { MAX_ROWS, MAX_SERIES, readChartExtras } from "../src/dashboard/extras.js";
import { checkWidgetData } from "../src/dashboard/widget.js";

const VOID = new Set(["br", "img", "input", "hr", "meta", "link"]);

/** Throws unless `markup` is well-formed XML-ish markup (tags nest, attributes quoted, text escaped). */
function assertWellFormed(markup: string): void {
  const stack: string[] = [];
  const token = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const m of markup.matchAll(token)) {
    if (m[6]) throw new Error(`stray "<" at ${m.index}: ${markup.slice(m.index!, m.index! + 30)}`);
    if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|#39);)/.test(m[5])) throw new Error(`unescaped & in text: ${m[5]}`);
      if (m[5].includes(">")) throw new Error(`raw > in text: ${m[5]}`);
      continue;
    }
    const [, close, name, , self] = m;
    if (self || VOID.has(name!)) continue;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else stack.push(name!);
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(", ")}`);
}

const points = (svg: string) =>
  /points="([^"]*)"/
    .exec(svg)![1]!
    .split(" ")
    .map((p) => p.split(",").map(Number) as [number, number]);

describe("sparkline", () => {
  it("draws one well-formed, named SVG polyline over the series, scaled from 0 to a rounded-up max", () => {
    const svg = sparkline([3, 10, 0], "Revenue per hour");
    assertWellFormed(svg);
    expect(svg).toMatch(/^<svg class="spark" viewBox="0 0 100 28" preserveAspectRatio="none" role="img" aria-label="Revenue per hour: 3 values from 0 to 10, latest 0">/);
    const pts = points(svg);
    expect(pts.map((p) => p[0])).toEqual([0, 50, 100]);
    // 10 at the top (y = pad), 0 at the bottom (y = height - pad)
    expect(pts[1]![1]).toBe(2);
    expect(pts[2]![1]).toBe(26);
    expect(pts[0]![1]).toBe(18.8);
  });

  it("keeps its scale while a new latest value stays under the rounded-up max: one point changes", () => {
    const a = points(sparkline([120, 340, 210], "x"));
    const b = points(sparkline([120, 340, 480], "x"));
    expect(a.slice(0, 2)).toEqual(b.slice(0, 2));
    expect([7, 9.5, 12, 20, 25, 30, 99, 100, 101, 0.3].map(niceCeil)).toEqual([10, 10, 20, 20, 25, 50, 100, 100, 200, 0.5]);
  });

  it("draws nothing for an empty series, a flat line for one point or a constant series", () => {
    expect(sparkline([], "x")).toBe("");
    const one = sparkline([50], "Orders");
    assertWellFormed(one);
    expect(points(one)).toEqual([
      [0, 2],
      [100, 2],
    ]);
    expect(points(sparkline([0, 0], "x")).every((p) => p[1] === 14)).toBe(true);
    expect(one).toContain('aria-label="Orders: 1 value, latest 50"');
    expect(new Set(points(sparkline([5, 5, 5], "x")).map((p) => p[1])).size).toBe(1);
  });

  it("scales negative values and draws a zero line when the series crosses zero", () => {
    const svg = sparkline([-10, 10], "Net");
    assertWellFormed(svg);
    expect(svg).toContain('<line class="spark-zero" x1="0" x2="100" y1="14" y2="14"/>');
    expect(points(svg)).toEqual([
      [0, 26],
      [100, 2],
    ]);
    // all negative: from the rounded-down min up to zero
    expect(points(sparkline([-5, 0], "x"))).toEqual([
      [0, 26],
      [100, 2],
    ]);
    expect(sparkline([-3, -1], "x")).not.toContain("spark-zero");
    expect(svg).toContain("from -10 to 10");
  });

  it("escapes its label and keeps coordinates short (one decimal) for small pushes", () => {
    const svg = sparkline([1, 2, 3, 4, 5, 6, 7], `<script>"x"&'y'`);
    assertWellFormed(svg);
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;");
    for (const [x, y] of points(svg)) expect(`${x},${y}`).toMatch(/^\d+(\.\d)?,\d+(\.\d)?$/);
    // 24 hourly points stay well under half a kilobyte
    expect(sparkline(Array.from({ length: 24 }, (_, i) => 1000 + i * 37.77), "Revenue per hour, last 24 h").length).toBeLessThan(600);
  });
});

describe("barChart", () => {
  it("lists label, bar and value per row, the longest bar full width", () => {
    const html = barChart(
      [
        { label: "Pending", value: 50 },
        { label: "Shipped", value: 200 },
        { label: "Refunded", value: 0 },
      ],
      "Orders by status",
    );
    assertWellFormed(html);
    expect(html).toMatch(/^<ul class="tile-bars" aria-label="Orders by status">/);
    expect([...html.matchAll(/<rect x="([\d.]+)" width="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])])).toEqual([
      [0, 25],
      [0, 100],
      [0, 0],
    ]);
    expect(html).toContain('<span class="bar-value">200</span>');
  });

  it("draws negative values left of the zero line, marked", () => {
    const html = barChart(
      [
        { label: "Gain", value: 300 },
        { label: "Loss", value: -100 },
      ],
      "Net",
    );
    assertWellFormed(html);
    const rects = [...html.matchAll(/<rect x="([\d.]+)" width="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(rects).toEqual([
      [25, 75],
      [0, 25],
    ]);
    expect(html).toContain('class="bar neg"');
    expect(html).toContain('<span class="bar-value">-100</span>');
  });

  it("escapes labels and draws nothing for no bars", () => {
    const html = barChart([{ label: `<img src=x onerror="alert(1)">`, value: 1 }], `a"b`);
    assertWellFormed(html);
    expect(html).not.toContain("<img");
    expect(html).toContain('aria-label="a&quot;b"');
    expect(barChart([], "x")).toBe("");
  });
});

describe("trendBadge", () => {
  it("says up/down with a rounded percentage against the reference, both values for screen readers", () => {
    const up = trendBadge({ current: 112, previous: 100 });
    assertWellFormed(up);
    expect(up).toMatch(/^<span class="tile-trend up">/);
    expect(up.replace(/<[^>]+>/g, "")).toBe("▲ up 12% vs yesterday (112 against 100)");
    const down = trendBadge({ current: 90, previous: 120, label: "vs last week" });
    expect(down.replace(/<[^>]+>/g, "")).toBe("▼ down 25% vs last week (90 against 120)");
  });

  it("handles no change, a zero reference, tiny changes and negative references", () => {
    expect(trendBadge({ current: 5, previous: 5 }).replace(/<[^>]+>/g, "")).toBe("no change vs yesterday (5 against 5)");
    expect(trendBadge({ current: 5, previous: 0 }).replace(/<[^>]+>/g, "")).toBe("▲ up from 0 vs yesterday (5 against 0)");
    expect(trendBadge({ current: 1001, previous: 1000 })).toContain("&lt;1%");
    expect(trendBadge({ current: -50, previous: -100 }).replace(/<[^>]+>/g, "")).toBe("▲ up 50% vs yesterday (-50 against -100)");
    assertWellFormed(trendBadge({ current: 1, previous: 0, label: "<b>&" }));
  });
});

describe("topList", () => {
  it("numbers the rows, links those with a url, escapes labels, values and urls", () => {
    const html = topList(
      [
        { label: "Mug <large>", value: 1204, url: "/admin/p/1/?a=1&b=2" },
        { label: "Tea", value: "€3.10" },
      ],
      "Top products",
    );
    assertWellFormed(html);
    expect(html).toContain('<a href="/admin/p/1/?a=1&amp;b=2">Mug &lt;large&gt;</a><span class="top-value">1,204</span>');
    expect(html).toContain("<span>Tea</span>");
    expect(topList([], "x")).toBe("");
  });
});

describe("chart extras", () => {
  it("passes well-formed extras and leaves others out", () => {
    expect(readChartExtras({ headline: 1, series: [1, 2], seriesLabel: "s", bars: [{ label: "a", value: -1 }], trend: { current: 1, previous: 2 }, top: [{ label: "t", value: "1" }], other: 1 })).toEqual({
      series: [1, 2],
      seriesLabel: "s",
      bars: [{ label: "a", value: -1 }],
      trend: { current: 1, previous: 2 },
      top: [{ label: "t", value: "1" }],
    });
    expect(readChartExtras({ series: null })).toEqual({});
  });

  it("refuses malformed extras with a message naming the field (the card then says unavailable)", () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ series: [1, Number.NaN] }, /`series` must be an array of finite numbers/],
      [{ series: "1,2" }, /`series`/],
      [{ series: new Array(MAX_SERIES + 1).fill(1) }, /at most 500 points \(got 501\)/],
      [{ bars: [{ label: "a" }] }, /`bars` must be an array of \{ label: string, value: number \}/],
      [{ bars: new Array(MAX_ROWS + 1).fill({ label: "a", value: 1 }) }, /at most 20 rows/],
      [{ top: [{ label: "a", value: 1, url: "javascript:alert(1)" }] }, /`top`/],
      [{ trend: { current: 1 } }, /`trend` must be \{ current: number, previous: number/],
      [{ seriesLabel: 3 }, /`seriesLabel` must be a string/],
    ];
    for (const [extras, msg] of bad) expect(() => checkWidgetData({ headline: 1, ...extras })).toThrow(msg);
  });

  it("escapeHtml escapes the five HTML metacharacters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
