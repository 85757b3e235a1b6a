/**
 * Which plan a searched page's rows statement asks for: walk the sort column's index, testing
 * each row it meets until the page is found, or fetch every match and sort them
 * (`Dialect.unindexed`); and how far its count must go to choose. Pure rules over figures the
 * change list already has: the count of the matches, the table's row count (the engine's
 * estimate) and the dialect's sort cost, no statement of their own.
 */

/** Reading a row through an index in sort order costs about this many sequential reads (measured ~7). */
export const RANDOM_READ_COST = 8;

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
  /** one match fetched and sorted, in rows walked along the sort column's index (`Dialect.sortCost`) */
  readonly sortCost: number;
}

/**
 * Whether a searched page sorts its matches rather than walking the sort column's index.
 *
 * Walking finds the page after reading about `(skipped + perPage) × tableRows / total` rows
 * (the matches being spread over the table); sorting reads the `total` matches, each costing
 * `sortCost` walked rows. The cheaper wins: a sparse search (q=smith, 1,945 of 400,000)
 * sorts from its first page, a dense one walks. Without the table's size (a change list that
 * has not counted its table yet) the page's end is weighed against the matches alone, each
 * walked match costing {@link RANDOM_READ_COST}.
 *
 * @returns true: sort the matches (`Dialect.unindexed`); false: walk the index
 */
export function sortsMatches({ total, skipped, perPage, tableRows, sortCost }: PagePlanInput): boolean {
  const end = skipped + perPage;
  if (tableRows === undefined || tableRows < total) return end * RANDOM_READ_COST > total;
  return (end * tableRows) / total > total * sortCost;
}

/**
 * How far a searched page's count must go for {@link sortsMatches} to be sure that walking wins
 * when the count stops there: past `√(end × tableRows ÷ sortCost)` matches, walking reads fewer
 * than `end × tableRows ÷ that` rows, and sorting costs more than `that × sortCost` (q=ann&p=100,
 * the page's end 5,000 of 4,000,000 orders: SQLite 200,000, PostgreSQL 82,000). Rounded up to
 * two significant digits, since a capped list shows it ("more than 64,000 orders", not 63,246).
 * Without the table's size: the page's end × {@link RANDOM_READ_COST}, as {@link sortsMatches}
 * then weighs.
 *
 * @param end - the asked page's last row (page × perPage)
 * @param tableRows - the table's rows (estimate), undefined while unknown
 * @param sortCost - the dialect's `sortCost`
 * @returns the count's bound for the plan
 */
export function crossover(end: number, tableRows: number | undefined, sortCost: number): number {
  if (tableRows === undefined) return end * RANDOM_READ_COST;
  const exact = Math.ceil(Math.sqrt((end * tableRows) / sortCost));
  const step = 10 ** Math.max(0, Math.floor(Math.log10(exact)) - 1);
  return Math.ceil(exact / step) * step;
}

/**
 * The first rows of the table (in the engine's own order) tested one by one against a search:
 * when at least 1 in {@link DENSE_SHARE} of them match, the search is taken as dense (q=a: 195 of
 * 200; q=ann: 5). ~0.1 ms on SQLite (each row's related row looked up by key).
 */
export const SAMPLE_ROWS = 200;
/** See {@link SAMPLE_ROWS}. */
export const DENSE_SHARE = 3;

/**
 * How many of the {@link SAMPLE_ROWS} rows must match for a deep page to skip counting on to its
 * `far` bound ({@link crossover}) and walk: walking beats sorting when the matches' density is
 * past `far ÷ tableRows`, so a sample at 1.5 × that says "walk" (q=ann&p=100 at 4,000,000 orders
 * on PostgreSQL: far 82,000, 7 of 200; it has 8: no count to 82,000 that would stop there anyway).
 * At most 1 in {@link DENSE_SHARE}, the dense search's own sample.
 *
 * @param far - the page's crossover
 * @param tableRows - the table's rows (estimate), undefined while unknown
 * @returns the sample's matches from which the count stops at the page's own bound
 */
export function walkedFromSample(far: number, tableRows: number | undefined): number {
  const dense = Math.ceil(SAMPLE_ROWS / DENSE_SHARE);
  return tableRows === undefined ? dense : Math.min(dense, Math.ceil((1.5 * SAMPLE_ROWS * far) / tableRows));
}
