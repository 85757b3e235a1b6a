/**
 * The count statement of a change-list state and the WHERE clause its rows statement takes
 * (`ChangeListQuery.fetchPage` and `countMatching`): a plain `count(*)` (bounded by the plan),
 * or, with related search fields, one statement that matches each related table once in a
 * materialized CTE and sends its keys back for the rows statement.
 */
import type { SQL } from "drizzle-orm";
import type { Dialect } from "./dialect/index.js";
import { cappedMatch, keysMatch, relatedPerRow, selectionFilter, type KeysMatch } from "./conditions.js";
import { restOfKeys, searchBranches, sortedBranches } from "./search-branches.js";
import type { AnyDb, Builder, Runnable } from "./db.js";
import type { ResolvedChangeList } from "./resolved.js";
import { keysCte, readRelatedCount, relatedCountStatement, type RelatedSub } from "./related-count.js";
import { countSql, type RowSource } from "./rows.js";
import { splitSearchTerms } from "./search.js";
import { trigramUsable } from "./search-index.js";
import type { ChangeListState, StateRules } from "./state.js";

/** A state's WHERE clause and count (see {@link matching}). */
export interface Matching {
  readonly where: SQL | undefined;
  readonly total: number;
  readonly estimated?: boolean;
  readonly bounded?: boolean;
  /** The bound the count stopped at (`atMost`, or `far` for a search the sample found sparse): a `total` past it means "more than `bound`"; absent for an exact count. */
  readonly bound?: number;
  /** The related search fields as the keys the count found; absent without a related search field, and when the count was capped (its keys were not sent back). */
  readonly related?: KeysMatch;
  /** The matches as disjoint conditions for a rows statement that walks the sort's index (`pageQuery`'s `branches`); absent when `where` is the one form. */
  readonly branches?: readonly SQL[];
  /** The same for a rows statement that sorts the matches (`sortedBranches`); absent when `where` is the one form. */
  readonly sorted?: readonly SQL[];
}

/** What {@link matching} reads from its `ChangeListQuery`: the database, the rules and the statements it runs through. */
export interface MatchingContext {
  readonly db: AnyDb;
  readonly dialect: Dialect;
  readonly rules: StateRules;
  readonly now: () => Date;
  readonly config: ResolvedChangeList;
  readonly rows: RowSource;
  /** runs (and counts) one statement */
  exec<Row>(q: Runnable<Row[]>): Promise<Row[]>;
  /** the rows matching `where`, counted (stopping past `atMost` when given) */
  count(where: SQL | undefined, atMost?: number): Promise<number>;
  /** the table's rows, estimated past `estimateTotalAbove` */
  estimatedTotal(): Promise<{ total: number; estimated: boolean }>;
}

/**
 * The page's WHERE clause and its count, with each related search field matched once per
 * page: the count statement finds the matching related keys in a CTE (materialized, since it
 * is used twice) and returns them as a JSON array, which the rows statement takes as a
 * parameter (`dialect.inList`: SQLite `IN (SELECT value FROM json_each(?))`, PostgreSQL `= ANY(?)`). Without it both statements scan the
 * related table (50,000 customers by name and e-mail: ~6 ms each). Still 2 statements. The
 * count's plan follows the number of keys, or on SQLite a sample of the rows
 * (`dialect.countByKeys`), after a lower bound for a one-word search (`dialect.keysCount`; see
 * `relatedCountStatement`). A count that stopped at
 * `atMost` returns the keys of few related rows only (`dialect.cappedKeys`): its rows probe
 * those and look each row's other related rows up by key (`cappedMatch`).
 */
export async function matching(c: MatchingContext, state: ChangeListState, atMost?: number, exact = false, far?: { atMost: number; unlessSample: number }): Promise<Matching> {
  const subs: RelatedSub[] = [];
  const countWhere = selectionFilter(c.db, c.dialect, c.rules, c.now, state, (rel, cond) => {
    const i = subs.push({ rel, cond }) - 1;
    return c.dialect.inCte(rel.column, keysCte(i));
  });
  if (subs.length === 0) {
    if (countWhere === undefined && c.config.estimateTotalAbove !== undefined && !exact) return { where: undefined, ...(await c.estimatedTotal()) };
    // no sample here: a search counts to the plan's bound
    const bound = countWhere && atMost !== undefined ? Math.max(atMost, state.q !== "" ? (far?.atMost ?? 0) : 0) : undefined;
    const total = await c.count(countWhere, bound);
    // capped: the matches are dense, the rows statement tests them row by row along the sort's index
    const where = bound !== undefined && total > bound ? selectionFilter(c.db, c.dialect, c.rules, c.now, state, undefined, true) : countWhere;
    return { where, total, bounded: bound !== undefined, ...(bound !== undefined ? { bound } : {}) };
  }
  const many = (bound: number | undefined) => {
    let i = 0;
    return countSql(c.rows, selectionFilter(c.db, c.dialect, c.rules, c.now, state, (rel) => c.dialect.inCte(rel.column, keysCte(i++), true)), bound);
  };
  // one word over unique keys: each CTE's rows are a part of the matches, a lower bound of the count
  const bounded = atMost !== undefined && splitSearchTerms(state.q).length === 1 && subs.every((s) => s.rel.references.primary || s.rel.references.isUnique);
  const outside = bounded ? selectionFilter(c.db, c.dialect, c.rules, c.now, { ...state, q: "" }) : null;
  const perRow = () => selectionFilter(c.db, c.dialect, c.rules, c.now, state, relatedPerRow(c.db, c.config.table), true);
  const walk = atMost === undefined ? undefined : { atMost, count: (rows: number, stopAt?: number) => countSql(c.rows, perRow(), stopAt, rows) };
  const rest = outside !== null && subs.length === 1 ? restOfKeys(c.dialect, c.config, state.q, outside) : undefined;
  const keysIndexed = splitSearchTerms(state.q).every(trigramUsable) && c.config.searchFields.every((f) => f.field.relation === undefined || f.index !== undefined);
  const query = relatedCountStatement({ src: c.rows, subs, where: countWhere, many, atMost, outside, walk, keysIndexed, ...(far !== undefined ? { far } : {}), ...(rest && { rest }) });
  // `outside` is known wherever `keyedRows` is (both need one word over unique keys): the branches reuse it
  // a raw statement has no toSQL(): drizzle's dialect renders it for onStatement
  const row = (await c.exec<Record<string, unknown>>({ execute: () => c.dialect.all(c.db, query), toSQL: () => (c.db as Builder).dialect.sqlToQuery(query) }))[0] ?? {};
  const { total, bound, keys, keyedRows } = readRelatedCount(c.rows, row, subs.length);
  // capped: the rows walk the sort's index, probing the keys sent back (few: q=smith's 242), else
  // looking each row's related row up by key (q=a: ~52 lookups)
  const probed = () => cappedMatch(c.db, c.dialect, c.config.table, keys);
  if (atMost !== undefined && total > bound) {
    // branches when the keys alone are past the bound (dense: a walk finds their page soon), not
    // when the own fields make the matches dense (the keys' branch would walk far for its page)
    const branches = keyedRows !== undefined && keyedRows > atMost && keys.every((k) => k !== undefined) ? searchBranches(c.dialect, c.config, state.q, outside ?? undefined, probed) : undefined;
    return { where: selectionFilter(c.db, c.dialect, c.rules, c.now, state, probed(), true), total, bounded: true, bound, ...(branches && { branches }) };
  }
  const related = keysMatch(c.dialect, keys.map((k) => k ?? []));
  const where = selectionFilter(c.db, c.dialect, c.rules, c.now, state, related());
  // the same: the keys' rows at least half the matches (the walk the plan chose is no more than twice as long for them)
  const branches = keyedRows !== undefined && keyedRows * 2 >= total ? searchBranches(c.dialect, c.config, state.q, outside ?? undefined, probed) : undefined;
  // a sorted page: the keys' branch from an index on the foreign key, the own fields' apart
  const sorted = keyedRows !== undefined ? sortedBranches(c.dialect, c.config, state.q, outside ?? undefined, related) : undefined;
  return { where, total, bounded: atMost !== undefined, ...(atMost !== undefined ? { bound } : {}), related, ...(branches && { branches }), ...(sorted && { sorted }) };
}
