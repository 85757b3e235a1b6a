/**
 * Which change-list actions ask before running, and the question they ask: every action that
 * changes data (`changesData`, default true) shows "‹Verb› ‹N› ‹models›?" with Confirm / Cancel,
 * as Django admin's intermediate confirmation page for delete. Pure: no queries.
 */
import type { ModelAdmin } from "../model/model-admin.js";
import type { RunnableAction } from "./actions.js";
import { counted } from "./present.js";

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
