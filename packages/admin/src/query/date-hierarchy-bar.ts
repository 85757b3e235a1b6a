/**
 * The `dateHierarchy` bar of a change-list state (Django's `date_hierarchy` template tag): the
 * way back up (all dates, the year, the month), the period shown, and the periods under it that
 * have rows, each with its count (none under a search that matched more than `countLimit` rows)
 * and the query string of its link. Statements: the years need one `min`/`max` statement (over
 * the list without its search), then one for every year's count (none when the list without its
 * search is empty), or the two in one when the years are those the list's last bar found
 * (`LastYears`); a year's months and a month's days one statement; a day none. On PostgreSQL
 * (a `timestamp with time zone` column) a search that matched at most `countLimit` rows takes one
 * statement on the top level: its matches grouped by their year in the zone, beside the list's `max`.
 */
import { sql, type SQL } from "drizzle-orm";
import type { AnyDb, Builder, Runnable } from "./db.js";
import type { Dialect } from "./dialect/index.js";
import { relatedPerRow, selectionFilter, type KeysMatch } from "./conditions.js";
import type { ChangeListPage } from "./page.js";
import { bucketStatement, childBuckets, drillLabel, minMaxStatement, parentDrill, readInstant, readYearCounts, yearBuckets, yearCountsStatement, type DateBucket, type DateDrill } from "./date-hierarchy.js";
import { toSearchParams, type ChangeListState, type StateRules } from "./state.js";

/** One link of the bar. */
export interface DateHierarchyLink {
  /** "2024", "May 2024", "May 3" */
  readonly label: string;
  /** The query string (without `?`) of the list in that period, page 1, the rest of the state kept. */
  readonly query: string;
}

/** The bar of one state. */
export interface DateHierarchyView {
  /** The `dateHierarchy` field, e.g. `"createdAt"`. */
  readonly field: string;
  /** The way back up, outermost first: "All dates", then the year, then the month (empty on the top level). */
  readonly back: readonly DateHierarchyLink[];
  /** The period shown ("May 3, 2024"), or null on the top level. */
  readonly current: string | null;
  /**
   * The periods under it that have rows, in calendar order, with their row counts; `capped`: more
   * than `count` rows (the ModelAdmin's `countLimit`) are in the period and counting stopped there.
   * `count` is null when the periods were not counted: the list's search matched more than
   * `countLimit` rows (a {@link DateHierarchyHints.dense} search), so each period was only tested
   * for one match, as Django's `date_hierarchy` shows its periods without counts.
   */
  readonly choices: readonly (DateHierarchyLink & { readonly count: number | null; readonly capped: boolean })[];
}

/** What the page already knows when the bar is built. */
export interface DateHierarchyHints {
  /**
   * The page's search matched more than `countLimit` rows (`ChangeListPage.capped` with a `q`, or
   * a deep page counted exactly past it; `ChangeListQuery.dateHierarchy` also tells it from `page`):
   * the list already says "more than 10,000", so the periods are shown without counts (`count`
   * null) and each is only tested for its first match along the column's index, the search tested
   * row by row, a related word by one key lookup per row read (`limit 1` per period), instead of
   * counting up to `countLimit` in each (q=a on 400,000 orders, 3 years: the bar's statement
   * ~26 → 0.2 ms on SQLite, ~55–115 → 0.1 ms on PostgreSQL, EXPLAIN ANALYZE at load ~9), at
   * every level on both engines. A period without a match is walked to its end. Also set, by
   * `ChangeListQuery.dateHierarchy`, for the whole table when the list shows its total as the
   * engine's estimate ("about 400,000"): its periods are then tested for a row, not counted.
   */
  readonly dense?: boolean;
  /**
   * The page `ChangeListQuery.fetchPage` returned for the same search: its count found the keys
   * of the related rows the search matches (the customers whose name or e-mail contains the
   * word), and the bar's statement takes them as one parameter instead of searching the related
   * table again (ignored when the page was fetched for another `q`; PostgreSQL only). There the related
   * search is then `= any($keys)`, which a bitmap of the foreign key's index serves (q=smith's pass
   * was a hashed subquery over a scan of every order: 245 ms → 16 ms at load ~7). Not used by a
   * {@link DateHierarchyHints.dense} search's tests.
   */
  readonly page?: ChangeListPage;
}

/**
 * The years a change list's top-level bars found last (by the list's state without its search,
 * period and page), which the next bar tests beside its `min`/`max` in one statement: when the
 * ends give the same years, their tests or counts are already there, one round trip on every
 * page's critical path less (the bar runs beside the rows); else the statement for the years found
 * follows, as without a guess. A list not seen yet guesses the years any list found last. At most
 * {@link LastYears.size} states are kept (the oldest dropped).
 */
export class LastYears {
  /** States kept. */
  static readonly size = 200;
  private readonly byState = new Map<string, readonly DateBucket[]>();
  private latest: readonly DateBucket[] | undefined;

  /** The years last found for `key`, else the last any list found. */
  guess(key: string): readonly DateBucket[] | undefined {
    return this.byState.get(key) ?? this.latest;
  }

  /** Remembers the years found for `key`. */
  found(key: string, years: readonly DateBucket[]): void {
    this.byState.delete(key);
    this.byState.set(key, years);
    if (this.byState.size > LastYears.size) this.byState.delete(this.byState.keys().next().value!);
    this.latest = years;
  }
}

/**
 * Builds the bar for a state.
 *
 * @param db - the database the statements run on
 * @param dialect - its dialect
 * @param rules - the admin's allow-lists (with `config.dateHierarchy` set)
 * @param now - the clock of date-range filters
 * @param run - runs one statement (counted by the change list)
 * @param state - a validated state
 * @param hints - what the page's count told (see {@link DateHierarchyHints})
 * @param related - the related search fields as the keys the page's count found, when the page was
 *   fetched for this search (see {@link DateHierarchyHints.page}); PostgreSQL's one pass only
 * @param lastYears - the years earlier bars of this list found (see {@link LastYears}); updated
 * @returns the bar, or null when the admin has no `dateHierarchy`
 */
export async function dateHierarchyBar(db: AnyDb, dialect: Dialect, rules: StateRules, now: () => Date, run: (q: Runnable<Record<string, unknown>[]>) => Promise<Record<string, unknown>[]>, state: ChangeListState, hints: DateHierarchyHints = {}, related?: KeysMatch, lastYears?: LastYears): Promise<DateHierarchyView | null> {
  const h = rules.config.dateHierarchy;
  if (!h) return null;
  const table = rules.config.table;
  const all = (query: SQL) => run({ execute: () => dialect.all(db, query), toSQL: () => (db as Builder).dialect.sqlToQuery(query) });
  const exec = async (query: SQL) => (await all(query))[0] ?? {};
  const limit = rules.config.countLimit;
  // a capped search's periods are tested for their first match along the column's index, the
  // search tested row by row, a related word by one key lookup per row read (`relatedPerRow`):
  // the page's keys would be hashed, or the related table searched, once a period (q=a: 48,118
  // customer ids, 30–50 ms a year on PostgreSQL; ~8 ms a year for SQLite's LIKE over the customers).
  // A sparse search's one pass takes the page's keys on PostgreSQL; SQLite searches the related
  // table again (reading 48,118 keys from one JSON parameter measured slower there: 40 → 55 ms)
  const keys = dialect.name === "postgres" ? related : undefined;
  const dense = hints.dense === true && limit !== undefined;
  // the years of the list without its search: the ends of the column's index, where min/max over
  // a search reads every match twice (q=a on 400,000 orders: 11 s at load ~30); a superset, since
  // periods without a match are dropped below
  // built only where used: a dense search never needs it (its key list would be written out for nothing)
  const where = () => selectionFilter(db, dialect, rules, now, state, keys?.());
  const unsearched = state.q === "" ? where() : selectionFilter(db, dialect, rules, now, { ...state, q: "" });
  const link = (date: DateDrill | undefined, label: string): DateHierarchyLink => ({ label, query: toSearchParams(rules, withDate(state, date)).toString() });

  let buckets: DateBucket[] = [];
  let counts: number[] | undefined;
  // a search is matched in one pass over the period; anything else is counted per bucket along
  // the column's index, each bucket bounded by its own range only (the period's range beside it
  // would make SQLite walk the whole period once per bucket)
  // each bounded by `countLimit` (as the list's own count), except a sparse search's one pass
  // and a dense search's tests (one match a period: `limit 1`)
  const { date: _period, ...outside } = state;
  const statementFor = (periods: readonly DateBucket[]) =>
    dense ? bucketStatement(h, table, selectionFilter(db, dialect, rules, now, outside, relatedPerRow(db, table), true), periods, rules.timeZone, "ranges", 0)
    : state.q === "" ? bucketStatement(h, table, selectionFilter(db, dialect, rules, now, outside), periods, rules.timeZone, dialect.name === "sqlite" ? "skip" : "ranges", limit)
    : bucketStatement(h, table, where(), periods, rules.timeZone, "pass");
  const countsOf = (row: Record<string, unknown>) => buckets.map((_, i) => Number(row[`b${i}`] ?? 0) || 0);
  // PostgreSQL, a sparse search on the top level: its years grouped in the zone with their counts
  // and the unsearched list's last year, one statement instead of min/max then a pass
  const searched = !state.date && state.q !== "" && !dense && dialect.name === "postgres" ? where() : undefined;
  const yearly = searched && yearCountsStatement(h, table, searched, unsearched, rules.timeZone);
  if (yearly) ({ buckets, counts } = readYearCounts(await all(yearly), h.column, rules.timeZone));
  else if (!state.date) {
    // the years last found, tested beside the ends (see LastYears): kept when the ends give the same
    const key = toSearchParams(rules, { ...outside, q: "", page: 1 }).toString();
    const guess = lastYears?.guess(key);
    const ends = minMaxStatement(h, table, unsearched);
    const row = await exec(guess && guess.length > 0 ? sql`select * from (${ends}) as "weft_mm" cross join (${statementFor(guess)}) as "weft_bk"` : ends);
    const lo = readInstant(h.column, row.lo);
    const hi = readInstant(h.column, row.hi);
    buckets = lo && hi ? yearBuckets(lo, hi, h.column, rules.timeZone) : [];
    lastYears?.found(key, buckets);
    if (guess && guess.length > 0 && sameYears(guess, buckets)) counts = countsOf(row);
  } else buckets = childBuckets(state.date);
  if (counts === undefined && buckets.length > 0) counts = countsOf(await exec(statementFor(buckets)));
  counts ??= [];
  // a dense search's periods were tested for one match each, not counted
  const choices = buckets.flatMap((b, i) => (counts[i]! > 0 ? [{ ...link(b.drill, b.label), count: dense ? null : limit !== undefined ? Math.min(counts[i]!, limit) : counts[i]!, capped: !dense && limit !== undefined && counts[i]! > limit }] : []));

  const back: DateHierarchyLink[] = [];
  if (state.date) {
    back.push(link(undefined, "All dates"));
    const trail: DateDrill[] = [];
    for (let p = parentDrill(state.date); p; p = parentDrill(p)) trail.unshift(p);
    for (const p of trail) back.push(link(p, drillLabel(p)));
  }
  return { field: h.field, back, current: state.date ? drillLabel(state.date) : null, choices };
}

/** Whether two lists of year buckets name the same years, in the same order. */
function sameYears(a: readonly DateBucket[], b: readonly DateBucket[]): boolean {
  return a.length === b.length && a.every((y, i) => y.label === b[i]!.label);
}

function withDate(state: ChangeListState, date: DateDrill | undefined): ChangeListState {
  const { date: _drop, scope: _scope, ...rest } = state;
  return { ...rest, ...(date ? { date } : {}), page: 1 };
}
