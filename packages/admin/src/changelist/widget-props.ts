/**
 * The props a change list gives its LiveComponent slot widgets: the list's search, filters,
 * selection and the WHERE clause of its matching rows, so a widget can follow the list (e.g.
 * "Total of the 1,945 matching orders: €412,003.10"). Built once per change of what the list
 * shows (memoised on a key), so a re-render that changed none of it passes the very same
 * object and the widget's `update` is not called again.
 */
import type { SQL } from "drizzle-orm";
import type { AdminDatabase, ChangeListQuery, ChangeListState, ListWidgetProps } from "../query/index.js";
import type { Selection } from "./selection.js";

export type { ListWidgetProps };

/** Memoises the props per slot id on the list view. */
export class ListWidgetPropsCache {
  private key = "";
  private listKey = "";
  private scope: SQL | undefined;
  private where: SQL | undefined;
  private base: Omit<ListWidgetProps, "id"> | null = null;
  private byId = new Map<string, ListWidgetProps>();

  /**
   * The props for component `id`, the same object as last time when nothing they carry changed;
   * their `where` is the same object as long as the list's search, filters, date, scope and
   * count are (a change of the selection alone keeps it), so a widget can skip work by identity.
   *
   * @param id - the slot's component id
   * @param input - the list's admin names, query, state, selection, matching count and the site's `reads`
   * @returns the props
   * @throws ChangeListParamError from the query layer for a hand-built state naming something not allow-listed
   */
  props(id: string, input: { app: string; model: string; query: ChangeListQuery<any, any>; state: ChangeListState; selection: Selection; count: number; db: AdminDatabase }): ListWidgetProps {
    const { state, selection, count } = input;
    const ids = selection.mode === "ids" ? [...selection.ids].sort() : null;
    const listKey = JSON.stringify([input.app, input.model, state.q, state.filters, state.date ?? null, count]);
    const key = JSON.stringify([listKey, ids ?? "all"]);
    // a scope (getQueryset) is an SQL object, made anew per URL change: compared by identity
    if (key !== this.key || !this.base || state.scope !== this.scope) {
      if (listKey !== this.listKey || !this.base || state.scope !== this.scope) this.where = input.query.selectionFilter(state);
      this.key = key;
      this.listKey = listKey;
      this.scope = state.scope;
      this.byId.clear();
      this.base = {
        app: input.app,
        model: input.model,
        q: state.q,
        filters: state.filters,
        count,
        where: this.where,
        selection: ids ? { mode: "ids", ids } : { mode: "all" },
        selected: ids ? ids.length : count,
        db: input.db,
      };
    }
    let p = this.byId.get(id);
    if (!p) this.byId.set(id, (p = { id, ...this.base }));
    return p;
  }
}
