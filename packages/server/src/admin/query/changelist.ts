/**
 * The data layer of the live change list: URL parameters ⇄ a validated `ChangeListState`,
 * and the SQL that turns a state into a page of rows — search, filters, sort, pagination —
 * in a constant, small number of statements (Django's `ChangeList` + `get_queryset` +
 * `get_search_results` + `Paginator`, for drizzle on SQLite).
 */
import { and, asc, desc, eq, getTableColumns, gte, inArray, isNotNull, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { ChangeListParamError } from "./errors.js";
import {
  resolveChangeListOptions,
  type ChangeListOptions,
  type ChangeListRecord,
  type NoRelations,
  type Relations,
  type ResolvedChangeList,
  type ResolvedField,
  type ResolvedFilter,
  type ResolvedRelation,
} from "./options.js";
import { escapeLike, splitSearchTerms } from "./search.js";

// ---------------------------------------------------------------------------------------------
// State

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
  /**
   * Row scoping from the ModelAdmin's `getQueryset(user)` (Django's `get_queryset`): ANDed into
   * every count, page and selection. Set by the server, never read from or written to the URL.
   */
  readonly scope?: SQL;
}

/** A row of the list: its primary key, the `listDisplay` values, and the record they came from. */
export interface ChangeListRow {
  /** The primary-key value (what row selection and the change-form URL use). */
  readonly pk: unknown;
  /** `listDisplay` name → value (drizzle-mapped: `Date` for timestamps, booleans, …; `null`
   *  for a related column whose row is missing). */
  readonly values: Readonly<Record<string, unknown>>;
  /** Own columns by key plus the selected related paths; what computed columns receive. */
  readonly record: ChangeListRecord;
}

/** One page of the change list, Django's `ChangeList.result_list` + paginator figures. */
export interface ChangeListPage {
  readonly rows: readonly ChangeListRow[];
  /** How many rows match the search and filters (exact; Django's `result_count`). */
  readonly total: number;
  /** The page actually returned, 1-based: the requested page, clamped to `1…pages`. */
  readonly page: number;
  /** Number of pages, at least 1 (an empty result is one empty page, as Django's paginator). */
  readonly pages: number;
  readonly perPage: number;
}

/** One choice of a filter, ready for the sidebar. */
export interface FilterChoiceView {
  readonly label: string;
  readonly selected: boolean;
  /** The query string (without `?`) of the current state with this choice applied, page reset. */
  readonly query: string;
}

/** A `listFilter` entry with its choices for the current state (Django's `FieldListFilter.choices`). */
export interface FilterView {
  readonly field: string;
  readonly title: string;
  readonly kind: ResolvedFilter["kind"];
  /** First "All", then the values, then "Unknown"/"No date"/"Has date" for nullable columns. */
  readonly choices: readonly FilterChoiceView[];
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
  /** The clock for date ranges (default `() => new Date()`); ranges use the process's local time zone. */
  now?: () => Date;
  /** How long loaded foreign-key filter choices stay cached, in ms (default 60,000; 0 = no cache). */
  choicesTtlMs?: number;
  /** Longest `q` accepted, in characters (default 500); longer is a `ChangeListParamError`. */
  maxSearchLength?: number;
  /** Most search words used (default 20); more is a `ChangeListParamError`. */
  maxSearchWords?: number;
  /** Called with the SQL and parameters of every statement this object runs (logging, counting). */
  onStatement?: (sql: string, params: readonly unknown[]) => void;
}

/** Options of `parseState`. */
export interface ParseStateOptions {
  /** Parameter names that belong to someone else (the view, tracking…) and are ignored. */
  ignore?: readonly string[];
}

/** The empty state: no search, default order, no filters, page 1. */
export const EMPTY_STATE: ChangeListState = Object.freeze({ q: "", sort: Object.freeze([]), filters: Object.freeze({}), page: 1 });

// ---------------------------------------------------------------------------------------------
// Internals

/** URL parameter names, as Django's `SEARCH_VAR`, `ORDER_VAR`, `PAGE_VAR` (+ named `sort`). */
const Q = "q";
const O = "o";
const SORT = "sort";
const P = "p";
const FILTER_PARAM = /^(.+)__(exact|isnull|range)$/;
const MAX_PAGE = 1_000_000_000;
const LABEL_CACHE_MAX = 256;
/** Reading a row through an index in sort order costs about this many sequential reads (measured ~7). */
const RANDOM_READ_COST = 8;

type AnyDb = BetterSQLite3Database<Record<string, unknown>>;
// drizzle's dynamic builder types are too deep to spell; the query shape is checked by tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Builder = any;

interface Runnable<R> {
  all(): R;
  toSQL(): { sql: string; params: unknown[] };
}

interface CachedChoices {
  at: number;
  choices: { value: string; label: string }[];
  values: Set<string>;
}

function col(field: ResolvedField): SQLiteColumn {
  return field.relation ? ((field.relation.aliased as unknown as Record<string, SQLiteColumn>)[field.key]) : field.column;
}

function labelOf(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/**
 * The change list of one ModelAdmin over a drizzle table (Django's `ChangeList`): parses and
 * writes its URL state, and fetches its pages, filter choices and selections.
 *
 * Statements per `fetchPage`: 2 (one `count(*)`, one rows statement), or 1 when nothing
 * matches. Independent of page size and of related columns: related values come from
 * `LEFT JOIN`s in the rows statement; related search fields are `IN (SELECT …)` subqueries,
 * so the count never joins. Filter choices cost at most one statement per foreign-key filter,
 * and are cached.
 */
export class ChangeListQuery<T extends SQLiteTable = SQLiteTable, R extends Relations = NoRelations> {
  /** The resolved, checked options. */
  readonly config: ResolvedChangeList;
  /** Statements run by this object since construction (or the last `resetStatementCount`). */
  statementCount = 0;
  private readonly db: AnyDb;
  private readonly now: () => Date;
  private readonly choicesTtlMs: number;
  private readonly maxSearchLength: number;
  private readonly maxSearchWords: number;
  private readonly onStatement: ((sql: string, params: readonly unknown[]) => void) | undefined;
  private readonly filtersByField: Map<string, ResolvedFilter>;
  private readonly displayIndex: Map<string, number>;
  private readonly fkChoices = new Map<string, CachedChoices>();
  private readonly fkLabels = new Map<string, string>();
  /** relations joined with INNER JOIN (see `RelationOptions.required`) */
  private readonly inner = new Set<ResolvedRelation>();

  /**
   * @param db - a drizzle better-sqlite3 database
   * @param table - the table the admin lists
   * @param options - the ModelAdmin's change-list options (see `ChangeListOptions`)
   * @param runtime - clock, caching and statement hooks (see `ChangeListQueryOptions`)
   * @throws ChangeListOptionsError when an option does not fit the table (see `resolveChangeListOptions`)
   */
  constructor(db: BetterSQLite3Database<any>, table: T, options: ChangeListOptions<T, R>, runtime: ChangeListQueryOptions = {}) {
    this.db = db as AnyDb;
    this.config = resolveChangeListOptions(table, options);
    const client = (db as unknown as { $client?: { pragma?(source: string, o: { simple: true }): unknown } }).$client;
    const enforced = client?.pragma?.("foreign_keys", { simple: true }) === 1;
    for (const rel of this.config.relations.values()) {
      if (rel.required ?? (rel.declaredForeignKey && enforced)) this.inner.add(rel);
    }
    this.now = runtime.now ?? (() => new Date());
    this.choicesTtlMs = runtime.choicesTtlMs ?? 60_000;
    this.maxSearchLength = runtime.maxSearchLength ?? 500;
    this.maxSearchWords = runtime.maxSearchWords ?? 20;
    this.onStatement = runtime.onStatement;
    this.filtersByField = new Map(this.config.listFilter.map((f) => [f.field, f]));
    this.displayIndex = new Map(this.config.listDisplay.map((c, i) => [c.name, i]));
  }

  /** Sets `statementCount` back to 0. */
  resetStatementCount(): void {
    this.statementCount = 0;
  }

  // -------------------------------------------------------------------------------------------
  // URL state

  /**
   * Parses and validates change-list URL parameters, refusing anything the admin does not
   * allow-list (Django's `ChangeList.get_filters` / `get_ordering` raising
   * `IncorrectLookupParameters`). Accepted:
   * - `q` — search text (refused when the admin has no `searchFields`, or when too long);
   * - `o` — Django's sort spec: dot-separated 0-based `listDisplay` indexes, `-` = descending,
   *   e.g. `o=2.-1`; or `sort` — comma-separated sort names, e.g. `sort=-createdAt,customer.name`
   *   (not both);
   * - `<field>__exact`, `<field>__isnull`, `<field>__range` for each `listFilter` field;
   * - `p` — the page, a positive integer.
   *
   * @param params - the query string (with or without `?`) or its `URLSearchParams`
   * @param options - parameter names to ignore
   * @returns the validated state
   * @throws ChangeListParamError for an unknown parameter, a repeated parameter, an unknown or
   *   non-sortable sort field, a repeated sort field, an unknown filter field or lookup, a
   *   filter value that is not one of the choices / not the column's key shape / not a named
   *   range, a page that is not a positive integer, a too long search
   */
  parseState(params: URLSearchParams | string, options: ParseStateOptions = {}): ChangeListState {
    const sp = typeof params === "string" ? new URLSearchParams(params) : params;
    const ignore = new Set(options.ignore ?? []);
    const seen = new Set<string>();
    let q = "";
    let sort: SortKey[] = [];
    let sortParam: string | undefined;
    const filters: Record<string, FilterSelection> = {};
    let page = 1;
    for (const [key, value] of sp) {
      if (ignore.has(key)) continue;
      if (seen.has(key)) throw new ChangeListParamError(key, "given more than once");
      seen.add(key);
      if (key === Q) {
        if (value.length > this.maxSearchLength) {
          throw new ChangeListParamError(key, `search is longer than ${this.maxSearchLength} characters`);
        }
        if (value.trim() !== "" && this.config.searchFields.length === 0) {
          throw new ChangeListParamError(key, "this list has no search");
        }
        if (splitSearchTerms(value).length > this.maxSearchWords) {
          throw new ChangeListParamError(key, `search has more than ${this.maxSearchWords} words`);
        }
        q = value.trim() === "" ? "" : value;
      } else if (key === O || key === SORT) {
        if (sortParam !== undefined) throw new ChangeListParamError(key, `give either "${O}" or "${SORT}", not both`);
        sortParam = key;
        sort = key === O ? this.parseO(value) : this.parseSort(value);
      } else if (key === P) {
        if (!/^[1-9][0-9]*$/.test(value) || Number(value) > MAX_PAGE) {
          throw new ChangeListParamError(key, "expected a page number (1, 2, …)");
        }
        page = Number(value);
      } else {
        const m = FILTER_PARAM.exec(key);
        const filter = m ? this.filtersByField.get(m[1]) : undefined;
        if (!m || !filter) {
          const allowed = [Q, O, SORT, P, ...this.config.listFilter.map((f) => `${f.field}__…`)].join(", ");
          throw new ChangeListParamError(key, `unknown parameter (allowed: ${allowed})`);
        }
        if (filters[filter.field]) throw new ChangeListParamError(key, `more than one filter on "${filter.field}"`);
        filters[filter.field] = this.parseFilter(key, filter, m[2], value);
      }
    }
    return { q, sort, filters: this.orderedFilters(filters), page };
  }

  private parseO(value: string): SortKey[] {
    const out: SortKey[] = [];
    const names = new Set<string>();
    for (const part of value.split(".")) {
      const m = /^(-?)(0|[1-9][0-9]{0,3})$/.exec(part);
      const column = m ? this.config.listDisplay[Number(m[2])] : undefined;
      if (!m || !column) {
        throw new ChangeListParamError(O, `"${part.slice(0, 16)}" is not a column index (0…${this.config.listDisplay.length - 1}, "-" for descending)`);
      }
      if (!this.config.sortable.has(column.name)) throw new ChangeListParamError(O, `column ${m[2]} ("${column.name}") is not sortable`);
      if (names.has(column.name)) throw new ChangeListParamError(O, `column ${m[2]} given twice`);
      names.add(column.name);
      out.push({ field: column.name, desc: m[1] === "-" });
    }
    return out;
  }

  private parseSort(value: string): SortKey[] {
    const out: SortKey[] = [];
    const names = new Set<string>();
    for (const part of value.split(",")) {
      const d = part.startsWith("-");
      const name = d ? part.slice(1) : part;
      if (!this.config.sortable.has(name)) {
        throw new ChangeListParamError(SORT, `"${name.slice(0, 64)}" is not sortable (sortable: ${[...this.config.sortable.keys()].join(", ")})`);
      }
      if (names.has(name)) throw new ChangeListParamError(SORT, `"${name}" given twice`);
      names.add(name);
      out.push({ field: name, desc: d });
    }
    return out;
  }

  private parseFilter(key: string, filter: ResolvedFilter, lookup: string, value: string): FilterSelection {
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

  private orderedFilters(filters: Record<string, FilterSelection>): Record<string, FilterSelection> {
    const out: Record<string, FilterSelection> = {};
    for (const f of this.config.listFilter) if (filters[f.field]) out[f.field] = filters[f.field];
    return out;
  }

  /**
   * Writes a state back as URL parameters, the inverse of `parseState`
   * (`parseState(toSearchParams(s))` equals `s` for any state `parseState` returned). Order:
   * `q`, filters in `listFilter` order, `sort` (named form), `p` (only when > 1). Defaults are
   * omitted, so the empty state is the empty query string.
   *
   * @param state - a state from `parseState` or the state helpers
   * @returns new `URLSearchParams` (use `.toString()` for a query string)
   */
  toSearchParams(state: ChangeListState): URLSearchParams {
    const sp = new URLSearchParams();
    if (state.q !== "") sp.set(Q, state.q);
    for (const f of this.config.listFilter) {
      const sel = state.filters[f.field];
      if (!sel) continue;
      if (sel.lookup === "isnull") sp.set(`${f.field}__isnull`, sel.value ? "1" : "0");
      else sp.set(`${f.field}__${sel.lookup}`, sel.value);
    }
    if (state.sort.length > 0) sp.set(SORT, state.sort.map((s) => (s.desc ? "-" : "") + s.field).join(","));
    if (state.page > 1) sp.set(P, String(state.page));
    return sp;
  }

  /**
   * The state after a click on a column header (Django's header links): an unsorted column
   * becomes the primary key ascending, keeping the others after it; the primary column flips
   * direction. Page reset to 1.
   *
   * @param state - the current state
   * @param field - a sortable name
   * @returns the new state
   * @throws ChangeListParamError when `field` is not sortable
   */
  toggleSort(state: ChangeListState, field: string): ChangeListState {
    if (!this.config.sortable.has(field)) throw new ChangeListParamError(SORT, `"${field}" is not sortable`);
    const current = state.sort.length > 0 ? state.sort : this.defaultSortKeys();
    const first = current[0];
    const rest = current.filter((s) => s.field !== field);
    const head: SortKey = first?.field === field ? { field, desc: !first.desc } : { field, desc: false };
    return { ...state, sort: [head, ...rest], page: 1 };
  }

  /**
   * The state with one filter set or removed, page reset to 1.
   *
   * @param state - the current state
   * @param field - a `listFilter` field
   * @param selection - the filter to apply, or `null` to remove it
   * @returns the new state
   * @throws ChangeListParamError when `field` is not a filter or the selection does not fit it
   */
  withFilter(state: ChangeListState, field: string, selection: FilterSelection | null): ChangeListState {
    const filter = this.filtersByField.get(field);
    if (!filter) throw new ChangeListParamError(`${field}__exact`, "unknown filter");
    const filters: Record<string, FilterSelection> = { ...state.filters };
    if (selection === null) delete filters[field];
    else {
      const raw = selection.lookup === "isnull" ? (selection.value ? "1" : "0") : selection.value;
      filters[field] = this.parseFilter(`${field}__${selection.lookup}`, filter, selection.lookup, raw);
    }
    return { ...state, filters: this.orderedFilters(filters), page: 1 };
  }

  /** The sort the page uses when `state.sort` is empty, as sort keys where possible. */
  private defaultSortKeys(): SortKey[] {
    const out: SortKey[] = [];
    for (const o of this.config.ordering) {
      const name = [...this.config.sortable.values()].find((s) => s.field.path === o.field.path)?.name;
      if (name === undefined) break;
      out.push({ field: name, desc: o.desc });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // SQL

  private exec<Row>(q: Runnable<Row[]>): Row[] {
    this.statementCount++;
    if (this.onStatement) {
      const { sql: text, params } = q.toSQL();
      this.onStatement(text, params);
    }
    return q.all();
  }

  private searchCondition(q: string): SQL | undefined {
    if (q === "" || this.config.searchFields.length === 0) return undefined;
    const words = splitSearchTerms(q);
    const perWord: SQL[] = [];
    for (const word of words) {
      const own: SQL[] = [];
      const related = new Map<ResolvedRelation, SQL[]>();
      for (const { field, match } of this.config.searchFields) {
        const cond = wordCondition(field.column, match, word);
        if (!cond) continue;
        if (!field.relation) own.push(cond);
        else {
          const list = related.get(field.relation) ?? [];
          list.push(cond);
          related.set(field.relation, list);
        }
      }
      for (const [rel, conds] of related) {
        // an uncorrelated subquery, evaluated once per statement: no join, no per-row lookup
        const sub = (this.db as Builder).select({ k: rel.references }).from(rel.table).where(or(...conds));
        own.push(inArray(rel.column, sub));
      }
      perWord.push(own.length === 0 ? sql`0` : own.length === 1 ? own[0] : or(...own)!);
    }
    return perWord.length === 0 ? undefined : and(...perWord);
  }

  private filterCondition(field: string, sel: FilterSelection): SQL {
    const filter = this.filtersByField.get(field);
    if (!filter) throw new ChangeListParamError(`${field}__exact`, "unknown filter");
    // hand-built states get the same checks as URL parameters
    const raw = sel.lookup === "isnull" ? (sel.value ? "1" : "0") : String(sel.value);
    sel = this.parseFilter(`${field}__${sel.lookup}`, filter, sel.lookup, raw);
    const column = filter.column;
    if (sel.lookup === "isnull") return sel.value ? isNull(column) : isNotNull(column);
    if (sel.lookup === "range") {
      if (filter.kind !== "dateRange") throw new ChangeListParamError(`${field}__range`, "not a date filter");
      const [from, to] = dateRange(sel.value, this.now());
      return and(gte(column, from), lt(column, to))!;
    }
    switch (filter.kind) {
      case "boolean":
        return eq(column, column.dataType === "boolean" ? sel.value === "1" : Number(sel.value));
      case "choices":
        if (!filter.choices.some((c) => c.value === sel.value)) throw new ChangeListParamError(`${field}__exact`, "not one of the choices");
        return eq(column, column.dataType === "number" ? Number(sel.value) : sel.value);
      case "foreignKey":
        return eq(column, filter.relation!.references.dataType === "number" ? Number(sel.value) : sel.value);
      default:
        throw new ChangeListParamError(`${field}__exact`, "not an exact filter");
    }
  }

  /**
   * The WHERE clause of a state's search and filters, over the admin's own table only
   * (related search fields are `IN (SELECT …)` subqueries, no joins), so it can drive an
   * `UPDATE` / `DELETE` / `SELECT` of the "select all N matching" actions. Sort and page are
   * ignored.
   *
   * @param state - a validated state
   * @returns the condition, or `undefined` when the state matches every row
   * @throws ChangeListParamError when a filter in a hand-built state is not allow-listed
   */
  selectionFilter(state: ChangeListState): SQL | undefined {
    const conds: SQL[] = state.scope ? [state.scope] : [];
    for (const [field, sel] of Object.entries(state.filters)) conds.push(this.filterCondition(field, sel));
    const search = this.searchCondition(state.q);
    if (search) conds.push(search);
    return conds.length === 0 ? undefined : and(...conds);
  }

  private orderBy(state: ChangeListState, avoidIndex = false, reverse = false): { order: SQL[]; joins: Set<ResolvedRelation> } {
    const keys: { field: ResolvedField; desc: boolean }[] =
      state.sort.length > 0
        ? state.sort.map((s) => {
            const sortable = this.config.sortable.get(s.field);
            if (!sortable) throw new ChangeListParamError(SORT, `"${s.field}" is not sortable`);
            return { field: sortable.field, desc: s.desc };
          })
        : [...this.config.ordering];
    const joins = new Set<ResolvedRelation>();
    const order: SQL[] = [];
    let hasPk = false;
    for (const k of keys) {
      if (k.field.relation) joins.add(k.field.relation);
      else if (k.field.key === this.config.pk.key) hasPk = true;
      // `+column` is the same value, but SQLite will not walk an index to produce the order
      const expr = avoidIndex && !k.field.relation ? sql`+${col(k.field)}` : col(k.field);
      order.push(k.desc !== reverse ? desc(expr) : asc(expr));
    }
    // a stable tiebreak, in the direction of the last key so an index on that key (which
    // carries the rowid) serves the whole ORDER BY
    if (!hasPk) {
      const last = keys[keys.length - 1];
      order.push(Boolean(last?.desc) !== reverse ? desc(this.config.pk.column) : asc(this.config.pk.column));
    }
    return { order, joins };
  }

  private joined(q: Builder, joins: Set<ResolvedRelation>): Builder {
    for (const rel of this.config.relations.values()) {
      if (!joins.has(rel)) continue;
      const ref = (rel.aliased as unknown as Record<string, SQLiteColumn>)[rel.referencesKey];
      // a related row every row has (enforced NOT NULL foreign key): an inner join lets SQLite
      // walk the related table's index for a related sort instead of sorting every row
      q = this.inner.has(rel) ? q.innerJoin(rel.aliased, eq(ref, rel.column)) : q.leftJoin(rel.aliased, eq(ref, rel.column));
    }
    return q;
  }

  /**
   * The statement that returns a page: a "deferred join". The inner query finds the page's
   * primary keys (joining only the relations the sort needs, usually none, so it can walk a
   * covering index and skip `offset` entries without reading rows); the outer query reads just
   * those rows with their related columns, in order. Without it, `OFFSET 200000` reads and
   * joins 200,000 rows to throw them away.
   *
   * Pages in the second half are found from the other end: the inner query runs the exact
   * reverse order (the primary-key tiebreak makes the order total, so reversing is exact) with
   * the offset counted from the end, so the last page costs what the first does.
   */
  private pageQuery(where: SQL | undefined, state: ChangeListState, total: number, offset: number, avoidIndex: boolean): Builder {
    let limit = this.config.listPerPage;
    let skip = offset;
    const reverse = offset * 2 + limit > total;
    if (reverse) {
      limit = Math.min(limit, total - offset);
      skip = total - offset - limit;
    }
    const inner = this.orderBy(state, avoidIndex, reverse);
    const pk = this.config.pk.column;
    let ids: Builder = this.joined((this.db as Builder).select({ k: pk }).from(this.config.table).$dynamic(), inner.joins);
    if (where) ids = ids.where(where);
    ids = ids.orderBy(...inner.order).limit(limit).offset(skip);
    return this.rowsQuery(inArray(pk, ids), state);
  }

  /** Own columns + selected related columns, rows restricted by `where`, in the state's order. */
  private rowsQuery(where: SQL, state: ChangeListState): Builder {
    const { order, joins } = this.orderBy(state);
    const selection: Record<string, SQLiteColumn> = {};
    for (const [key, c] of Object.entries(this.config.columns)) selection[`o:${key}`] = c;
    for (const [path, field] of this.config.relatedSelect) {
      selection[`r:${path}`] = col(field);
      joins.add(field.relation!);
    }
    const q: Builder = this.joined((this.db as Builder).select(selection).from(this.config.table).$dynamic(), joins);
    return q.where(where).orderBy(...order);
  }

  private toRows(raw: Record<string, unknown>[]): ChangeListRow[] {
    const { columns, relatedSelect, listDisplay, pk, adminName } = this.config;
    return raw.map((r) => {
      const record: ChangeListRecord = {};
      for (const key of Object.keys(columns)) record[key] = r[`o:${key}`];
      for (const path of relatedSelect.keys()) record[path] = r[`r:${path}`] ?? null;
      const values: Record<string, unknown> = {};
      for (const c of listDisplay) {
        if (c.kind === "field") values[c.name] = c.field.relation ? record[c.field.path] : record[c.field.key];
        else {
          try {
            values[c.name] = c.computed.value(record);
          } catch (err) {
            throw new Error(`${adminName}.listDisplay "${c.name}": value() threw`, { cause: err });
          }
        }
      }
      return { pk: record[pk.key], values, record };
    });
  }

  private count(where: SQL | undefined): number {
    let q: Builder = (this.db as Builder).select({ n: sql<number>`count(*)` }).from(this.config.table).$dynamic();
    if (where) q = q.where(where);
    return Number(this.exec<{ n: number }>(q)[0]?.n ?? 0);
  }

  /**
   * Fetches one page: the rows of the requested page (clamped to the last page when past the
   * end, so a page number from an old link still lands somewhere useful; `page` says which
   * page was returned) and the paginator figures. Rows carry the `listDisplay` values (related
   * ones through `LEFT JOIN`s) and the primary key; order is the state's sort (or the admin's
   * `ordering`) with the primary key as final tiebreak, so pages never overlap or skip rows
   * (while the rows do not change between two fetches: this is OFFSET paging, as Django's).
   *
   * Statements: exactly 2 — an exact `count(*)` over the admin's table alone (SQLite answers an
   * unfiltered one from its smallest index), then the page's rows (one "deferred join"
   * statement) — or 1 when nothing matches. Page size and related columns do not change that.
   *
   * With a search, the count tells how selective it is: when the page is deep relative to the
   * number of matches (`(skipped + perPage) × 8 > total`), the rows statement sorts the matches
   * instead of walking the sort column's index, which would read most of the table in random
   * order to find a few rare matches.
   *
   * @param state - a validated state
   * @returns the page
   * @throws ChangeListParamError when a hand-built state names something not allow-listed
   */
  fetchPage(state: ChangeListState): ChangeListPage {
    const perPage = this.config.listPerPage;
    const where = this.selectionFilter(state);
    const total = this.count(where);
    const pages = Math.max(1, Math.ceil(total / perPage));
    const page = Math.min(pages, Math.max(1, Math.floor(state.page) || 1));
    const offset = (page - 1) * perPage;
    // rows the page statement skips: counted from whichever end is nearer (see pageQuery)
    const skipped = Math.min(offset, Math.max(0, total - offset - perPage));
    const avoidIndex = state.q !== "" && (skipped + perPage) * RANDOM_READ_COST > total;
    const raw: Record<string, unknown>[] = total === 0 ? [] : this.exec(this.pageQuery(where, state, total, offset, avoidIndex));
    return { rows: this.toRows(raw), total, page, pages, perPage };
  }

  /**
   * Fetches the rows with the given primary keys, in the admin's default order, in one
   * statement whatever the number of ids (they travel as one JSON parameter). Unknown ids are
   * simply absent. For action confirmation pages and "selected rows" actions.
   *
   * @param ids - primary-key values (numbers or numeric strings for an integer key)
   * @returns the rows, shaped as `fetchPage` rows
   * @throws ChangeListParamError when an id does not have the primary key's shape
   */
  fetchByIds(ids: readonly unknown[]): ChangeListRow[] {
    const numeric = this.config.pk.column.dataType === "number";
    const clean = ids.map((id) => {
      if (numeric) {
        const n = typeof id === "string" && /^-?(0|[1-9][0-9]*)$/.test(id) ? Number(id) : id;
        if (typeof n !== "number" || !Number.isSafeInteger(n)) throw new ChangeListParamError("ids", "expected integer ids");
        return n;
      }
      if (typeof id !== "string" || id.length > 256) throw new ChangeListParamError("ids", "expected string ids of at most 256 characters");
      return id;
    });
    if (clean.length === 0) return [];
    const inIds = sql`${this.config.pk.column} in (select value from json_each(${JSON.stringify(clean)}))`;
    return this.toRows(this.exec(this.rowsQuery(inIds, EMPTY_STATE)));
  }

  // -------------------------------------------------------------------------------------------
  // Filter sidebar

  /**
   * The filter sidebar for a state (Django's `FieldListFilter.choices`): per `listFilter`
   * entry, "All", its choices and, for nullable columns, the empty/non-empty choices; each with
   * whether it is selected and the query string that applies it.
   *
   * Foreign-key choices are the first `limit` related rows ordered by the display column
   * (then key), loaded with one statement and cached for `choicesTtlMs`; a selected related
   * row outside that list is added (fetched in the same statement when the list is loaded,
   * else with one statement, its label cached). So at most one statement per foreign-key
   * filter per call, and none once cached.
   *
   * @param state - a validated state
   * @returns one `FilterView` per `listFilter` entry, in order
   */
  filterChoices(state: ChangeListState): FilterView[] {
    return this.config.listFilter.map((f) => {
      const current = state.filters[f.field];
      const query = (sel: FilterSelection | null) => this.toSearchParams(this.withFilter(state, f.field, sel)).toString();
      const choices: FilterChoiceView[] = [{ label: "All", selected: !current, query: query(null) }];
      const exact = (value: string, label: string) =>
        choices.push({ label, selected: current?.lookup === "exact" && current.value === value, query: query({ lookup: "exact", value }) });
      switch (f.kind) {
        case "boolean":
        case "choices":
          for (const c of f.choices) exact(c.value, c.label);
          break;
        case "foreignKey":
          for (const c of this.foreignKeyChoices(f, current?.lookup === "exact" ? current.value : undefined)) exact(c.value, c.label);
          break;
        case "dateRange":
          for (const r of DATE_RANGES) {
            choices.push({ label: r.label, selected: current?.lookup === "range" && current.value === r.value, query: query({ lookup: "range", value: r.value }) });
          }
          break;
      }
      if (f.nullable) {
        const isnull = (value: boolean, label: string) =>
          choices.push({ label, selected: current?.lookup === "isnull" && current.value === value, query: query({ lookup: "isnull", value }) });
        if (f.kind === "dateRange") {
          isnull(true, "No date");
          isnull(false, "Has date");
        } else isnull(true, f.kind === "boolean" ? "Unknown" : "(None)");
      }
      return { field: f.field, title: f.title, kind: f.kind, choices };
    });
  }

  /** Drops cached foreign-key choices (after related rows were added, renamed or deleted). */
  invalidateChoices(): void {
    this.fkChoices.clear();
    this.fkLabels.clear();
  }

  private foreignKeyChoices(f: ResolvedFilter, selected: string | undefined): { value: string; label: string }[] {
    const rel = f.relation!;
    const relColumns = this.relColumns(rel);
    const ref = rel.references;
    const display = rel.displayKey !== undefined ? relColumns[rel.displayKey] : ref;
    const numeric = ref.dataType === "number";
    const selValue = selected === undefined ? undefined : numeric ? Number(selected) : selected;
    const labelKey = (v: string) => `${f.field}\u0000${v}`;
    let cached = this.fkChoices.get(f.field);
    const fresh = cached && this.choicesTtlMs > 0 && Date.now() - cached.at < this.choicesTtlMs;
    if (!fresh) {
      const top = (this.db as Builder).select({ k: ref }).from(rel.table).orderBy(asc(display), asc(ref)).limit(f.limit);
      const where = selValue === undefined ? inArray(ref, top) : or(inArray(ref, top), eq(ref, selValue));
      const q = (this.db as Builder).select({ k: ref, label: display }).from(rel.table).where(where).orderBy(asc(display), asc(ref));
      const rows = this.exec<{ k: unknown; label: unknown }>(q);
      let list = rows.map((r) => ({ value: String(r.k), label: labelOf(r.label) }));
      // more rows than the limit ⇒ the selected row is outside the list (see the TSDoc above)
      if (list.length > f.limit && selected !== undefined) {
        const extra = list.find((c) => c.value === selected);
        list = list.filter((c) => c.value !== selected);
        if (extra) this.rememberLabel(labelKey(selected), extra.label);
      }
      cached = { at: Date.now(), choices: list, values: new Set(list.map((c) => c.value)) };
      this.fkChoices.set(f.field, cached);
    }
    const out = [...cached!.choices];
    if (selected !== undefined && !cached!.values.has(selected)) {
      let label = this.fkLabels.get(labelKey(selected));
      if (label === undefined) {
        const q = (this.db as Builder).select({ label: display }).from(rel.table).where(eq(ref, selValue)).limit(1);
        const row = this.exec<{ label: unknown }>(q)[0];
        label = row ? labelOf(row.label) : `${selected} (missing)`;
        this.rememberLabel(labelKey(selected), label);
      }
      out.push({ value: selected, label });
    }
    return out;
  }

  private rememberLabel(key: string, label: string): void {
    if (this.fkLabels.size >= LABEL_CACHE_MAX) this.fkLabels.delete(this.fkLabels.keys().next().value!);
    this.fkLabels.set(key, label);
  }

  private relColumns(rel: ResolvedRelation): Record<string, SQLiteColumn> {
    return getTableColumns(rel.table) as Record<string, SQLiteColumn>;
  }

  /**
   * The `listDisplay` headers for a state: label, whether sortable, the current sort position
   * and direction, and the query string of a click (see `toggleSort`).
   *
   * @param state - a validated state
   * @returns one header per `listDisplay` column, in order
   */
  headers(state: ChangeListState): ColumnHeader[] {
    const effective = state.sort.length > 0 ? state.sort : this.defaultSortKeys();
    return this.config.listDisplay.map((c) => {
      const sortable = this.config.sortable.has(c.name);
      const at = effective.findIndex((s) => s.field === c.name);
      return {
        name: c.name,
        label: c.label,
        link: this.config.listDisplayLinks.includes(c.name),
        sortable,
        sorted: at < 0 ? undefined : effective[at].desc ? "desc" : "asc",
        sortPriority: at < 0 ? undefined : at + 1,
        toggleQuery: sortable ? this.toSearchParams(this.toggleSort(state, c.name)).toString() : undefined,
      };
    });
  }

  /** The 0-based `listDisplay` index of a column name (for Django-style `o=` links), if any. */
  displayIndexOf(name: string): number | undefined {
    return this.displayIndex.get(name);
  }
}

/**
 * One search field's condition for one word, or `undefined` when the word can never match it
 * (a non-number word against `=` on a number column).
 */
function wordCondition(column: SQLiteColumn, match: "contains" | "startsWith" | "exact", word: string): SQL | undefined {
  if (match === "exact" && column.dataType === "number") {
    // `=id` with a number: an indexable equality rather than a LIKE over the text form
    return /^-?\d+(\.\d+)?$/.test(word) && Number.isFinite(Number(word)) ? eq(column, Number(word)) : undefined;
  }
  const e = escapeLike(word);
  const pattern = match === "contains" ? `%${e}%` : match === "startsWith" ? `${e}%` : e;
  // bound parameter; ESCAPE makes %, _ and \ in the word literal
  return sql`${column} like ${pattern} escape '\\'`;
}

/**
 * The `[from, to)` bounds of a named range in the process's local time zone, as Django's
 * `DateFieldListFilter`: today; the past 7 days (7 days before today's midnight up to
 * tomorrow's); this month; this year.
 *
 * @param range - the range name
 * @param now - the current time
 * @returns `[from, to)` as Dates
 */
export function dateRange(range: DateRangeName, now: Date): [Date, Date] {
  const y = now.getFullYear();
  const m = now.getMonth();
  const d = now.getDate();
  switch (range) {
    case "today":
      return [new Date(y, m, d), new Date(y, m, d + 1)];
    case "past_7_days":
      return [new Date(y, m, d - 7), new Date(y, m, d + 1)];
    case "this_month":
      return [new Date(y, m, 1), new Date(y, m + 1, 1)];
    case "this_year":
      return [new Date(y, 0, 1), new Date(y + 1, 0, 1)];
  }
}
