/**
 * The change list's actions: the built-in "Delete selected <models>" and the ModelAdmin's
 * `actions`, filtered by the user's permissions — looked up again, with the permission check,
 * every time one is about to run.
 */
import type { SQL } from "drizzle-orm";
import type { SessionUser } from "../auth/index.js";
import type { ActionContext, ActionResult, AdminAction } from "../model/actions.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { ChangeListQuery, ChangeListState } from "../query/index.js";
import type { ResolvedSelection } from "./selection.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { recordAudit } from "../auditlog/record.js";
import { diffRows } from "../changeform/persist.js";
import { formSpec } from "../changeform/fields.js";
import { reprOf } from "../model/repr.js";
import { dialectOf, hasErrorCode } from "../query/dialect/index.js";

/** The name of the built-in delete action (as Django's). */
export const DELETE_SELECTED = "delete_selected";

/** An action the user may run: the built-in delete or one of the admin's. */
export type RunnableAction =
  | { readonly kind: "delete"; readonly name: string; readonly label: string }
  | { readonly kind: "custom"; readonly name: string; readonly label: string; readonly action: AdminAction };

/** Whether `user` holds what `action` needs (default: the model's change permission). */
export function mayRun(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser, action: AdminAction): boolean {
  if (!action.permissions) return admin.has(user, "change");
  return action.permissions.every((p) => site.hasPerm(user, p));
}

/**
 * The actions `user` may run on `admin`'s rows, in menu order: the built-in delete first
 * (when the user may delete and the admin does not define its own `delete_selected`), then
 * the admin's actions whose permissions the user holds. Nothing without the view permission.
 */
export function availableActions(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser): RunnableAction[] {
  if (!admin.has(user, "view")) return [];
  const custom = admin.options.actions ?? [];
  const out: RunnableAction[] = [];
  if (!custom.some((a) => a.name === DELETE_SELECTED) && admin.has(user, "delete")) {
    out.push({ kind: "delete", name: DELETE_SELECTED, label: `Delete selected ${admin.verboseNamePlural.toLowerCase()}` });
  }
  for (const action of custom) {
    if (mayRun(site, admin, user, action)) out.push({ kind: "custom", name: action.name, label: action.label, action });
  }
  // the site's built-in actions (the CSV export; an admin's own action of the same name wins)
  for (const action of site.builtInActions?.(admin) ?? []) {
    if (custom.some((a) => a.name === action.name)) continue;
    if (mayRun(site, admin, user, action)) out.push({ kind: "custom", name: action.name, label: action.label, action });
  }
  return out;
}

/** The action named `name` if `user` may run it now, else undefined. */
export function findAction(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser, name: string): RunnableAction | undefined {
  return availableActions(site, admin, user).find((a) => a.name === name);
}

/** A state's search and filters as a query string (no sort, no page): the "all N matching" selection, re-derivable later. */
export function selectionQuery(query: ChangeListQuery<any, any>, state: ChangeListState): string {
  return query.toSearchParams({ ...state, sort: [], page: 1 }).toString();
}

/**
 * What a custom action's `run` receives for a resolved selection — built here for both the
 * change list's events and the action endpoint (`POST <prefix>/<app>/<model>/action/`), so
 * both run an action the same way. `ids` are fetched first ("all matching": one statement), except
 * for a progress action on "all matching", which works on `selection` (its `ids` are empty).
 *
 * @param all - whether the selection is "all N matching" (else: picked rows)
 */
export async function actionContext(
  site: AdminSiteLike,
  admin: ModelAdmin<any, any>,
  user: SessionUser,
  query: ChangeListQuery<any, any>,
  sel: ResolvedSelection,
  state: ChangeListState,
  all: boolean,
  action: AdminAction,
): Promise<ActionContext> {
  // a progress action on "all matching" pins the filter, never the keys (see withProgress)
  const ids = all && action.progress ? [] : await sel.ids();
  return { admin, user, where: sel.where, ids, site, selection: { all, query: selectionQuery(query, state), count: sel.count } };
}

/** Whether an action's result asks for a redirect (see {@link ActionResult}). */
export function isRedirectResult(result: unknown): result is ActionResult {
  return typeof result === "object" && result !== null && typeof (result as ActionResult).redirect === "string";
}

/**
 * Deletes the rows matching `where` in one transaction, writing a "delete" audit entry for
 * each (as Django's `delete_selected` writes a LogEntry per object). With `limit`, only the
 * first `limit` of them in key order: one short batch of a bulk delete (the job of "all N
 * matching" calls it until it deletes nothing).
 * @returns the primary keys of the deleted rows
 * @throws the driver's error (e.g. `SQLITE_CONSTRAINT_FOREIGNKEY`); nothing is deleted then
 */
export async function deleteRows(site: AdminSiteLike, admin: ModelAdmin<any, any>, where: SQL | undefined, userId: number, limit?: number): Promise<unknown[]> {
  const spec = formSpec(site, admin);
  const query = site.query(admin);
  const pk = query.config.pk.column;
  const dialect = dialectOf(site.db);
  return dialect.transaction(site.db, async (tx) => {
    let pick = tx.select().from(admin.table).$dynamic();
    if (where) pick = pick.where(where);
    if (limit !== undefined) pick = pick.orderBy(pk).limit(limit);
    const rows = (await pick) as Record<string, unknown>[];
    if (rows.length === 0) return [];
    const keys = rows.map((r) => r[spec.pk.key]);
    await tx.delete(admin.table).where(dialect.inList(pk, keys));
    for (const row of rows) {
      await recordAudit(tx, { userId, action: "delete", model: spec.model, objectId: String(row[spec.pk.key]), objectRepr: reprOf(admin, row), changes: diffRows(spec, row, null) });
    }
    return keys;
  });
}

/** Whether `err` is the database refusing a delete because other rows still refer to these (SQLite or PostgreSQL). */
export function isForeignKeyError(err: unknown): boolean {
  return hasErrorCode(err, ["SQLITE_CONSTRAINT_FOREIGNKEY", "23503"]);
}
