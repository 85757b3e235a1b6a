/**
 * Query budgets: no admin statement may run for longer than the site's budget
 * (`AdminSite({ queryTimeoutMs })`, default {@link DEFAULT_QUERY_TIMEOUT_MS}). On SQLite the
 * read pool stops the reader running it; on PostgreSQL the server cancels it
 * (`statement_timeout`, SQLSTATE 57014). Both surface as one {@link QueryTimeoutError}.
 */
import { WeftAdminError } from "../errors.js";

/** The default budget of one admin statement, in milliseconds (as the "default 2 s"). */
export const DEFAULT_QUERY_TIMEOUT_MS = 2000;

/** What the user reads, inline, when a statement outlived its budget. */
export const QUERY_TOO_SLOW = "This search took too long; narrow it down.";

/** What an object's history page or a user's timeline reads, in place of its table, when its read outlived the budget. */
export const HISTORY_TOO_SLOW = "This history took too long to load. Try again later.";

/**
 * What the delete confirmation reads when counting the related rows outlived the budget: the
 * page offers no "Yes, I'm sure" (as Django's `delete_view` shows nothing to confirm when it
 * cannot collect what the delete takes with it).
 */
export const RELATED_TOO_SLOW = "Counting the related objects took too long. Try again later.";

/** What an autocomplete's list reads, with no results, when its search outlived the budget. */
export const SEARCH_TOO_SLOW = "This search took too long; type more.";

/**
 * What the change form reads, in place of the form (a 200 page), when reading the object, its
 * inlines' rows or its foreign keys' choices outlived the budget: no form is offered, since a
 * select missing options would silently drop a value on save (as the delete confirmation offers
 * no confirm it cannot show, {@link RELATED_TOO_SLOW}).
 */
export const FORM_TOO_SLOW = "This item took too long to load. Try again later.";

/**
 * What the change form reads, in place of the form, when a save arrived (a POST without
 * JavaScript, or a live save) while its reads outlived the budget: nothing was saved, and the
 * page's "Try again" button sends what the user typed once more (changeform/form-page.ts
 * `keptForm`), so nothing they typed is lost.
 */
export const SAVE_TOO_SLOW = "This item took too long to load, so nothing was saved. What you typed is kept: press “Try again” to send it again.";

/**
 * What the change form reads, in place of the form, when a live page's form was recovered after
 * a reconnect (the values the user had typed) while its reads outlived the budget: nothing is
 * lost, and "Try again" loads the form with those values once the reads are fast (no save).
 */
export const FORM_TOO_SLOW_KEPT = "This item took too long to load. What you typed is kept: press “Try again” to load the form with it.";

/**
 * A foreign key's field error when checking that the chosen related object exists (and is the
 * user's to choose) outlived the budget: nothing is saved and the form keeps what the user typed.
 */
export const CHECK_TOO_SLOW = "This choice could not be checked in time; nothing was saved. Try again.";

/** PostgreSQL's SQLSTATE for a statement cancelled by `statement_timeout` (or a cancel request). */
export const PG_QUERY_CANCELED = "57014";

/**
 * `WEFT_ADMIN_ERR_QUERY_TIMEOUT`: a statement outlived its budget and was stopped (SQLite: its
 * reader process was killed and replaced; PostgreSQL: the server cancelled it). Nothing was
 * written. The admin's pages catch it and show {@link QUERY_TOO_SLOW} in place, keeping what
 * they showed before; the details (`budgetMs`, the SQL) are for the server log only.
 */
export class QueryTimeoutError extends WeftAdminError {
  /**
   * @param budgetMs - the budget that ran out, in milliseconds
   * @param sql - the statement (for the log; never shown to the user)
   */
  constructor(
    readonly budgetMs: number,
    readonly sql: string,
    options?: ErrorOptions,
  ) {
    super("WEFT_ADMIN_ERR_QUERY_TIMEOUT", `weft admin: a statement outlived its ${budgetMs} ms budget and was stopped: ${sql.slice(0, 300)}`, options);
  }
}

/**
 * Checks a budget given by a developer.
 * @param ms - milliseconds, an integer from 1 to 2^31-1; undefined for the default
 * @returns the budget in milliseconds
 * @throws TypeError naming `where` when it is not such an integer
 */
export function queryBudget(ms: number | undefined, where = "queryTimeoutMs"): number {
  if (ms === undefined) return DEFAULT_QUERY_TIMEOUT_MS;
  if (!Number.isInteger(ms) || ms < 1 || ms > 2 ** 31 - 1) throw new TypeError(`weft admin: ${where} must be a whole number of milliseconds from 1 to 2147483647 (got ${String(ms)})`);
  return ms;
}

/** The errors `err` wraps (`cause` chain; drizzle wraps a driver's error in `DrizzleQueryError`), itself first. */
function* causes(err: unknown): Generator<object> {
  for (let e = err, depth = 0; typeof e === "object" && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

/**
 * The budget overrun behind `err`, if that is what it is: a {@link QueryTimeoutError} itself or
 * wrapped (drizzle's `DrizzleQueryError`), or PostgreSQL's cancel (SQLSTATE 57014) turned into
 * one of `budgetMs` (the cause attached). Undefined for any other error.
 * @param budgetMs - the budget to report for a PostgreSQL cancel, in milliseconds
 */
export function queryTimeoutOf(err: unknown, budgetMs = DEFAULT_QUERY_TIMEOUT_MS): QueryTimeoutError | undefined {
  for (const e of causes(err)) {
    if (e instanceof QueryTimeoutError) return e;
    if ((e as { code?: unknown }).code === PG_QUERY_CANCELED) {
      const sql = (err as { query?: unknown }).query ?? (e as { query?: unknown }).query ?? "";
      return new QueryTimeoutError(budgetMs, String(sql), { cause: err });
    }
  }
  return undefined;
}

/** Whether `err` is a statement stopped by its budget, on either engine (see {@link queryTimeoutOf}). */
export function isQueryTimeout(err: unknown): boolean {
  return queryTimeoutOf(err) !== undefined;
}

/**
 * Awaits reads run side by side, as `Promise.all`, but only once every one has settled, and a
 * failure that is not a read past its budget ({@link isQueryTimeout}) wins over one that is:
 * `Promise.all` rejects with whichever failed first and drops the others, so a broken read (a
 * "disk I/O error") could hide behind a slow one and be shown as "took too long", never logged.
 * Waiting for the rest costs nothing extra: each is bounded by the same budget.
 *
 * @param reads - the reads' promises (a tuple keeps each value's type, as `Promise.all`)
 * @returns their values, in order
 * @throws the first failure that is not a budget's, else the first `QueryTimeoutError` (or
 *   PostgreSQL's cancel, SQLSTATE 57014) as thrown
 */
export async function allReads<T extends readonly unknown[] | []>(reads: T): Promise<{ -readonly [P in keyof T]: Awaited<T[P]> }> {
  const settled = await Promise.allSettled(reads);
  const failed = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
  if (failed.length > 0) throw failed.find((e) => !isQueryTimeout(e)) ?? failed[0];
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as { -readonly [P in keyof T]: Awaited<T[P]> };
}

/**
 * node-postgres client settings that put every statement of a pool under `budgetMs`:
 * `statement_timeout` (the server cancels with 57014) — merge them into `new pg.Pool({ … })`.
 * @example new pg.Pool({ connectionString, ...pgBudget(site.queryTimeoutMs) })
 */
export function pgBudget(budgetMs: number): { statement_timeout: number } {
  return { statement_timeout: queryBudget(budgetMs) };
}

/** Where a stopped read is logged: the site's `jobLog` (pino's `warn` shape). */
export interface BudgetLog {
  warn(obj: object, msg: string): void;
}

/**
 * Whether `err` is a read stopped by its budget ({@link queryTimeoutOf}); if so it is logged
 * with its SQL (the user reads only the page's message: {@link HISTORY_TOO_SLOW},
 * {@link RELATED_TOO_SLOW}, {@link SEARCH_TOO_SLOW}, {@link FORM_TOO_SLOW}, {@link SAVE_TOO_SLOW},
 * {@link FORM_TOO_SLOW_KEPT}, {@link CHECK_TOO_SLOW}).
 * @param site - the site's budget (ms) and log
 * @param what - what was being read, for the log line, e.g. "an object's history"
 * @param user - the user whose read it was
 */
export function stoppedRead(err: unknown, site: { queryTimeoutMs: number; jobLog: BudgetLog | undefined }, what: string, user?: number): boolean {
  const timeout = queryTimeoutOf(err, site.queryTimeoutMs);
  if (!timeout) return false;
  site.jobLog?.warn({ err: timeout, budgetMs: timeout.budgetMs, sql: timeout.sql, user }, `weft admin: ${what} outlived its budget and was stopped`);
  return true;
}
