/**
 * A one-word search with related search fields, split into parts that do not overlap: what the
 * related keys match and what the own search fields match besides. The count adds the parts
 * (`relatedCountStatement`'s `rest`) and PostgreSQL's rows statement merges them
 * (`pageQuery`'s `branches`), where the search's `OR` read every match again.
 */
import { and, sql, type SQL } from "drizzle-orm";
import { searchAlternatives, type RelatedMatch } from "./conditions.js";
import type { Dialect } from "./dialect/index.js";
import { keysCte } from "./related-count.js";
import type { ResolvedChangeList } from "./resolved.js";

/**
 * The matches of a one-word search over one related table that its keys (`keysCte(0)`) do not
 * give: the own search fields', with `outside` (the state's filters), the keys excluded (`is not
 * true`: a NULL key is no match); `1 = 0` without own search fields (see `RelatedCountParts.rest`).
 *
 * @param dialect - the list's dialect
 * @param config - the resolved change list (its `searchFields`)
 * @param q - the search
 * @param outside - the state's condition without its search (undefined: none)
 * @returns the condition, or undefined when `q` is not one word over a related search field
 */
export function restOfKeys(dialect: Dialect, config: ResolvedChangeList, q: string, outside: SQL | undefined): SQL | undefined {
  const alternatives = searchAlternatives(dialect, config, q, (rel) => dialect.inCte(rel.column, keysCte(0), true));
  const keyed = alternatives?.related[0];
  if (!keyed) return undefined;
  return alternatives.own ? and(outside, alternatives.own, sql`(${keyed}) is not true`) : sql`1 = 0`;
}

/**
 * A one-word search with related search fields as disjoint branches, where the dialect merges
 * them (`Dialect.branchesSearch`): per related table the rows its keys match, then the rows the
 * own search fields match that no earlier branch took (`is not true`: a NULL key is no match),
 * each with the state's filters. Their union is the search's matches, each row once. For a rows
 * statement that walks the sort's index (a sorted one keeps `where`: the planner scanned the
 * table for a branch of 15,968 matches, ~65 ms, where the `OR`'s bitmap read them in 21).
 *
 * @param dialect - the list's dialect
 * @param config - the resolved change list (its `searchFields`)
 * @param q - the search
 * @param outside - the state's condition without its search (undefined: none)
 * @param related - the related search fields' keys, probed row by row (`cappedMatch`)
 * @returns the branches, or undefined when the dialect does not merge them or `q` is not one word
 */
export function searchBranches(dialect: Dialect, config: ResolvedChangeList, q: string, outside: SQL | undefined, related: () => RelatedMatch): SQL[] | undefined {
  if (!dialect.branchesSearch) return undefined;
  const alternatives = searchAlternatives(dialect, config, q, related());
  if (!alternatives) return undefined;
  // `is true`: the keys stay a hashed filter of the walk (a bare `in (select unnest(…))` is made a
  // semi join, each row compared with every key: q=smith at 4M 0.8 → 274 ms)
  const taken = alternatives.related.map((keys) => sql`(${keys}) is true`);
  if (alternatives.own) taken.push(alternatives.own);
  return taken.map((alt, i) => and(outside, alt, ...alternatives.related.slice(0, i).map((earlier) => sql`(${earlier}) is not true`))!);
}
