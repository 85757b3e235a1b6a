/**
 * The shapes a `ChangeListQuery` answers with (a page of rows, the column headers) and its
 * run-time knobs: the change list's vocabulary, apart from the class that computes it.
 */
import type { ChangeListRow } from "./rows.js";
import type { FairShare } from "./fair-share/index.js";

/** One page of the change list, Django's `ChangeList.result_list` + paginator figures. */
export interface ChangeListPage {
  readonly rows: readonly ChangeListRow[];
  /** How many rows match the search and filters (Django's `result_count`): exact unless `estimated` or `capped`. */
  readonly total: number;
  /** true when `total` is the engine's estimate of an unfiltered table's rows (`estimateTotalAbove`): shown as "about N" */
  readonly estimated: boolean;
  /** true when more than `total` rows match and counting stopped there (`countLimit`): shown as "more than N"; the last page is unknown */
  readonly capped: boolean;
  /** The page actually returned, 1-based: the requested page, clamped to `1…pages`. */
  readonly page: number;
  /** Number of pages, at least 1 (an empty result is one empty page, as Django's paginator); when `capped`, the pages known to exist (more follow). */
  readonly pages: number;
  readonly perPage: number;
}

/** A `listDisplay` column header for a state (Django's `result_headers`). */
export interface ColumnHeader {
  /** The `listDisplay` name. */
  readonly name: string;
  readonly label: string;
  /** Whether the cell links to the change form (`listDisplayLinks`). */
  readonly link: boolean;
  readonly sortable: boolean;
  /** The column's direction in the effective sort (explicit or default), if it is part of it. */
  readonly sorted: "asc" | "desc" | undefined;
  /** 1-based position in the effective sort, if part of it. */
  readonly sortPriority: number | undefined;
  /** The query string (without `?`) after a click on the header (see `toggleSort`); undefined if not sortable. */
  readonly toggleQuery: string | undefined;
}

/** Run-time knobs of a `ChangeListQuery` (not ModelAdmin options). */
export interface ChangeListQueryOptions {
  /** The clock for date ranges (default `() => new Date()`). */
  now?: () => Date;
  /** The IANA time zone date ranges ("today", "this month") are counted in (default: the process's local zone; the site passes its `display.timeZone`). */
  timeZone?: string;
  /** How long loaded foreign-key filter choices stay cached, in ms (default 60,000; 0 = no cache). */
  choicesTtlMs?: number;
  /** Longest `q` accepted, in characters (default 500); longer is a `ChangeListParamError`. */
  maxSearchLength?: number;
  /** Most search words used (default 20); more is a `ChangeListParamError`. */
  maxSearchWords?: number;
  /** Called with the SQL and parameters of every statement this object runs (logging, counting). */
  onStatement?: (sql: string, params: readonly unknown[]) => void;
  /** Each statement waits for, and is charged to, the share of the user it is run for (`readsOf`); default: none (the site passes its own, see `AdminSiteOptions.fairShare`). */
  fairShare?: FairShare;
}
