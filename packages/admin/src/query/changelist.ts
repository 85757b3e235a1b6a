/**
 * The live change list of one ModelAdmin (Django's `ChangeList` + `get_queryset` +
 * `get_search_results` + `Paginator`, for drizzle on SQLite or PostgreSQL): `ChangeListQuery` ties the URL
 * state (`state.ts`), the WHERE conditions (`conditions.ts`), the count (`matching.ts`), the row statements (`rows.ts`)
 * and the filter sidebar (`choices.ts`) together, runs and counts the statements, and turns
 * a state into a page of rows, column headers and selections.
 */
import { and, type SQL } from "drizzle-orm";
import { dialectOf, type AdminDatabase, type Dialect, type AnyTable } from "./dialect/index.js";
import { FilterChoices, type FilterView } from "./choices.js";
import { dateHierarchyBar, LastYears, type DateHierarchyHints, type DateHierarchyView } from "./date-hierarchy-bar.js";
import { selectionFilter, type KeysMatch } from "./conditions.js";
import { matching, type MatchingContext } from "./matching.js";
import { columnHeaders } from "./headers.js";
import { runStatement, type AnyDb, type Builder, type Runnable } from "./db.js";
import type { ChangeListOptions, NoRelations, Relations } from "./options.js";
import { resolveChangeListOptions } from "./resolve.js";
import type { ResolvedChangeList } from "./resolved.js";
import { checkedIds, countQuery, pageQuery, rowSource, rowsQuery, toRows, type ChangeListRow, type RowSource } from "./rows.js";
import { crossover, RANDOM_READ_COST, sortsMatches, walkedFromSample } from "./plan.js";
import { TableRows } from "./table-rows.js";
import { allReads } from "./budget.js";
import {
  EMPTY_STATE,
  parseState,
  toSearchParams,
  toggleSort,
  withFilter,
  type ChangeListState,
  type FilterSelection,
  type ParseStateOptions,
  type StateRules,
} from "./state.js";
import type { ChangeListPage, ChangeListQueryOptions, ColumnHeader } from "./page.js";
import type { FairShare } from "./fair-share/index.js";

export type { ChangeListPage, ChangeListQueryOptions, ColumnHeader } from "./page.js";

/**
 * The change list of one ModelAdmin over a drizzle table (Django's `ChangeList`): parses and
 * writes its URL state, and fetches its pages, filter choices and selections.
 *
 * Statements per `fetchPage`: 2 (a `count(*)`, bounded by `countLimit` for searches and filters;
 * the rows), or 1 when nothing matches, whatever the page size and related columns (`LEFT JOIN`s
 * in the rows statement; related search fields matched once, in the count's materialized CTE,
 * whose keys the rows statement gets as one JSON parameter). Filter choices: at most one statement per foreign-key filter, cached.
 */
export class ChangeListQuery<T extends AnyTable = AnyTable, R extends Relations = NoRelations> {
  /** The resolved, checked options. */
  readonly config: ResolvedChangeList;
  /** Statements run by this object since construction (or the last `resetStatementCount`). */
  statementCount = 0;
  private readonly db: AnyDb;
  /** What differs between SQLite and PostgreSQL (`dialect/`). */
  readonly dialect: Dialect;
  private readonly now: () => Date;
  private readonly onStatement: ((sql: string, params: readonly unknown[]) => void) | undefined;
  private readonly fairShare: FairShare | undefined;
  /** The allow-lists and limits the URL state is checked against. */
  private readonly rules: StateRules;
  /** What the row statements are built from. */
  private readonly rows: RowSource;
  /** The filter sidebar and its caches. */
  private readonly choices: FilterChoices;
  private readonly displayIndex: Map<string, number>;
  /** The table's rows, estimated and remembered. */
  private readonly tableRows: TableRows;
  /** What the count's assembly (`matching.ts`) reads of this object. */
  private readonly matchingContext: MatchingContext;

  /**
   * @param db - a drizzle better-sqlite3 or node-postgres database
   * @param table - the table the admin lists
   * @param options - the ModelAdmin's change-list options (see `ChangeListOptions`)
   * @param runtime - clock, caching and statement hooks (see `ChangeListQueryOptions`)
   * @throws ChangeListOptionsError when an option does not fit the table (see `resolveChangeListOptions`)
   */
  constructor(db: AdminDatabase, table: T, options: ChangeListOptions<T, R>, runtime: ChangeListQueryOptions = {}) {
    this.db = db;
    this.dialect = dialectOf(db);
    this.config = resolveChangeListOptions(table, options);
    this.rows = rowSource(this.db, this.dialect, this.config);
    this.now = runtime.now ?? (() => new Date());
    this.onStatement = runtime.onStatement;
    this.fairShare = runtime.fairShare;
    this.rules = {
      config: this.config,
      filtersByField: new Map(this.config.listFilter.map((f) => [f.field, f])),
      maxSearchLength: runtime.maxSearchLength ?? 500,
      maxSearchWords: runtime.maxSearchWords ?? 20,
      timeZone: runtime.timeZone,
    };
    this.choices = new FilterChoices(this.db, this.rules, this.exec.bind(this), runtime.choicesTtlMs ?? 60_000);
    this.displayIndex = new Map(this.config.listDisplay.map((c, i) => [c.name, i]));
    const all = (q: SQL) => this.exec<Record<string, unknown>>({ execute: () => this.dialect.all(this.db, q), toSQL: () => (this.db as Builder).dialect.sqlToQuery(q) });
    this.tableRows = new TableRows(this.dialect, this.config, { all, count: () => this.count(undefined), now: this.now });
    this.matchingContext = { db: this.db, dialect: this.dialect, rules: this.rules, now: this.now, config: this.config, rows: this.rows, exec: this.exec.bind(this), count: this.count.bind(this), estimatedTotal: this.estimatedTotal.bind(this) };
  }

  /** Sets `statementCount` back to 0. */
  resetStatementCount(): void { this.statementCount = 0; }

  // -------------------------------------------------------------------------------------------
  // URL state

  /**
   * Parses and validates change-list URL parameters against this admin's allow-lists (see
   * `parseState` in `state.ts` for the parameters accepted).
   *
   * @param params - the query string (with or without `?`) or its `URLSearchParams`
   * @param options - parameter names to ignore
   * @returns the validated state
   * @throws ChangeListParamError for anything not allow-listed
   */
  parseState(params: URLSearchParams | string, options: ParseStateOptions = {}): ChangeListState {
    return parseState(this.rules, params, options);
  }

  /**
   * Writes a state back as URL parameters, the inverse of `parseState` (see `toSearchParams`
   * in `state.ts`).
   *
   * @param state - a state from `parseState` or the state helpers
   * @returns new `URLSearchParams` (use `.toString()` for a query string)
   */
  toSearchParams(state: ChangeListState): URLSearchParams {
    return toSearchParams(this.rules, state);
  }

  /**
   * The state after a click on a column header, page reset to 1 (see `toggleSort` in `state.ts`).
   *
   * @param state - the current state
   * @param field - a sortable name
   * @returns the new state
   * @throws ChangeListParamError when `field` is not sortable
   */
  toggleSort(state: ChangeListState, field: string): ChangeListState {
    return toggleSort(this.rules, state, field);
  }

  /**
   * The state with one filter set or removed, page reset to 1 (see `withFilter` in `state.ts`).
   *
   * @param state - the current state
   * @param field - a `listFilter` field
   * @param selection - the filter to apply, or `null` to remove it
   * @returns the new state
   * @throws ChangeListParamError when `field` is not a filter or the selection does not fit it
   */
  withFilter(state: ChangeListState, field: string, selection: FilterSelection | null): ChangeListState {
    return withFilter(this.rules, state, field, selection);
  }

  // -------------------------------------------------------------------------------------------
  // SQL

  private exec<Row>(q: Runnable<Row[]>): Promise<Row[]> {
    this.statementCount++;
    return runStatement(q, this.onStatement, this.fairShare);
  }

  /**
   * The WHERE clause of a state's search and filters, over the admin's own table only, for
   * the "select all N matching" actions (see `selectionFilter` in `conditions.ts`).
   *
   * @param state - a validated state
   * @returns the condition, or `undefined` when the state matches every row
   * @throws ChangeListParamError when a filter in a hand-built state is not allow-listed
   */
  selectionFilter(state: ChangeListState): SQL | undefined {
    return selectionFilter(this.db, this.dialect, this.rules, this.now, state);
  }

  /**
   * The table's rows, as the engine estimates them when that is at least `estimateTotalAbove`
   * (one statement; see `TableRows.estimate`), else exactly.
   * @returns the total and whether it is an estimate
   */
  estimatedTotal(): Promise<{ total: number; estimated: boolean }> {
    return this.tableRows.estimate();
  }

  /**
   * Remembers the table's row count (exact or estimated: `fullCount`'s), which a searched page
   * weighs to choose its plan (see `sortsMatches` in `plan.ts`) without a statement of its own.
   * @param rows - the table's rows
   */
  noteTableRows(rows: number): void {
    this.tableRows.note(rows);
  }

  private async count(where: SQL | undefined, atMost?: number): Promise<number> {
    return Number((await this.exec<{ n: number }>(countQuery(this.rows, where, atMost)))[0]?.n ?? 0);
  }

  /**
   * How many rows match a state's search, filters and scope, counted exactly (never bounded by
   * `countLimit`, never estimated): what "select all N matching" tells before an action runs.
   * One statement; on a broad search over a large table it can take a while (and past the
   * site's query budget it fails with the budget's error, which the change list shows as
   * "This search took too long").
   *
   * @param state - a validated state
   * @returns the number of matching rows
   */
  async countMatching(state: ChangeListState): Promise<number> {
    return (await matching(this.matchingContext, state, undefined, true)).total;
  }

  /**
   * Fetches one page: the rows of the requested page (clamped to the last page when past the
   * end, so a page number from an old link still lands somewhere useful; `page` says which
   * page was returned) and the paginator figures. Rows carry the `listDisplay` values (related
   * ones through `LEFT JOIN`s) and the primary key; order is the state's sort (or the admin's
   * `ordering`) with the primary key as final tiebreak, so pages never overlap or skip rows
   * (while the rows do not change between two fetches: this is OFFSET paging, as Django's).
   *
   * Statements: exactly 2 — a `count(*)` over the admin's table alone, then the page's rows
   * (one "deferred join" statement) — or 1 when nothing matches, or for an unfiltered list whose
   * total is the engine's estimate read less than `ESTIMATE_TTL_MS` ago (table-rows.ts). A searched or filtered count is
   * bounded by `countLimit` (at least to the end of the asked page): past it the page is `capped`
   * (Django's `show_full_result_count = False` idea), so a broad search costs the rows it shows,
   * not the rows it matches.
   *
   * With a search, the count tells how selective it is: when walking the sort column's index to
   * the page would read more than fetching and sorting the matches (`sortsMatches` in `plan.ts`:
   * the page's end, the matches, the table's rows as last seen and `Dialect.sortCost`), the rows
   * statement sorts the matches (a sparse search from its first page, a deeper page of a denser
   * one); a capped count means the matches are dense: walk it. So a deep page's count goes on to
   * the plan's crossover (`crossover` in `plan.ts`: q=ann&p=100 at 4,000,000 orders, SQLite
   * 200,000), unless a related search's sample of the table's first rows says dense
   * (`relatedCountStatement`'s `far`): q=a&p=100 counts to 10,001, "more than 10,000", and walks.
   *
   * @param state - a validated state
   * @returns the page
   * @throws ChangeListParamError when a hand-built state names something not allow-listed
   */
  async fetchPage(state: ChangeListState): Promise<ChangeListPage> {
    return (await this.planPage(state)).rows();
  }

  /**
   * {@link ChangeListQuery.fetchPage} and the `dateHierarchy` bar of the same state (see
   * {@link ChangeListQuery.dateHierarchy} with the page as its hint), the bar's statement beside
   * the page's rows statement once the count both need is known, instead of after it (a searched
   * page: one round trip and the bar's time less, the rows and the bar on two connections or
   * readers). Statements: those of both.
   *
   * @param state - a validated state
   * @returns the page, and the bar (null when the admin has no `dateHierarchy`)
   * @throws ChangeListParamError when a hand-built state names something not allow-listed
   */
  async fetchPageAndBar(state: ChangeListState): Promise<{ page: ChangeListPage; bar: DateHierarchyView | null }> {
    const plan = await this.planPage(state);
    const [page, bar] = await allReads([plan.rows(), this.bar(state, { dense: this.pastLimit(plan) }, plan.related)]);
    return { page, bar };
  }

  /** The count of a state's page and what its rows statement needs: {@link ChangeListQuery.fetchPage} up to its rows. */
  private async planPage(state: ChangeListState): Promise<{ total: number; capped: boolean; related: KeysMatch | undefined; rows: () => Promise<ChangeListPage> }> {
    const perPage = this.config.listPerPage;
    const asked = Math.max(1, Math.floor(state.page) || 1);
    const { sortCost } = this.dialect;
    // count to the end of the asked page at least; a deep searched page (its end × RANDOM_READ_COST past that:
    // not a first page) on to the plan's crossover, unless the sample says dense
    const end = asked * perPage;
    const ceiling = this.config.countLimit === undefined ? undefined : Math.max(this.config.countLimit, end);
    const far = state.q !== "" && ceiling !== undefined && end * RANDOM_READ_COST > ceiling ? crossover(end, this.tableRows.known, sortCost) : undefined;
    const deep = far !== undefined && far > ceiling! ? { atMost: far, unlessSample: walkedFromSample(far, this.tableRows.known) } : undefined;
    const { where, total: counted, estimated = false, bounded = false, bound, related, branches, sorted } = await matching(this.matchingContext, state, ceiling, false, deep);
    const capped = bounded && bound !== undefined && counted > bound;
    const total = capped ? bound : counted;
    const pages = Math.max(1, Math.ceil((capped ? total + 1 : total) / perPage));
    const page = Math.min(pages, asked);
    const offset = (page - 1) * perPage;
    // rows the page statement skips: counted from whichever end is nearer (see pageQuery in rows.ts); capped: from the start
    const skipped = capped ? offset : Math.min(offset, Math.max(0, total - offset - perPage));
    if (where === undefined && !capped) this.tableRows.note(total);
    const avoidIndex = !capped && state.q !== "" && sortsMatches({ total, skipped, perPage, tableRows: this.tableRows.known, sortCost });
    const rows = async (): Promise<ChangeListPage> => {
      const raw: Record<string, unknown>[] = total === 0 ? [] : await this.exec(pageQuery(this.rows, where, state, capped ? Number.POSITIVE_INFINITY : total, offset, avoidIndex, avoidIndex ? sorted : branches));
      const result: ChangeListPage = { rows: toRows(this.config, raw), total, estimated, capped, page, pages, perPage };
      if (related) this.matchedKeys.set(result, { q: state.q, related });
      return result;
    };
    return { total, capped, related, rows };
  }

  /** The years this list's top-level bars found (see `LastYears`). */
  private readonly lastYears = new LastYears();

  /** The related search's matched keys of each page `fetchPage` returned, for the `dateHierarchy` bar of the same search. */
  private readonly matchedKeys = new WeakMap<ChangeListPage, { q: string; related: KeysMatch }>();

  /**
   * Fetches the rows with the given primary keys, in the admin's default order, in one
   * statement whatever the number of ids (they travel as one JSON parameter). Unknown ids are
   * simply absent. For action confirmation pages and "selected rows" actions.
   *
   * @param ids - primary-key values (numbers or numeric strings for an integer key)
   * @param within - only the rows that also match this state's search, filters and scope
   *   (the live change list re-reads its page and new rows this way; still one statement)
   * @returns the rows, shaped as `fetchPage` rows
   * @throws ChangeListParamError when an id does not have the primary key's shape
   */
  async fetchByIds(ids: readonly unknown[], within?: ChangeListState): Promise<ChangeListRow[]> {
    const clean = checkedIds(this.config, ids);
    if (clean.length === 0) return [];
    const inIds = this.dialect.inList(this.config.pk.column, clean);
    const where = (within && and(this.selectionFilter(within), inIds)) || inIds;
    return toRows(this.config, await this.exec(rowsQuery(this.rows, where, EMPTY_STATE)));
  }

  // -------------------------------------------------------------------------------------------
  // Filter sidebar

  /**
   * The filter sidebar for a state: per `listFilter` entry, "All", its choices and, for
   * nullable columns, the empty/non-empty choices (see `FilterChoices.forState` in
   * `choices.ts`: at most one statement per foreign-key filter per call, none once cached).
   *
   * @param state - a validated state
   * @returns one `FilterView` per `listFilter` entry, in order
   */
  filterChoices(state: ChangeListState): Promise<FilterView[]> {
    return this.choices.forState(state);
  }

  /**
   * The `dateHierarchy` bar for a state (see `dateHierarchyBar`): 2 statements on the top level
   * (`min`/`max` of the list without its search, then every year's count; 1 when that list is empty, for a PostgreSQL search counted exactly: see `yearCountsStatement`, or when the years are those this list's last bar found: see `LastYears`), 1 under a year or a month, 0 under a day.
   * Each period's count stops at `countLimit` (`capped`), as the list's own, except a search
   * that matched fewer rows than that (counted exactly, in one pass over its matches) and one
   * that matched more (`hints.dense`, or a `hints.page` whose total is past `countLimit`: its periods are not counted, `count` null),
   * and the whole table when its total is shown as the engine's estimate (nor are its years). Given the
   * page `fetchPage` returned for the same search (`hints.page`), the bar reuses the related
   * search fields' keys that page's count found, instead of searching the related table again.
   * @param state - a validated state
   * @param hints - `dense`: the page of this state came back `capped`; `page`: that page (see `DateHierarchyHints`)
   * @returns the bar, or null when the admin has no `dateHierarchy`
   */
  dateHierarchy(state: ChangeListState, hints: DateHierarchyHints = {}): Promise<DateHierarchyView | null> {
    const matched = hints.page && this.matchedKeys.get(hints.page);
    const related = matched && matched.q === state.q ? matched.related : undefined;
    return this.bar(state, { ...hints, dense: hints.dense === true || (hints.page !== undefined && this.pastLimit(hints.page)) }, related);
  }

  /** Whether a page's search matched more than `countLimit` rows: capped, or a deep page counted exactly past it (its count goes farther). */
  private pastLimit(page: { readonly total: number; readonly capped: boolean }): boolean {
    const limit = this.config.countLimit;
    return page.capped || (limit !== undefined && page.total > limit);
  }

  private bar(state: ChangeListState, hints: DateHierarchyHints, related: KeysMatch | undefined): Promise<DateHierarchyView | null> {
    return dateHierarchyBar(this.db, this.dialect, this.rules, this.now, this.exec.bind(this), state, { ...hints, dense: hints.dense === true || this.shownAsEstimate(state) }, related, this.lastYears);
  }

  /**
   * Whether the list of `state` shows its total as the engine's estimate ("about 400,000"): the
   * whole table, last estimated by the engine (past `estimateTotalAbove`). Its bar's periods are then not counted
   * either (as Django's `date_hierarchy`, which never counts): each year's count to `countLimit`
   * was PostgreSQL's costliest statement of the plain list (~7 ms over 400,000 orders).
   */
  private shownAsEstimate(state: ChangeListState): boolean {
    return this.tableRows.estimated && state.q === "" && state.date === undefined && Object.keys(state.filters).length === 0;
  }

  /** Drops cached foreign-key choices (after related rows were added, renamed or deleted). */
  invalidateChoices(): void {
    this.choices.invalidate();
  }

  /**
   * The `listDisplay` headers for a state: label, whether sortable, the current sort position
   * and direction, and the query string of a click (see `toggleSort`).
   *
   * @param state - a validated state
   * @returns one header per `listDisplay` column, in order
   */
  headers(state: ChangeListState): ColumnHeader[] {
    return columnHeaders(this.rules, state);
  }

  /** The 0-based `listDisplay` index of a column name (for Django-style `o=` links), if any. */
  displayIndexOf(name: string): number | undefined {
    return this.displayIndex.get(name);
  }
}
