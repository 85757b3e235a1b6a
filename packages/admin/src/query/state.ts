/**
 * The URL state of a change list: its validated `ChangeListState`, and the functions that
 * parse it from URL parameters, write it back, and derive new states (sort toggles, filters),
 * each checked against one admin's allow-lists (Django's `ChangeList` parameter handling).
 */
import type { SQL } from "drizzle-orm";
import { ChangeListParamError } from "./errors.js";
import type { ResolvedChangeList, ResolvedFilter } from "./resolved.js";
import { splitSearchTerms } from "./search.js";
import { dateParamLevel, parseDateDrill, writeDateDrill, type DateDrill } from "./date-hierarchy.js";

/** One sort key: a name allowed by `sortableBy`, ascending or descending. */
export interface SortKey {
  readonly field: string;
  readonly desc: boolean;
}

/** The named ranges of a date filter, as Django's `DateFieldListFilter`. */
export type DateRangeName = "today" | "past_7_days" | "this_month" | "this_year";

/** The date ranges in sidebar order, with their labels. */
export const DATE_RANGES: readonly { readonly value: DateRangeName; readonly label: string }[] = [
  { value: "today", label: "Today" },
  { value: "past_7_days", label: "Past 7 days" },
  { value: "this_month", label: "This month" },
  { value: "this_year", label: "This year" },
];

/**
 * One active filter:
 * - `exact` — `<field>__exact=<value>` (boolean `1`/`0`, a choice, a related key), the value
 *   kept in its canonical URL spelling;
 * - `isnull` — `<field>__isnull=1|0` (nullable columns only);
 * - `range` — `<field>__range=<DateRangeName>` (date filters only).
 */
export type FilterSelection =
  | { readonly lookup: "exact"; readonly value: string }
  | { readonly lookup: "isnull"; readonly value: boolean }
  | { readonly lookup: "range"; readonly value: DateRangeName };

/**
 * Everything the URL of a change list says, validated: what `parseState` returns and
 * `toSearchParams` writes back. Immutable by convention; the helpers return new states.
 */
export interface ChangeListState {
  /** The search query, as typed (`""` = no search). */
  readonly q: string;
  /** Explicit sort keys, most significant first; `[]` = the admin's default `ordering`. */
  readonly sort: readonly SortKey[];
  /** Active filters by field (at most one per field). */
  readonly filters: Readonly<Record<string, FilterSelection>>;
  /** The requested page, 1-based (Django's `p`). */
  readonly page: number;
  /** The `dateHierarchy` period (`<field>__year`, `__month`, `__day`); absent: all dates. */
  readonly date?: DateDrill;
  /**
   * Row scoping from the ModelAdmin's `getQueryset(user)` (Django's `get_queryset`): ANDed into
   * every count, page and selection. Set by the server, never read from or written to the URL.
   */
  readonly scope?: SQL;
}

/** Options of `parseState`. */
export interface ParseStateOptions {
  /** Parameter names that belong to someone else (the view, tracking…) and are ignored. */
  ignore?: readonly string[];
}

/** The empty state: no search, default order, no filters, page 1. */
export const EMPTY_STATE: ChangeListState = Object.freeze({ q: "", sort: Object.freeze([]), filters: Object.freeze({}), page: 1 });

/** What the URL-state functions check a state against: one admin's options and limits. */
export interface StateRules {
  /** The resolved, checked options. */
  readonly config: ResolvedChangeList;
  /** The `listFilter` entries by field. */
  readonly filtersByField: ReadonlyMap<string, ResolvedFilter>;
  /** Longest `q` accepted, in characters. */
  readonly maxSearchLength: number;
  /** Most search words accepted. */
  readonly maxSearchWords: number;
  /** The IANA zone date ranges ("today") are counted in; undefined: the process's local zone. */
  readonly timeZone?: string | undefined;
}

/** URL parameter names, as Django's `SEARCH_VAR`, `ORDER_VAR`, `PAGE_VAR` (+ named `sort`). */
const Q = "q";
const O = "o";
/** The named sort parameter (also the parameter named by sort errors). */
export const SORT = "sort";
const P = "p";
const FILTER_PARAM = /^(.+)__(exact|isnull|range)$/;
const MAX_PAGE = 1_000_000_000;

/**
 * Parses and validates change-list URL parameters, refusing anything the admin does not
 * allow-list (Django's `ChangeList.get_filters` / `get_ordering` raising
 * `IncorrectLookupParameters`). Accepted:
 * - `q` — search text (refused when the admin has no `searchFields`, or when too long);
 * - `o` — Django's sort spec: dot-separated 0-based `listDisplay` indexes, `-` = descending,
 *   e.g. `o=2.-1`; or `sort` — comma-separated sort names, e.g. `sort=-createdAt,customer.name`
 *   (not both);
 * - `<field>__exact`, `<field>__isnull`, `<field>__range` for each `listFilter` field;
 * - `<field>__year`, `<field>__month`, `<field>__day` for the `dateHierarchy` field (a month
 *   needs the year, a day the month; see `parseDateDrill`);
 * - `p` — the page, a positive integer.
 *
 * @param rules - the admin's allow-lists and limits
 * @param params - the query string (with or without `?`) or its `URLSearchParams`
 * @param options - parameter names to ignore
 * @returns the validated state
 * @throws ChangeListParamError for an unknown parameter, a repeated parameter, an unknown or
 *   non-sortable sort field, a repeated sort field, an unknown filter field or lookup, a
 *   filter value that is not one of the choices / not the column's key shape / not a named
 *   range, a page that is not a positive integer, a too long search, a `dateHierarchy` period
 *   that is not a calendar year / month / day (or a month without its year, a day without its month)
 */
export function parseState(rules: StateRules, params: URLSearchParams | string, options: ParseStateOptions = {}): ChangeListState {
  const sp = typeof params === "string" ? new URLSearchParams(params) : params;
  const ignore = new Set(options.ignore ?? []);
  const seen = new Set<string>();
  let q = "";
  let sort: SortKey[] = [];
  let sortParam: string | undefined;
  const filters: Record<string, FilterSelection> = {};
  let page = 1;
  const hierarchy = rules.config.dateHierarchy?.field;
  const dateRaw: Partial<Record<"year" | "month" | "day", string>> = {};
  for (const [key, value] of sp) {
    if (ignore.has(key)) continue;
    if (seen.has(key)) throw new ChangeListParamError(key, "given more than once");
    seen.add(key);
    if (key === Q) {
      if (value.length > rules.maxSearchLength) {
        throw new ChangeListParamError(key, `search is longer than ${rules.maxSearchLength} characters`);
      }
      if (value.trim() !== "" && rules.config.searchFields.length === 0) {
        throw new ChangeListParamError(key, "this list has no search");
      }
      if (splitSearchTerms(value).length > rules.maxSearchWords) {
        throw new ChangeListParamError(key, `search has more than ${rules.maxSearchWords} words`);
      }
      q = value.trim() === "" ? "" : value;
    } else if (key === O || key === SORT) {
      if (sortParam !== undefined) throw new ChangeListParamError(key, `give either "${O}" or "${SORT}", not both`);
      sortParam = key;
      sort = key === O ? parseO(rules.config, value) : parseSort(rules.config, value);
    } else if (key === P) {
      if (!/^[1-9][0-9]*$/.test(value) || Number(value) > MAX_PAGE) {
        throw new ChangeListParamError(key, "expected a page number (1, 2, …)");
      }
      page = Number(value);
    } else if (hierarchy !== undefined && dateParamLevel(hierarchy, key)) {
      dateRaw[dateParamLevel(hierarchy, key)!] = value;
    } else if (rules.filtersByField.get(key)?.kind === "custom") {
      // a custom filter's bare parameter (Django's `SimpleListFilter.parameter_name`)
      filters[key] = parseFilter(key, rules.filtersByField.get(key)!, "exact", value);
    } else {
      const m = FILTER_PARAM.exec(key);
      const filter = m ? rules.filtersByField.get(m[1]) : undefined;
      if (!m || !filter || filter.kind === "custom") {
        const allowed = [Q, O, SORT, P, ...rules.config.listFilter.map((f) => (f.kind === "custom" ? f.field : `${f.field}__…`)), ...(hierarchy ? [`${hierarchy}__year|month|day`] : [])].join(", ");
        throw new ChangeListParamError(key, `unknown parameter (allowed: ${allowed})`);
      }
      if (filters[filter.field]) throw new ChangeListParamError(key, `more than one filter on "${filter.field}"`);
      filters[filter.field] = parseFilter(key, filter, m[2], value);
    }
  }
  const date = hierarchy === undefined ? undefined : parseDateDrill(hierarchy, dateRaw);
  return { q, sort, filters: orderedFilters(rules.config, filters), page, ...(date ? { date } : {}) };
}

function parseO(config: ResolvedChangeList, value: string): SortKey[] {
  const out: SortKey[] = [];
  const names = new Set<string>();
  for (const part of value.split(".")) {
    const m = /^(-?)(0|[1-9][0-9]{0,3})$/.exec(part);
    const column = m ? config.listDisplay[Number(m[2])] : undefined;
    if (!m || !column) {
      throw new ChangeListParamError(O, `"${part.slice(0, 16)}" is not a column index (0…${config.listDisplay.length - 1}, "-" for descending)`);
    }
    if (!config.sortable.has(column.name)) throw new ChangeListParamError(O, `column ${m[2]} ("${column.name}") is not sortable`);
    if (names.has(column.name)) throw new ChangeListParamError(O, `column ${m[2]} given twice`);
    names.add(column.name);
    out.push({ field: column.name, desc: m[1] === "-" });
  }
  return out;
}

function parseSort(config: ResolvedChangeList, value: string): SortKey[] {
  const out: SortKey[] = [];
  const names = new Set<string>();
  for (const part of value.split(",")) {
    const d = part.startsWith("-");
    const name = d ? part.slice(1) : part;
    if (!config.sortable.has(name)) {
      throw new ChangeListParamError(SORT, `"${name.slice(0, 64)}" is not sortable (sortable: ${[...config.sortable.keys()].join(", ")})`);
    }
    if (names.has(name)) throw new ChangeListParamError(SORT, `"${name}" given twice`);
    names.add(name);
    out.push({ field: name, desc: d });
  }
  return out;
}

/**
 * Checks one filter lookup and value against a `listFilter` entry (for URL parameters and
 * hand-built selections alike).
 *
 * @returns the selection, its value in canonical URL spelling
 * @throws ChangeListParamError when the lookup or value does not fit the filter
 */
export function parseFilter(key: string, filter: ResolvedFilter, lookup: string, value: string): FilterSelection {
  if (filter.kind === "custom" && lookup !== "exact") throw new ChangeListParamError(key, `"${filter.field}" is a custom filter; use ${filter.field}=<value>`);
  if (lookup === "isnull") {
    if (!filter.nullable) throw new ChangeListParamError(key, `"${filter.field}" is never empty`);
    if (value !== "1" && value !== "0") throw new ChangeListParamError(key, `expected 1 or 0`);
    return { lookup: "isnull", value: value === "1" };
  }
  if (lookup === "range") {
    if (filter.kind !== "dateRange") throw new ChangeListParamError(key, `"${filter.field}" is not a date filter; use ${filter.field}__exact`);
    const r = DATE_RANGES.find((d) => d.value === value);
    if (!r) throw new ChangeListParamError(key, `expected one of ${DATE_RANGES.map((d) => d.value).join(", ")}`);
    return { lookup: "range", value: r.value };
  }
  // exact
  switch (filter.kind) {
    case "dateRange":
      throw new ChangeListParamError(key, `"${filter.field}" is a date filter; use ${filter.field}__range`);
    case "boolean":
    case "choices":
    case "custom":
      if (!filter.choices.some((c) => c.value === value)) {
        const shown = filter.choices.slice(0, 20).map((c) => c.value).join(", ");
        throw new ChangeListParamError(key, `expected one of ${shown}${filter.choices.length > 20 ? ", …" : ""}`);
      }
      return { lookup: "exact", value };
    case "foreignKey": {
      const rel = filter.relation!;
      if (rel.references.dataType === "number") {
        if (!/^-?[0-9]{1,20}$/.test(value) || !Number.isSafeInteger(Number(value))) {
          throw new ChangeListParamError(key, "expected an integer id");
        }
        // canonical spelling ("007" → "7"), so equal states have equal URLs
        return { lookup: "exact", value: String(Number(value)) };
      }
      if (value === "" || value.length > 256) throw new ChangeListParamError(key, "expected a key of 1…256 characters");
      return { lookup: "exact", value };
    }
  }
}

function orderedFilters(config: ResolvedChangeList, filters: Record<string, FilterSelection>): Record<string, FilterSelection> {
  const out: Record<string, FilterSelection> = {};
  for (const f of config.listFilter) if (filters[f.field]) out[f.field] = filters[f.field];
  return out;
}

/**
 * Writes a state back as URL parameters, the inverse of `parseState`
 * (`parseState(toSearchParams(s))` equals `s` for any state `parseState` returned). Order:
 * `q`, filters in `listFilter` order, the `dateHierarchy` period, `sort` (named form), `p` (only when > 1). Defaults are
 * omitted, so the empty state is the empty query string.
 *
 * @param rules - the admin's allow-lists
 * @param state - a state from `parseState` or the state helpers
 * @returns new `URLSearchParams` (use `.toString()` for a query string)
 */
export function toSearchParams(rules: StateRules, state: ChangeListState): URLSearchParams {
  const sp = new URLSearchParams();
  if (state.q !== "") sp.set(Q, state.q);
  for (const f of rules.config.listFilter) {
    const sel = state.filters[f.field];
    if (!sel) continue;
    if (f.kind === "custom") sp.set(f.field, String(sel.value));
    else if (sel.lookup === "isnull") sp.set(`${f.field}__isnull`, sel.value ? "1" : "0");
    else sp.set(`${f.field}__${sel.lookup}`, sel.value);
  }
  if (rules.config.dateHierarchy) writeDateDrill(rules.config.dateHierarchy.field, state.date, sp);
  if (state.sort.length > 0) sp.set(SORT, state.sort.map((s) => (s.desc ? "-" : "") + s.field).join(","));
  if (state.page > 1) sp.set(P, String(state.page));
  return sp;
}

/**
 * The state after a click on a column header (Django's header links): an unsorted column
 * becomes the primary key ascending, keeping the others after it; the primary column flips
 * direction. Page reset to 1.
 *
 * @param rules - the admin's allow-lists
 * @param state - the current state
 * @param field - a sortable name
 * @returns the new state
 * @throws ChangeListParamError when `field` is not sortable
 */
export function toggleSort(rules: StateRules, state: ChangeListState, field: string): ChangeListState {
  if (!rules.config.sortable.has(field)) throw new ChangeListParamError(SORT, `"${field}" is not sortable`);
  const current = state.sort.length > 0 ? state.sort : defaultSortKeys(rules.config);
  const first = current[0];
  const rest = current.filter((s) => s.field !== field);
  const head: SortKey = first?.field === field ? { field, desc: !first.desc } : { field, desc: false };
  return { ...state, sort: [head, ...rest], page: 1 };
}

/**
 * The state with one filter set or removed, page reset to 1.
 *
 * @param rules - the admin's allow-lists
 * @param state - the current state
 * @param field - a `listFilter` field
 * @param selection - the filter to apply, or `null` to remove it
 * @returns the new state
 * @throws ChangeListParamError when `field` is not a filter or the selection does not fit it
 */
export function withFilter(rules: StateRules, state: ChangeListState, field: string, selection: FilterSelection | null): ChangeListState {
  const filter = rules.filtersByField.get(field);
  if (!filter) throw new ChangeListParamError(`${field}__exact`, "unknown filter");
  const filters: Record<string, FilterSelection> = { ...state.filters };
  if (selection === null) delete filters[field];
  else {
    const raw = selection.lookup === "isnull" ? (selection.value ? "1" : "0") : selection.value;
    filters[field] = parseFilter(filter.kind === "custom" ? field : `${field}__${selection.lookup}`, filter, selection.lookup, raw);
  }
  return { ...state, filters: orderedFilters(rules.config, filters), page: 1 };
}

/** The sort the page uses when `state.sort` is empty, as sort keys where possible. */
export function defaultSortKeys(config: ResolvedChangeList): SortKey[] {
  const out: SortKey[] = [];
  for (const o of config.ordering) {
    const name = [...config.sortable.values()].find((s) => s.field.path === o.field.path)?.name;
    if (name === undefined) break;
    out.push({ field: name, desc: o.desc });
  }
  return out;
}
