/**
 * Which change-list actions ask before running, and the question they ask: every action that
 * changes data (`changesData`, default true) shows "‹Verb› ‹N› ‹models›?" with Confirm / Cancel,
 * as Django admin's intermediate confirmation page for delete. Pure but for the sample of
 * {@link confirmModel} (one statement).
 */
import type { ModelAdmin } from "../model/model-admin.js";
import type { ChangeListQuery } from "../query/index.js";
import type { RunnableAction } from "./actions.js";
import { counted, reprOf, type ConfirmModel } from "./present.js";
import type { ResolvedSelection } from "./selection.js";

/** Whether `action` asks for confirmation first: the built-in delete, and any action that changes data. */
export function asksFirst(action: RunnableAction): boolean {
  return action.kind === "delete" || action.action.changesData !== false || !!action.action.confirm;
}

/**
 * The confirmation's question naming the count, from the action's label: "Refund selected
 * orders" on 856 orders → "Refund 856 orders?", "Mark selected orders as shipped" → "Mark 3
 * orders as shipped?", "Finalize orders" → "Finalize 3 orders?", else "Sync with vendor: 3 orders?".
 */
export function confirmQuestion(action: RunnableAction, count: number, admin: ModelAdmin<any, any>): string {
  const what = counted(count, admin);
  if (action.kind === "delete") return `Delete ${what}?`;
  const plural = admin.verboseNamePlural.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const selected = new RegExp(`\\bselected\\s+${plural}\\b`, "i");
  if (selected.test(action.label)) return `${action.label.replace(selected, what)}?`;
  const trailing = new RegExp(`\\s+${plural}$`, "i");
  if (trailing.test(action.label)) return `${action.label.replace(trailing, ` ${what}`)}?`;
  return `${action.label}: ${what}?`;
}

/** The line under the question: how the rows were picked, then the action's own text (`confirm`). */
export function confirmDetail(action: RunnableAction, count: number, all: boolean, admin: ModelAdmin<any, any>): string {
  const picked = all ? `All ${counted(count, admin)} matching the search and filters are selected.` : "";
  if (action.kind === "delete") {
    const these = count === 1 ? admin.verboseName.toLowerCase() : admin.verboseNamePlural.toLowerCase();
    return `${picked} The following ${these} will be deleted. This cannot be undone.`.trim();
  }
  return `${picked} ${action.action.confirm ?? "This changes the selected records."}`.trim();
}

/**
 * The confirmation panel of `action` on the selection `sel`: the question, the detail, a sample
 * of the rows (one statement) and the buttons' words.
 * @param all - the selection is "all matching" (not picked rows)
 */
export async function confirmModel(admin: ModelAdmin<any, any>, query: ChangeListQuery<any, any>, action: RunnableAction, sel: ResolvedSelection, all: boolean): Promise<ConfirmModel> {
  const sample = (await sel.sample()).map((r) => reprOf(query, r));
  const del = action.kind === "delete";
  return {
    action: action.name,
    label: action.label,
    question: confirmQuestion(action, sel.count, admin),
    detail: confirmDetail(action, sel.count, all, admin),
    count: sel.count,
    sample,
    more: Math.max(0, sel.count - sample.length),
    danger: del,
    yes: del ? "Yes, I'm sure" : "Confirm",
    no: del ? "No, take me back" : "Cancel",
  };
}
