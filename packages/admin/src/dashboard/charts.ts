/**
 * Server-drawn charts for dashboard tiles: small inline SVG and HTML strings built from a
 * widget's chart extras (extras.ts). No chart library and no client code: the tile's
 * template writes them raw (`<%~ %>`) and the live diff ships only what changed. Every label
 * is escaped here; numbers are rounded so a push stays small. Styles live in dashboard.css
 * (SVG attributes only: the admin's CSP forbids inline styles).
 */
import type { ChartBar, TopItem, Trend } from "../model/chart-extras.js";

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** A number as shown in a chart's text: grouped, at most 2 decimals (`12,345.5`). */
export function formatNumber(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** One decimal: enough for a 100-unit-wide drawing, and short on the wire. */
const r1 = (v: number) => String(Math.round(v * 10) / 10);

/** Width and height of the sparkline's viewBox (it is stretched to the card's width). */
const SPARK_W = 100;
const SPARK_H = 28;

/**
 * The smallest of 1, 2, 2.5, 5 × 10^k at or above `v` (> 0): a scale bound that moves rarely,
 * so a new value seldom redraws every point.
 */
export function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/**
 * A sparkline: one polyline over the series (oldest first) on a scale from zero (or the
 * series' rounded-down minimum, when negative) to its rounded-up maximum ({@link niceCeil}),
 * with a dashed zero line when the series crosses zero. A stable scale keeps pushes small:
 * a new latest value changes one point, not all. One point draws a flat line.
 *
 * @param series - finite numbers (see {@link readChartExtras})
 * @param label - its accessible name, e.g. "Revenue per hour, last 24 h"
 * @returns `<svg role="img">` markup naming the count, range and last value, or "" for an empty series
 */
export function sparkline(series: readonly number[], label: string): string {
  if (series.length === 0) return "";
  const min = Math.min(...series);
  const max = Math.max(...series);
  const hi = max > 0 ? niceCeil(max) : 0;
  const lo = min < 0 ? -niceCeil(-min) : 0;
  const pad = 2;
  const y = (v: number) => (hi === lo ? SPARK_H / 2 : pad + ((SPARK_H - 2 * pad) * (hi - v)) / (hi - lo));
  const step = series.length > 1 ? SPARK_W / (series.length - 1) : 0;
  const pts = series.length === 1 ? [`0,${r1(y(series[0]!))}`, `${SPARK_W},${r1(y(series[0]!))}`] : series.map((v, i) => `${r1(i * step)},${r1(y(v))}`);
  const zero = lo < 0 && hi > 0 ? `<line class="spark-zero" x1="0" x2="${SPARK_W}" y1="${r1(y(0))}" y2="${r1(y(0))}"/>` : "";
  const name = escapeHtml(`${label}: ${series.length} ${series.length === 1 ? "value" : "values"}${series.length > 1 ? ` from ${formatNumber(min)} to ${formatNumber(max)}` : ""}, latest ${formatNumber(series[series.length - 1]!)}`);
  return `<svg class="spark" viewBox="0 0 ${SPARK_W} ${SPARK_H}" preserveAspectRatio="none" role="img" aria-label="${name}">${zero}<polyline points="${pts.join(" ")}" vector-effect="non-scaling-stroke"/></svg>`;
}

/**
 * A horizontal bar chart as a list: each row a text label, a bar and its value, so it reads
 * (and wraps) as text on a phone and a screen reader reads it as a list. Bars start at zero;
 * negative values draw left of it.
 *
 * @param bars - labelled finite values
 * @param label - the list's accessible name (the card's title)
 * @returns `<ul class="tile-bars">` markup, or "" when there are no bars
 */
export function barChart(bars: readonly ChartBar[], label: string): string {
  if (bars.length === 0) return "";
  const lo = Math.min(0, ...bars.map((b) => b.value));
  const hi = Math.max(0, ...bars.map((b) => b.value));
  const scale = hi === lo ? 0 : 100 / (hi - lo);
  const zero = -lo * scale;
  const rows = bars.map((b) => {
    const w = Math.abs(b.value) * scale;
    const x = b.value < 0 ? zero - w : zero;
    return (
      `<li><span class="bar-label">${escapeHtml(b.label)}</span>` +
      `<svg class="bar${b.value < 0 ? " neg" : ""}" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true"><rect x="${r1(x)}" width="${r1(Math.max(w, b.value === 0 ? 0 : 0.5))}" height="6"/></svg>` +
      `<span class="bar-value">${formatNumber(b.value)}</span></li>`
    );
  });
  return `<ul class="tile-bars" aria-label="${escapeHtml(label)}">${rows.join("")}</ul>`;
}

/**
 * A trend against a reference: "▲ 12% vs yesterday", "▼ 3% vs yesterday", "no change vs
 * yesterday", or "▲ from 0 vs yesterday". The arrow is hidden from screen readers, which read
 * "up"/"down" and both values.
 *
 * @param t - the two values and the reference's label
 * @returns `<span class="tile-trend up|down|flat">` markup
 */
export function trendBadge(t: Trend): string {
  const ref = escapeHtml(t.label ?? "vs yesterday");
  const diff = t.current - t.previous;
  const dir = diff > 0 ? "up" : diff < 0 ? "down" : "flat";
  const values = escapeHtml(`${formatNumber(t.current)} against ${formatNumber(t.previous)}`);
  // the values are read out (visually hidden), not repeated in a tooltip: each push carries them once
  let amount: string;
  if (dir === "flat") amount = "no change";
  else if (t.previous === 0) amount = "from 0";
  else {
    const pct = Math.abs((diff / Math.abs(t.previous)) * 100);
    amount = pct < 1 ? "<1%" : `${formatNumber(Math.round(pct))}%`;
  }
  const arrow = dir === "up" ? "▲" : dir === "down" ? "▼" : "";
  const spoken = dir === "flat" ? "" : `<span class="vh">${dir} </span>`;
  return `<span class="tile-trend ${dir}">${arrow ? `<span aria-hidden="true">${arrow}</span> ` : ""}${spoken}${escapeHtml(amount)} ${ref}<span class="vh"> (${values})</span></span>`;
}

/**
 * A top-N list: an ordered list of label (linked when the row has a `url`) and value.
 *
 * @param items - the rows, best first
 * @param label - the list's accessible name (the card's title)
 * @returns `<ol class="tile-top">` markup, or "" when there are no rows
 */
export function topList(items: readonly TopItem[], label: string): string {
  if (items.length === 0) return "";
  const rows = items.map((t) => {
    const name = t.url ? `<a href="${escapeHtml(t.url)}">${escapeHtml(t.label)}</a>` : `<span>${escapeHtml(t.label)}</span>`;
    return `<li>${name}<span class="top-value">${escapeHtml(typeof t.value === "number" ? formatNumber(t.value) : t.value)}</span></li>`;
  });
  return `<ol class="tile-top" aria-label="${escapeHtml(label)}">${rows.join("")}</ol>`;
}
