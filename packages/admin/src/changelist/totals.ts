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

const cache = new WeakMap<ChangeListQuery<any, any>, { at: number; n: number }>();

/**
 * The number of rows of the admin's table (one `count(*)`, or none when cached).
 * @param now - the clock (tests)
 */
export async function fullCount(db: AdminDatabase, query: ChangeListQuery<any, any>, now = Date.now()): Promise<number> {
  const hit = cache.get(query);
  if (hit && now - hit.at < FULL_COUNT_TTL_MS) return hit.n;
  const n = Number((await qb(db).select({ n: count() }).from(query.config.table))[0]?.n ?? 0);
  cache.set(query, { at: now, n });
  return n;
}

/** Drops the cached count (after rows were added or deleted through the admin). */
export function forgetFullCount(query: ChangeListQuery<any, any>): void {
  cache.delete(query);
}
