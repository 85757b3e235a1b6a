/**
 * The chart extras of a dashboard widget's data (part of the widget contract, beside
 * `headline` and `detail`): the shapes a tile draws on the server as a sparkline, a bar
 * chart, a trend and a top-N list. dashboard/extras.ts checks them; dashboard/charts.ts draws them.
 */

/** One labelled number of a bar chart. */
export interface ChartBar {
  /** plain text, escaped when drawn */
  label: string;
  /** any finite number; negative values draw left of the zero line */
  value: number;
}

/** One row of a top-N list. */
export interface TopItem {
  /** plain text, escaped when drawn */
  label: string;
  /** shown as given (numbers grouped: `1,204`) */
  value: string | number;
  /** a link for the row (http(s) or relative); when any row has one, the card's title carries the card's link instead of the whole card */
  url?: string;
}

/** Today against a reference, drawn as "▲ 12% vs yesterday". */
export interface Trend {
  /** the value now (finite) */
  current: number;
  /** the value it is compared with (finite); 0 draws "new" for a positive current */
  previous: number;
  /** what `previous` is (default "vs yesterday") */
  label?: string;
}

/**
 * The chart extras a tile draws, all optional (the JSON API passes them through as well):
 *
 * - `series: number[]` — a sparkline (oldest first), e.g. revenue per hour over 24 h; with
 *   `seriesLabel` ("Revenue per hour, last 24 h") for its accessible name;
 * - `bars: { label, value }[]` — a horizontal bar chart, e.g. orders by status;
 * - `trend: { current, previous, label? }` — "▲ 12% vs yesterday";
 * - `top: { label, value, url? }[]` — a top-N list, e.g. best-selling products.
 */
export interface ChartExtras {
  series?: number[];
  seriesLabel?: string;
  bars?: ChartBar[];
  trend?: Trend;
  top?: TopItem[];
}
