/**
 * The change list's actions (the action bar's Go, Yes and No on the confirmation panel): the
 * built-in delete, inline or as a progress job, and the ModelAdmin's custom actions. The view
 * lends them what they need as an {@link ActionHost}.
 */
import type { ModelEventKind } from "../model/publish.js";
import { ActionRefusedError, type ActionResult, type AdminAction } from "../model/actions.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { ChangeListQuery, ChangeListState } from "../query/index.js";
import { actionContext, deleteRows, findAction, isForeignKeyError, isRedirectResult, type RunnableAction } from "./actions.js";
import { asksFirst, confirmModel } from "./confirm.js";
import type { ListEditHost } from "./list-editable-view.js";
import { counted, type ConfirmModel } from "./present.js";
import { NO_SELECTION, resolveSelectionOf, type ResolvedSelection, type Selection } from "./selection.js";
import { forgetFullCount } from "./totals.js";

/** The flash of an event the user may not (or no longer) run. */
export const DENIED = "You don't have permission to do that.";
/** The largest selection the built-in delete removes inside the event handler (one transaction); more runs as a job. */
export const INLINE_DELETE_MAX = 1000;
const NOTHING_SELECTED = "Items must be selected in order to perform actions on them. No items have been changed.";

/** What the action handlers use of the change-list view. */
export interface ActionHost extends Pick<ListEditHost, "site" | "user" | "allowed" | "flash" | "refresh"> {
  /** the list's search, filters, sort and page */
  state(): ChangeListState;
  /** the rows picked (page ids, or all matching) */
  selection(): Selection;
  setSelection(selection: Selection): void;
  /** the action waiting for its confirmation, or null */
  pending(): string | null;
  setPending(action: string | null): void;
  /** re-renders from the last read, with the confirmation panel if one is given */
  show(confirm?: ConfirmModel | null): void;
  /** whether `err` is a query past its budget (then logged, and flashed to the user) */
  tooSlow(err: unknown): boolean;
  /** sends the browser to `url` (it leaves the list) */
  redirect(url: string): void;
  /** publishes `kind` for each id on the model's topic (live pages update) */
  publish(admin: ModelAdmin<any, any>, kind: ModelEventKind, ids: readonly unknown[]): void;
  /** the built-in delete as a progress job, for more than {@link INLINE_DELETE_MAX} rows (none: always inline) */
  bulkDelete: ((admin: ModelAdmin<any, any>) => AdminAction) | undefined;
}

/**
 * `action` (Go) and `confirm` (Yes): runs action `name` on the selection, or asks for
 * confirmation first. Checks the view permission and the action's own again; an empty
 * selection or a stale confirmation changes nothing and says so.
 */
export async function runAction(h: ActionHost, name: string, confirmed: boolean): Promise<void> {
  h.flash(null);
  const admin = h.allowed("view");
  if (!admin) return;
  if (name === "") return h.flash("warning", "No action selected.");
  const action = findAction(h.site, admin, h.user, name);
  if (!action) {
    h.setPending(null);
    h.show();
    return h.flash("error", DENIED);
  }
  if (confirmed && h.pending() !== name) return h.flash("error", "That confirmation is no longer current; nothing was changed.");
  const query = h.site.query(admin);
  let sel: ResolvedSelection;
  try {
    sel = await resolveSelectionOf(h.site, h.user, query, h.selection(), h.state());
  } catch (err) {
    if (h.tooSlow(err)) return;
    throw err;
  }
  if (sel.count === 0) {
    h.setPending(null);
    h.show();
    return h.flash("warning", NOTHING_SELECTED);
  }
  if (asksFirst(action) && !confirmed) {
    h.setPending(name);
    return h.show(await confirmModel(admin, query, action, sel, h.selection().mode === "all"));
  }
  h.setPending(null);
  if (action.kind === "delete" && h.bulkDelete && sel.count > INLINE_DELETE_MAX) {
    // a large delete runs as a job in short batches, not inside this handler
    await runCustom(h, admin, query, { kind: "custom", name: action.name, label: action.label, action: h.bulkDelete(admin) }, sel);
  } else if (action.kind === "delete") await deleteSelected(h, admin, query, sel);
  else await runCustom(h, admin, query, action, sel);
}

async function deleteSelected(h: ActionHost, admin: ModelAdmin<any, any>, query: ChangeListQuery<any, any>, sel: ResolvedSelection): Promise<void> {
  let ids: unknown[];
  try {
    ids = await deleteRows(h.site, admin, sel.where, h.user.id);
  } catch (err) {
    if (!isForeignKeyError(err)) throw err;
    await h.refresh(admin);
    return h.flash("error", `Cannot delete the selected ${admin.verboseNamePlural.toLowerCase()}: other records refer to them. Nothing was deleted.`);
  }
  afterWrite(h.site, query);
  h.setSelection(NO_SELECTION);
  await h.refresh(admin);
  h.publish(admin, "deleted", ids);
  h.flash("success", `Deleted ${counted(ids.length, admin)}.`);
}

async function runCustom(h: ActionHost, admin: ModelAdmin<any, any>, query: ChangeListQuery<any, any>, action: Extract<RunnableAction, { kind: "custom" }>, sel: ResolvedSelection): Promise<void> {
  const ctx = await actionContext(h.site, admin, h.user, query, sel, h.state(), h.selection().mode === "all", action.action);
  let message: string | void | ActionResult;
  try {
    message = await action.action.run(ctx);
  } catch (err) {
    // a refusal the user may read (a permission, the job store unreachable or full): nothing ran
    if (err instanceof ActionRefusedError) return h.flash("error", err.message);
    // generic message here; the runtime logs the stack with the app's logger
    afterWrite(h.site, query);
    await revalidate(h, admin, query);
    h.flash("error", `The action “${action.label}” failed. Details were logged for the administrators.`);
    throw err;
  }
  // e.g. a progress action's job page: the browser leaves this list
  if (isRedirectResult(message)) return h.redirect(message.redirect);
  afterWrite(h.site, query);
  await revalidate(h, admin, query);
  if (message) h.flash("success", String(message).slice(0, 1000));
}

/** Forgets the caches that a write through the admin makes stale (the full count, every model's filter choices). */
export function afterWrite(site: AdminSiteLike, query: ChangeListQuery<any, any>): void {
  forgetFullCount(query);
  for (const a of site.all()) site.query(a).invalidateChoices();
}

/** Keeps only the picked rows that still exist, then re-fetches the page. */
async function revalidate(h: ActionHost, admin: ModelAdmin<any, any>, query: ChangeListQuery<any, any>): Promise<void> {
  const sel = h.selection();
  if (sel.mode === "ids" && sel.ids.size > 0) {
    h.setSelection({ mode: "ids", ids: new Set((await resolveSelectionOf(h.site, h.user, query, sel, h.state())).valid) });
  }
  await h.refresh(admin);
}
