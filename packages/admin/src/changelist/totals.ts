/**
 * The unfiltered row count of a change list ("12 results (400,000 total)", as Django's
 * `full_result_count`), cached briefly per admin so that paging through a filtered list
 * costs no extra statement.
 */
import { count } from "drizzle-orm";
import { qb, type AdminDatabase } from "../query/dialect/index.js";
import type { ChangeListQuery } from "../query/index.js";

/** How long a full count is reused, in ms. */
export const FULL_COUNT_TTL_MS = 10_000;

const cache = new WeakMap<ChangeListQuery<any, any>, { at: number; n: number; estimated: boolean }>();

/**
 * The number of rows of the admin's table (one statement, or none when cached): exact, or the
 * engine's estimate when the admin sets `estimateTotalAbove` and the table reaches it (see
 * `ChangeListQuery.estimatedTotal`), so a filtered list of 4,000,000 orders does not count them
 * all every {@link FULL_COUNT_TTL_MS}. The query remembers it for its searched pages' plan
 * (`ChangeListQuery.noteTableRows`).
 * @param now - the clock (tests)
 * @returns the count and whether it is an estimate ("about 4,000,000 total")
 */
export async function fullCount(db: AdminDatabase, query: ChangeListQuery<any, any>, now = Date.now()): Promise<{ n: number; estimated: boolean }> {
  const hit = cache.get(query);
  if (hit && now - hit.at < FULL_COUNT_TTL_MS) return hit;
  let n: number;
  let estimated = false;
  if (query.config.estimateTotalAbove !== undefined) ({ total: n, estimated } = await query.estimatedTotal());
  else query.noteTableRows((n = Number((await qb(db).select({ n: count() }).from(query.config.table))[0]?.n ?? 0)));
  const entry = { at: now, n, estimated };
  cache.set(query, entry);
  return entry;
}

/** Drops the cached count (after rows were added or deleted through the admin). */
export function forgetFullCount(query: ChangeListQuery<any, any>): void {
  cache.delete(query);
}
