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
 * statement that walks the sort's index (a sorted one takes {@link sortedBranches}).
 *
 * @param dialect - the list's dialect
 * @param config - the resolved change list (its `searchFields`)
 * @param q - the search
 * @param outside - the state's condition without its search (undefined: none)
 * @param related - the related search fields' keys, probed row by row (`cappedMatch`)
 * @returns the branches, or undefined when the dialect does not merge them or `q` is not one word
 */
export function searchBranches(dialect: Dialect, config: ResolvedChangeList, q: string, outside: SQL | undefined, related: () => RelatedMatch): SQL[] | undefined {
  // `is true`: the keys stay a hashed filter of the walk (a bare `in (select unnest(…))` is made a
  // semi join, each row compared with every key: q=smith at 4M 0.8 → 274 ms)
  return branchesOf(dialect, config, q, outside, related, (keys) => sql`(${keys}) is true`);
}

/**
 * {@link searchBranches} for a rows statement that sorts the matches (`sortsMatches` in plan.ts):
 * each related table's branch is its keys as they are (`= any($keys)`), which an index on the
 * foreign key answers, and one that also holds the sort column and the primary key answers alone
 * (the demo's `orders (customer_id, created_at, id)`: q=ann&p=100 at 400,000 orders, its 15,968
 * matches sorted from the index without a row read, ~21 → ~13 ms); the branch of the own search
 * fields (an order number's trigram index) is sorted apart, and the two merged. Where the `OR`
 * of both needed every matching row read from the table.
 *
 * @param dialect - the list's dialect
 * @param config - the resolved change list (its `searchFields`)
 * @param q - the search
 * @param outside - the state's condition without its search (undefined: none)
 * @param related - the related search fields' keys the count sent back (`keysMatch`)
 * @returns the branches, or undefined when the dialect does not merge them or `q` is not one word
 */
export function sortedBranches(dialect: Dialect, config: ResolvedChangeList, q: string, outside: SQL | undefined, related: () => RelatedMatch): SQL[] | undefined {
  return branchesOf(dialect, config, q, outside, related, (keys) => keys);
}

function branchesOf(dialect: Dialect, config: ResolvedChangeList, q: string, outside: SQL | undefined, related: () => RelatedMatch, taking: (keys: SQL) => SQL): SQL[] | undefined {
  if (!dialect.branchesSearch) return undefined;
  const alternatives = searchAlternatives(dialect, config, q, related());
  if (!alternatives) return undefined;
  const taken = alternatives.related.map(taking);
  if (alternatives.own) taken.push(alternatives.own);
  return taken.map((alt, i) => and(outside, alt, ...alternatives.related.slice(0, i).map((earlier) => sql`(${earlier}) is not true`))!);
}
