/**
 * Which plan a searched page's rows statement asks for: walk the sort column's index, testing
 * each row it meets until the page is found, or fetch every match and sort them
 * (`Dialect.unindexed`). A pure rule over figures the change list already has: the count of
 * the matches and the table's row count (the engine's estimate), no statement of its own.
 */

/** Reading a row through an index in sort order costs about this many sequential reads (measured ~7). */
export const RANDOM_READ_COST = 8;

/**
 * Fetching and sorting one match costs about this many rows walked along the sort column's
 * index (each tested against the search). Measured on PostgreSQL at 400,000 orders, the
 * first page (50 rows) walked vs sorted: q=smith (1,945 matches) 5.9 vs 3.3 ms, q=ada (2,290)
 * 5.4 vs 4.1, q=ray (2,904) 4.4 vs 4.6, q=lee (5,512) 7.4 vs 19.8; q=lee's page 5 10.8 vs 12.2,
 * page 10 19.8 vs 12.9: the crossovers sit between 2.5 and 4 (SQLite: the two plans within
 * 0.05 ms of each other on these pages).
 */
export const SORT_COST = 3;

/** What the rule weighs (see {@link sortsMatches}). */
export interface PagePlanInput {
  /** the search's matches, as counted (exact: a capped count never sorts) */
  readonly total: number;
  /** rows the page statement skips before the page, from the nearer end */
  readonly skipped: number;
  /** the page's size */
  readonly perPage: number;
  /** the table's rows (estimate), undefined while the change list has not seen it */
  readonly tableRows: number | undefined;
}

/**
 * Whether a searched page sorts its matches rather than walking the sort column's index.
 *
 * Walking finds the page after reading about `(skipped + perPage) × tableRows / total` rows
 * (the matches being spread over the table); sorting reads the `total` matches, each costing
 * {@link SORT_COST} walked rows. The cheaper wins: a sparse search (q=smith, 1,945 of 400,000)
 * sorts from its first page, a dense one walks. Without the table's size (a change list that
 * has not counted its table yet) the page's end is weighed against the matches alone, each
 * walked match costing {@link RANDOM_READ_COST}.
 *
 * @returns true: sort the matches (`Dialect.unindexed`); false: walk the index
 */
export function sortsMatches({ total, skipped, perPage, tableRows }: PagePlanInput): boolean {
  const end = skipped + perPage;
  if (tableRows === undefined || tableRows < total) return end * RANDOM_READ_COST > total;
  return (end * tableRows) / total > total * SORT_COST;
}
