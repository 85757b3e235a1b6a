/**
 * The props a change list gives its LiveComponent slot widgets (built by
 * changelist/widget-props.ts): the list's state as the data layer sees it.
 */
import type { SQL } from "drizzle-orm";
import type { AdminDatabase } from "./dialect/index.js";
import type { FilterSelection } from "./state.js";

/** What a change list's LiveComponent slot widget receives (besides its `id`) on every change. */
export interface ListWidgetProps {
  /** the component's id within the list's view (`w0`, `w1`, … by declared order) */
  id: string;
  /** the model's app label and name, e.g. `shop`, `order` */
  app: string;
  model: string;
  /** the search as typed (`""`: none) */
  q: string;
  /** the active filters by field, as in the URL (`status__exact=paid` → `{ status: { lookup: "exact", value: "paid" } }`) */
  filters: Readonly<Record<string, FilterSelection>>;
  /** how many rows match the search and filters (within the user's `getQueryset`); a searched or filtered list's count is bounded by the ModelAdmin's `countLimit` (more may match: count `where` yourself when you need the exact number) */
  count: number;
  /**
   * The WHERE clause of the matching rows over the model's own table (search, filters and the
   * user's `getQueryset`), undefined when every row matches: `db.select(...).from(table).where(props.where)`.
   * The same object while the search, filters, date, scope and `count` are unchanged (a change of
   * the selection alone keeps it): compare it by identity to skip recomputing what follows the list.
   */
  where: SQL | undefined;
  /**
   * The database to read through: the site's reads for the list's user (`site.readsFor(user)`;
   * SQLite on a file: the read pool, whose reader processes run the statement off the event loop;
   * PostgreSQL: the site's pool), each statement under the site's query budget (`queryTimeoutMs`,
   * default 2,000 ms) and charged to the user's fair share (`AdminSiteOptions.fairShare`: while
   * others are active, a user past their share waits before the next statement, as the list's own
   * statements do). Past the budget the statement rejects with `QueryTimeoutError`
   * (`WEFT_ADMIN_ERR_QUERY_TIMEOUT`; `isQueryTimeout(err)`). Read through this, not your own
   * connection: a widget's sum over a large table on better-sqlite3's own connection blocks the
   * worker, and with it every click of every user, on every change.
   */
  db: AdminDatabase;
  /** the selection: `all` (every matching row), or the picked primary keys (empty: none) */
  selection: { mode: "all" } | { mode: "ids"; ids: readonly string[] };
  /** how many rows are selected (`count` when all matching rows are) */
  selected: number;
}
