/**
 * The change list's reads of one state (changelist/view.ts renders them): the page, the filter
 * sidebar, the `dateHierarchy` bar and the unfiltered total.
 */
import type { SessionUser } from "../auth/index.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { allReads, type ChangeListPage, type ChangeListState, type DateHierarchyView, type FilterView } from "../query/index.js";
import { fullCount } from "./totals.js";

/** What the change list shows of one state. */
export interface ListRead {
  page: ChangeListPage;
  filters: FilterView[];
  dateBar: DateHierarchyView | null;
  /** the rows without search and filters (the "N total" link): exact, or the engine's estimate */
  fullTotal: { n: number; estimated: boolean };
}

/**
 * Fetches the page (2 statements), the filter choices (cached by the query layer), the
 * `dateHierarchy` bar (0–2 statements, see `ChangeListQuery.dateHierarchy`) and, for a
 * filtered list, the unfiltered total (cached briefly). Without a search the bar and the total
 * run beside the page's statements (PostgreSQL: on other connections of the pool; SQLite: on
 * other readers of the read pool); a searched bar waits for the page's count, which it reuses,
 * then runs beside the page's rows statement.
 * Call it under `readsOf(user.id, …)`: the statements are the user's, each one charged to the
 * site's fair share (which may delay it while others are active) and run under the query budget.
 * @throws QueryTimeoutError (`WEFT_ADMIN_ERR_QUERY_TIMEOUT`) when a statement outlived the budget
 */
export async function readList(site: AdminSiteLike, user: SessionUser, admin: ModelAdmin<any, any>, state: ChangeListState): Promise<ListRead> {
  const query = site.query(admin);
  const filtered = state.q !== "" || Object.keys(state.filters).length > 0 || state.date !== undefined;
  // without a search nothing below needs the page (a searched bar takes the page's count and
  // keys, a searched page's plan the full count): the statements run side by side, each on its
  // own connection or reader, the request waiting for the slowest chain rather than their sum
  // (a searched bar runs beside the page's rows statement, after the count: fetchPageAndBar)
  const independent = state.q === "";
  const pageAndBar = independent ? allReads([query.fetchPage(state), query.dateHierarchy(state)]).then(([page, bar]) => ({ page, bar })) : query.fetchPageAndBar(state);
  const [{ page, bar: dateBar }, filters, earlyTotal] = await allReads([pageAndBar, query.filterChoices(state), independent && filtered ? fullCount(site.readsFor(user), query) : undefined]);
  const fullTotal = !filtered ? { n: page.total, estimated: page.estimated } : (earlyTotal ?? (await fullCount(site.readsFor(user), query)));
  return { page, filters, dateBar, fullTotal };
}
