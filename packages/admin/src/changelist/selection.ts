/**
 * Row selection of the change list. The browser only ever sends "toggle this row", "this
 * page", "all matching" or "clear": the view keeps the selection (a set of primary keys as
 * strings, or the current filter for "all N matching") and re-validates it against the
 * query whenever an action runs. The browser never receives or sends a list of ids.
 */
import { and, sql, type SQL } from "drizzle-orm";
import { qb, type AdminDatabase } from "../query/dialect/index.js";
import { readsOf, type ChangeListQuery, type ChangeListRow, type ChangeListState } from "../query/index.js";
import type { SessionUser } from "../auth/index.js";
import type { AdminSiteLike } from "../model/site-like.js";

/** Rows picked one by one (or a page at a time), or every row matching the filter. */
export type Selection = { readonly mode: "ids"; readonly ids: ReadonlySet<string> } | { readonly mode: "all" };

/** Nothing selected. */
export const NO_SELECTION: Selection = Object.freeze({ mode: "ids", ids: new Set<string>() }) as Selection;

/** At most this many rows can be picked by hand (beyond that: "select all N matching"). */
export const MAX_PICKED = 10_000;

/** Whether row `pk` (as a string) is selected. */
export function isSelected(sel: Selection, pk: string): boolean {
  return sel.mode === "all" || sel.ids.has(pk);
}

/**
 * Toggles one row of the current page. In "all matching" mode this drops back to picking:
 * the page's other rows stay selected.
 */
export function toggleRow(sel: Selection, pk: string, pagePks: readonly string[]): Selection {
  if (!pagePks.includes(pk)) return sel;
  const ids = new Set(sel.mode === "all" ? pagePks : sel.ids);
  if (ids.has(pk)) ids.delete(pk);
  else if (ids.size < MAX_PICKED) ids.add(pk);
  return { mode: "ids", ids };
}

/** Selects every row of the page, or (when they all are) unselects them. */
export function togglePage(sel: Selection, pagePks: readonly string[]): Selection {
  if (sel.mode === "all") return NO_SELECTION;
  const ids = new Set(sel.ids);
  if (pagePks.length > 0 && pagePks.every((pk) => ids.has(pk))) for (const pk of pagePks) ids.delete(pk);
  else for (const pk of pagePks) if (ids.size < MAX_PICKED) ids.add(pk);
  return { mode: "ids", ids };
}

/** A selection checked against the database: what an action runs on. */
export interface ResolvedSelection {
  /** how many rows (for "all matching": the filter's exact count when it was resolved, never bounded or estimated) */
  readonly count: number;
  /** the first few rows, for the confirmation panel (one statement for picked rows) */
  readonly sample: () => Promise<readonly ChangeListRow[]>;
  /** the WHERE clause over the admin's table (`undefined`: every row) */
  readonly where: SQL | undefined;
  /** the primary keys (for "all matching", fetched on first use: one statement) */
  readonly ids: () => Promise<unknown[]>;
  /** the picked keys that are still valid, as strings (empty for "all") */
  readonly valid: ReadonlySet<string>;
}

/**
 * Re-validates a selection against the query: picked keys must have the key's shape, still
 * exist and still match the state's search and filters (`selectionFilter`), checked in one
 * statement; "all matching" becomes the state's filter, counted afresh (`fetchPage` of page 1;
 * when its count was bounded by `countLimit` or estimated, one more statement counts exactly).
 *
 * @param db - the site's database
 * @param sample - how many rows to show in a confirmation
 * @throws ChangeListParamError when the state does not validate (never for states from parseState)
 */
export async function resolveSelection(db: AdminDatabase, query: ChangeListQuery<any, any>, sel: Selection, state: ChangeListState, sample = 5): Promise<ResolvedSelection> {
  const filter = query.selectionFilter(state);
  if (sel.mode === "all") {
    const first = await query.fetchPage({ ...state, page: 1 });
    // the page's count may be bounded (countLimit) or estimated: an action is told the true number
    const count = first.capped || first.estimated ? await query.countMatching(state) : first.total;
    let ids: Promise<unknown[]> | undefined;
    return {
      count,
      sample: async () => first.rows.slice(0, sample),
      where: filter,
      valid: new Set(),
      ids: () => (ids ??= matchingKeys(db, query, filter)),
    };
  }
  const numeric = query.config.pk.column.dataType === "number";
  const clean: unknown[] = [];
  for (const id of sel.ids) {
    if (!numeric) clean.push(id);
    else if (/^-?(0|[1-9][0-9]{0,15})$/.test(id) && Number.isSafeInteger(Number(id))) clean.push(Number(id));
  }
  const keys = clean.length === 0 ? [] : await matchingKeys(db, query, and(filter, inKeys(query, clean)));
  let rows: Promise<ChangeListRow[]> | undefined;
  return {
    count: keys.length,
    sample: () => (rows ??= keys.length === 0 ? Promise.resolve([]) : query.fetchByIds(keys.slice(0, sample))),
    where: keys.length === 0 ? sql`1 = 0` : inKeys(query, keys),
    valid: new Set(keys.map(String)),
    ids: async () => keys,
  };
}

/**
 * {@link resolveSelection} for `user`, as the change list's actions and the action endpoint run it:
 * its statements read through `site.readsFor(user)` (under the budget) and are charged to the
 * user's fair share (the page and count through `readsOf`, the keys through the charged database).
 */
export function resolveSelectionOf(site: Pick<AdminSiteLike, "readsFor">, user: SessionUser, query: ChangeListQuery<any, any>, sel: Selection, state: ChangeListState): Promise<ResolvedSelection> {
  return readsOf(user.id, () => resolveSelection(site.readsFor(user), query, sel, state));
}

/** `pk IN (…)` with the keys as one parameter (as `fetchByIds` does). */
function inKeys(query: ChangeListQuery<any, any>, keys: readonly unknown[]): SQL {
  return query.dialect.inList(query.config.pk.column, keys);
}

/** Every primary key matching `where`, in key order (one statement). */
async function matchingKeys(db: AdminDatabase, query: ChangeListQuery<any, any>, where: SQL | undefined): Promise<unknown[]> {
  const { pk, table } = query.config;
  let q = qb(db).select({ k: pk.column }).from(table).$dynamic();
  if (where) q = q.where(where);
  return (await q.orderBy(pk.column)).map((r) => r.k);
}
