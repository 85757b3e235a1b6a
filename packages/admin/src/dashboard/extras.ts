/**
 * The chart extras a widget's `getData` may return beside `headline` and `detail`: the shapes
 * the tile draws on the server (see charts.ts), checked when the data arrives so a malformed
 * one fails with a message naming the field instead of drawing nonsense.
 */
import type { ChartBar, ChartExtras, TopItem } from "../model/chart-extras.js";

/** The most points a `series` may have (a tile is ~14rem wide: more would not be seen). */
export const MAX_SERIES = 500;
/** The most rows `bars` and `top` may have. */
export const MAX_ROWS = 20;

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const text = (v: unknown): v is string => typeof v === "string";

/**
 * Picks the chart extras out of a widget's data and checks them.
 *
 * @param d - what `getData` returned
 * @returns the extras present (absent or null ones left out)
 * @throws TypeError naming the field and the expected shape when one is malformed or too long
 */
export function readChartExtras(d: Record<string, unknown>): ChartExtras {
  const out: ChartExtras = {};
  const fail = (field: string, shape: string): never => {
    throw new TypeError(`getData: \`${field}\` must be ${shape}`);
  };
  if (d.series != null) {
    const s = d.series;
    if (!Array.isArray(s) || !s.every(finite)) fail("series", "an array of finite numbers (oldest first)");
    if ((s as number[]).length > MAX_SERIES) fail("series", `at most ${MAX_SERIES} points (got ${(s as number[]).length})`);
    out.series = s as number[];
  }
  if (d.seriesLabel != null) out.seriesLabel = text(d.seriesLabel) ? d.seriesLabel : fail("seriesLabel", "a string");
  if (d.bars != null) out.bars = rows(d.bars, "bars", (r) => text(r.label) && finite(r.value), "{ label: string, value: number }", fail) as ChartBar[];
  if (d.top != null) {
    const ok = (r: Record<string, unknown>) => text(r.label) && (text(r.value) || finite(r.value)) && (r.url === undefined || (text(r.url) && !/^\s*(javascript|data|vbscript):/i.test(r.url)));
    out.top = rows(d.top, "top", ok, "{ label: string, value: string | number, url?: http(s) or relative URL }", fail) as TopItem[];
  }
  if (d.trend != null) {
    const t = d.trend as Record<string, unknown>;
    if (typeof t !== "object" || !finite(t.current) || !finite(t.previous) || (t.label !== undefined && !text(t.label))) fail("trend", "{ current: number, previous: number, label?: string }");
    out.trend = { current: t.current as number, previous: t.previous as number, ...(t.label !== undefined ? { label: t.label as string } : {}) };
  }
  return out;
}

function rows(v: unknown, field: string, ok: (r: Record<string, unknown>) => boolean, shape: string, fail: (f: string, s: string) => never): unknown[] {
  if (!Array.isArray(v) || !v.every((r) => r && typeof r === "object" && ok(r as Record<string, unknown>))) fail(field, `an array of ${shape}`);
  if ((v as unknown[]).length > MAX_ROWS) fail(field, `at most ${MAX_ROWS} rows (got ${(v as unknown[]).length})`);
  return v as unknown[];
}
