/**
 * The row count of a change list's table: estimated by the engine when large (the unfiltered
 * list's "about 400,000 orders"), and remembered, so that a searched page can weigh it when it
 * chooses its plan (`sortsMatches` in `plan.ts`) without a statement of its own.
 */
import type { SQL } from "drizzle-orm";
import type { Dialect } from "./dialect/index.js";
import type { ResolvedChangeList } from "./resolved.js";

/** How a `TableRows` runs its statements (the change list's, so they are counted and budgeted). */
export interface TableRowsRunner {
  /** runs one statement and returns its rows */
  readonly all: (query: SQL) => Promise<Record<string, unknown>[]>;
  /** counts the table's rows exactly (one statement) */
  readonly count: () => Promise<number>;
  /** the clock */
  readonly now: () => Date;
}

/**
 * How long the engine's estimate of a table's rows is reused, in ms (see `TableRows.estimate`): it
 * changes only when the table is analyzed (`sqlite_stat1`, PostgreSQL's `pg_class.reltuples`), not
 * with each write, so re-reading it on every unfiltered page was a statement for a figure that
 * had not moved. An exact count (a table under `estimateTotalAbove`) is never reused.
 */
export const ESTIMATE_TTL_MS = 10_000;

/** The table's rows of one change list: the engine's estimate (see `estimate`) and the last figure seen. */
export class TableRows {
  /** The table's rows as last counted or estimated; undefined until then. */
  known: number | undefined;
  /** Whether the last {@link TableRows.estimate} was the engine's estimate (the list says "about N"). */
  estimated = false;
  private noStatsUntil = 0;
  /** The last engine's estimate and when it was read (ms), reused for {@link ESTIMATE_TTL_MS}. */
  private last: { total: number; at: number } | undefined;

  constructor(
    private readonly dialect: Dialect,
    private readonly config: ResolvedChangeList,
    private readonly run: TableRowsRunner,
  ) {}

  /**
   * The table's rows, as the engine estimates them when that is at least `estimateTotalAbove`
   * (one statement; see `Dialect.estimateRows`), else exactly. On SQLite without
   * `sqlite_stat1` (no `ANALYZE` yet) it counts, and tries the statistics again after a minute.
   * Remembered in `known`. An estimate is reused for {@link ESTIMATE_TTL_MS} by the runner's clock
   * (no statement); an exact count is not.
   *
   * @returns the total and whether it is an estimate
   */
  async estimate(): Promise<{ total: number; estimated: boolean }> {
    const now = this.run.now().getTime();
    if (this.last && now - this.last.at < ESTIMATE_TTL_MS) return { total: this.note(this.last.total), estimated: true };
    const got = await this.read();
    this.estimated = got.estimated;
    this.last = got.estimated ? { total: got.total, at: now } : undefined;
    return got;
  }

  private async read(): Promise<{ total: number; estimated: boolean }> {
    const above = this.config.estimateTotalAbove;
    if (above === undefined || this.run.now().getTime() < this.noStatsUntil) return { total: this.note(await this.run.count()), estimated: false };
    try {
      const row = (await this.run.all(this.dialect.estimateRows(this.config.table, above)))[0] ?? {};
      return { total: this.note(Number(row.n ?? 0)), estimated: Boolean(Number(row.estimated)) || row.estimated === true };
    } catch (err) {
      if (!/no such table: sqlite_stat1/.test(String((err as Error).message))) throw err;
      this.noStatsUntil = this.run.now().getTime() + 60_000;
      return { total: this.note(await this.run.count()), estimated: false };
    }
  }

  /**
   * Remembers the table's row count.
   * @param rows - the table's rows (exact or estimated)
   * @returns `rows`
   */
  note(rows: number): number {
    this.known = rows;
    return rows;
  }
}
