/**
 * The WHERE conditions of a change-list state, over the admin's own table only: the search
 * (words × search fields, related fields as `IN (SELECT …)` subqueries), the filters, the
 * optional scope, and the bounds of the named date ranges.
 */
import { and, eq, gte, inArray, isNotNull, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { AnyDb, Builder } from "./db.js";
import { fitsColumn, type Dialect } from "./dialect/index.js";
import { ChangeListParamError } from "./errors.js";
import type { ResolvedChangeList, ResolvedRelation, ResolvedSearchField } from "./resolved.js";
import { trigramUsable } from "./search-index.js";
import { escapeLike, splitSearchTerms } from "./search.js";
import { parseFilter, type ChangeListState, type DateRangeName, type FilterSelection, type StateRules } from "./state.js";
import { fromWallTime, wallTime } from "./time-zone.js";
import { customCondition } from "./custom-filter.js";
import { drillCondition } from "./date-hierarchy.js";

/**
 * The WHERE clause of a state's search, filters and `dateHierarchy` period, over the admin's own table only
 * (related search fields are `IN (SELECT …)` subqueries, no joins), so it can drive an
 * `UPDATE` / `DELETE` / `SELECT` of the "select all N matching" actions. Sort and page are
 * ignored.
 *
 * @param db - the database (builds the subqueries of related search fields; runs nothing)
 * @param dialect - its dialect (case-insensitive LIKE)
 * @param rules - the admin's allow-lists
 * @param now - the clock for date ranges
 * @param state - a validated state
 * @param related - how a related search field's words become a condition on the own table
 *   (default {@link relatedSubquery}); called once per word and relation, in a fixed order
 * @param dense - the search matches many rows (a capped count): its words are tested row by
 *   row on the own columns (`dialect.unindexed`, no trigram lookup), so that SQLite walks the
 *   sort's index to the page instead of collecting every match through a search index and sorting them
 * @returns the condition, or `undefined` when the state matches every row
 * @throws ChangeListParamError when a filter in a hand-built state is not allow-listed
 */
export function selectionFilter(db: AnyDb, dialect: Dialect, rules: StateRules, now: () => Date, state: ChangeListState, related: RelatedMatch = relatedSubquery(db), dense = false): SQL | undefined {
  const conds: SQL[] = state.scope ? [state.scope] : [];
  for (const [field, sel] of Object.entries(state.filters)) conds.push(filterCondition(rules, now, field, sel));
  if (state.date) {
    if (!rules.config.dateHierarchy) throw new ChangeListParamError("date", "this list has no dateHierarchy");
    conds.push(drillCondition(rules.config.dateHierarchy, state.date, rules.timeZone));
  }
  const search = searchCondition(dialect, rules.config, state.q, related, dense);
  if (search) conds.push(search);
  return conds.length === 0 ? undefined : and(...conds);
}

/**
 * Turns "the related row matches `cond`" (a condition on `rel.table`) into a condition on the
 * admin's own table.
 */
export type RelatedMatch = ((rel: ResolvedRelation, cond: SQL) => SQL) & {
  /** the condition is tested per row of the own table ({@link relatedPerRow}): with `dense`, the related words are tested without their search index too */
  readonly perRow?: boolean;
};

/**
 * The related search fields as the keys a count found: `keys[i]` for the i-th call (once per word
 * and relation, in the order the CTEs were made), as `column IN (keys)` in one parameter
 * (`dialect.inList`).
 */
export type KeysMatch = () => RelatedMatch;

/** The {@link KeysMatch} of the keys a count found (`keys[i]`: those of its i-th CTE). */
export function keysMatch(dialect: Dialect, keys: readonly (readonly unknown[])[]): KeysMatch {
  // each key list made into SQL once: the rows statement and the `dateHierarchy` bar's
  // reuse it (48,118 customer ids are ~2 ms of the event loop to write out)
  const lists = new Map<number, SQL>();
  return () => {
    let i = 0;
    return (rel) => {
      const at = i++;
      let list = lists.get(at);
      if (!list) lists.set(at, (list = dialect.inList(rel.column, keys[at]!)));
      return list;
    };
  };
}

/**
 * A {@link RelatedMatch} tested per row: `(SELECT 1 FROM related WHERE key = own.column AND cond
 * LIMIT 1) IS NOT NULL`, one key lookup for each row the statement reads. For a statement that
 * stops after a few rows of a dense search (the `dateHierarchy` bar's `limit 1` per period): no
 * list of keys is searched or hashed first (q=a on 400,000 orders: 48,118 customer ids a period).
 * A scalar subquery, not `EXISTS`: PostgreSQL turns an `EXISTS` into a hashed subplan that scans
 * the related table for `cond` first (q=a: the 50,000 customers once a period, 30–50 ms each).
 * A relation to the own table stays {@link relatedSubquery} (inside the subquery its column would
 * name the inner row).
 *
 * @param db - the database (builds the subqueries; runs nothing)
 * @param ownTable - the admin's table
 */
export function relatedPerRow(db: AnyDb, ownTable: unknown): RelatedMatch {
  const subquery = relatedSubquery(db);
  const match: RelatedMatch = (rel, cond) => (rel.table === ownTable ? subquery(rel, cond) : sql`(select 1 from ${rel.table} where ${rel.references} = ${rel.column} and ${cond} limit 1) is not null`);
  return Object.assign(match, { perRow: true });
}

/**
 * The related search fields of a count capped at its `atMost`, for its rows statement: the keys
 * of a CTE the count sent back (`keys[i]`, see `Dialect.cappedKeys`) probed row by row
 * (`dialect.inList(…, true)`), the others (`undefined`) looked up per row ({@link relatedPerRow}).
 *
 * @param db - the database (builds the subqueries; runs nothing)
 * @param dialect - its dialect
 * @param ownTable - the admin's table
 * @param keys - per CTE, in the order of the calls, its keys or `undefined`
 */
export function cappedMatch(db: AnyDb, dialect: Dialect, ownTable: unknown, keys: readonly (readonly unknown[] | undefined)[]): RelatedMatch {
  const perRow = relatedPerRow(db, ownTable);
  let i = 0;
  const match: RelatedMatch = (rel, cond) => {
    const kept = keys[i++];
    return kept ? dialect.inList(rel.column, kept, true) : perRow(rel, cond);
  };
  return Object.assign(match, { perRow: true });
}

/** The default {@link RelatedMatch}: `column IN (SELECT key FROM related WHERE cond)`, an uncorrelated subquery evaluated once per statement. */
function relatedSubquery(db: AnyDb): RelatedMatch {
  return (rel, cond) => inArray(rel.column, (db as Builder).select({ k: rel.references }).from(rel.table).where(cond));
}

function searchCondition(dialect: Dialect, config: ResolvedChangeList, q: string, related: RelatedMatch, dense: boolean): SQL | undefined {
  if (q === "" || config.searchFields.length === 0) return undefined;
  const perWord = splitSearchTerms(q).map((word) => {
    const { own, related: rels } = wordAlternatives(dialect, config, word, related, dense);
    const alts = [...own, ...rels];
    return alts.length === 0 ? sql`1 = 0` : alts.length === 1 ? alts[0]! : or(...alts)!;
  });
  return perWord.length === 0 ? undefined : and(...perWord);
}

/**
 * The alternatives of a one-word search, each a condition on the own table (a row matches the
 * search when one of them is true): one per related table (`related` called in the order
 * {@link selectionFilter} calls it, so a {@link KeysMatch} gets its keys right), and the own
 * search fields as one (absent when none can match the word). Undefined for a search of
 * no word or of several words (those are an AND of alternatives), or a list with no search fields.
 *
 * @param dialect - the dialect (case-insensitive LIKE)
 * @param config - the resolved options
 * @param q - the state's search
 * @param related - how a related table's condition becomes one on the own table
 */
export function searchAlternatives(dialect: Dialect, config: ResolvedChangeList, q: string, related: RelatedMatch): { related: SQL[]; own: SQL | undefined } | undefined {
  const words = splitSearchTerms(q);
  if (words.length !== 1 || config.searchFields.length === 0) return undefined;
  const { own, related: rels } = wordAlternatives(dialect, config, words[0]!, related, false);
  return { related: rels, own: own.length === 0 ? undefined : own.length === 1 ? own[0]! : or(...own)! };
}

/** One word's conditions: per own search field, and per related table (its fields' conditions ORed, through `related`). */
function wordAlternatives(dialect: Dialect, config: ResolvedChangeList, word: string, related: RelatedMatch, dense: boolean): { own: SQL[]; related: SQL[] } {
  const own: SQL[] = [];
  const byRelation = new Map<ResolvedRelation, SQL[]>();
  for (const field of config.searchFields) {
    // a related word tested per row needs no search index (it would be searched for every row)
    const cond = wordCondition(dialect, field, word, dense && (!field.field.relation || related.perRow === true));
    if (!cond) continue;
    const relation = field.field.relation;
    if (!relation) own.push(cond);
    else {
      const list = byRelation.get(relation) ?? [];
      list.push(cond);
      byRelation.set(relation, list);
    }
  }
  return { own, related: [...byRelation].map(([rel, conds]) => related(rel, or(...conds)!)) };
}

function filterCondition(rules: StateRules, now: () => Date, field: string, sel: FilterSelection): SQL {
  const filter = rules.filtersByField.get(field);
  if (!filter) throw new ChangeListParamError(`${field}__exact`, "unknown filter");
  // hand-built states get the same checks as URL parameters
  const raw = sel.lookup === "isnull" ? (sel.value ? "1" : "0") : String(sel.value);
  sel = parseFilter(filter.kind === "custom" ? field : `${field}__${sel.lookup}`, filter, sel.lookup, raw);
  if (filter.kind === "custom") return customCondition(filter, { adminName: rules.config.adminName, now: now(), timeZone: rules.timeZone }, sel.value as string);
  const column = filter.column;
  if (sel.lookup === "isnull") return sel.value ? isNull(column) : isNotNull(column);
  if (sel.lookup === "range") {
    if (filter.kind !== "dateRange") throw new ChangeListParamError(`${field}__range`, "not a date filter");
    const [from, to] = dateRange(sel.value, now(), rules.timeZone);
    return and(gte(column, from), lt(column, to))!;
  }
  switch (filter.kind) {
    case "boolean":
      return eq(column, column.dataType === "boolean" ? sel.value === "1" : Number(sel.value));
    case "choices":
      if (!filter.choices.some((c) => c.value === sel.value)) throw new ChangeListParamError(`${field}__exact`, "not one of the choices");
      return eq(column, column.dataType === "number" ? Number(sel.value) : sel.value);
    case "foreignKey": {
      if (filter.relation!.references.dataType !== "number") return eq(column, sel.value);
      // an id past the column's integer type is no row (PostgreSQL would refuse the comparison)
      const id = Number(sel.value);
      return fitsColumn(column, id) ? eq(column, id) : sql`1 = 0`;
    }
    default:
      throw new ChangeListParamError(`${field}__exact`, "not an exact filter");
  }
}

/**
 * One search field's condition for one word, or `undefined` when the word can never match it
 * (a non-number word against `=` on a number column).
 */
function wordCondition(dialect: Dialect, search: ResolvedSearchField, word: string, rowByRow = false): SQL | undefined {
  const { field, match } = search;
  const column = rowByRow ? dialect.unindexed(field.column) : field.column;
  const index = rowByRow ? undefined : search.index;
  if (match === "exact" && field.column.dataType === "number") {
    // `=id` with a number: an indexable equality rather than a LIKE over the text form
    // (a number the column cannot hold matches nothing: PostgreSQL would refuse the comparison)
    return /^-?\d+(\.\d+)?$/.test(word) && fitsColumn(field.column, Number(word)) ? eq(field.column, Number(word)) : undefined;
  }
  const e = escapeLike(word);
  const pattern = match === "contains" ? `%${e}%` : match === "startsWith" ? `${e}%` : e;
  // bound parameter; ESCAPE makes %, _ and \ in the word literal
  const like = dialect.like(column, pattern);
  // an index lookup narrows the rows; the LIKE still decides, so results do not change
  const lookup = index && trigramUsable(word) ? dialect.trigramMatch(index, word) : undefined;
  return lookup ? and(lookup, like) : like;
}

/**
 * The `[from, to)` bounds of a named range, as Django's `DateFieldListFilter`: today; the past
 * 7 days (7 days before today's midnight up to tomorrow's); this month; this year.
 *
 * @param range - the range name
 * @param now - the current time
 * @param timeZone - the IANA zone whose midnights bound the range (default: the process's local zone)
 * @returns `[from, to)` as Dates
 */
export function dateRange(range: DateRangeName, now: Date, timeZone?: string): [Date, Date] {
  if (timeZone !== undefined) {
    // the same calendar arithmetic on the zone's wall clock, then back to instants
    const [y, m, d] = wallTime(now, timeZone).split(/[-T]/).map(Number) as [number, number, number];
    const at = (yy: number, mm: number, dd: number) => {
      const n = new Date(Date.UTC(yy, mm - 1, dd));
      return fromWallTime([n.getUTCFullYear(), n.getUTCMonth() + 1, n.getUTCDate()], timeZone);
    };
    switch (range) {
      case "today":
        return [at(y, m, d), at(y, m, d + 1)];
      case "past_7_days":
        return [at(y, m, d - 7), at(y, m, d + 1)];
      case "this_month":
        return [at(y, m, 1), at(y, m + 1, 1)];
      case "this_year":
        return [at(y, 1, 1), at(y + 1, 1, 1)];
    }
  }
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
