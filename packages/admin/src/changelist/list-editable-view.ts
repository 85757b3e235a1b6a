/**
 * The change list's `listEditable` events (`list_edit`, `list_save`; a POST without JavaScript
 * saves through `list_save` too) and the formset added to its assigns. The view lends them what
 * they need as a {@link ListEditHost}.
 */
import type { SessionUser } from "../auth/index.js";
import type { FormInput } from "../changeform/schema.js";
import type { ModelAction, ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { ChangeListRow } from "../query/index.js";
import { editableFields, editableRows, initialStrings, LIST_FORM_ID, managementInputs, parseFormset, type ListEdits } from "./list-editable.js";
import { saveFormset } from "./list-editable-save.js";
import { counted, type ChangeListAssigns } from "./present.js";

/** What the handlers use of the change-list view. */
export interface ListEditHost {
  site: AdminSiteLike;
  user: SessionUser;
  edits: ListEdits;
  /** the rows shown (undefined before the first read) */
  rows(): readonly ChangeListRow[] | undefined;
  /** the ModelAdmin if the user (still) has `action`, else an error flash and null */
  allowed(action: ModelAction): ModelAdmin<any, any> | null;
  /** a flash message; `null` clears them */
  flash(kind: "success" | "error" | "warning" | null, text?: string): void;
  /** re-renders from the last read */
  show(): void;
  /** reads the page again, then renders */
  refresh(admin: ModelAdmin<any, any>): Promise<unknown>;
  /** after a committed save: forget stale caches, publish `changed` for each id */
  saved(admin: ModelAdmin<any, any>, ids: readonly unknown[]): void;
}

/**
 * `list_edit` (every change of an input): notes the unsaved edits, so re-renders keep them and
 * the live list pauses; once none is left, a paused list reads its page again. A payload naming
 * a field the list does not edit is refused with an error flash.
 */
export async function listEdit(h: ListEditHost, p: FormInput): Promise<void> {
  // a change of an input outside the formset (the row-selection boxes sit in the form's table): nothing to note, no render
  if (typeof p._target === "string" && !p._target.startsWith("form-")) return;
  const admin = h.allowed("change");
  const rows = h.rows();
  if (!admin || !rows) return;
  const parsed = parseFormset(admin, h.site, p);
  if ("refused" in parsed) return h.flash("error", parsed.refused);
  const shown = new Map(rows.map((r) => [String(r.pk), r]));
  const changed = h.edits.note(parsed.rows, shown, (row) => initialStrings(editableFields(h.site, admin, h.user, row.record), row.record));
  if (!h.edits.dirty && h.edits.stale) {
    h.edits.stale = false;
    await h.refresh(admin);
    // no render when nothing changed: a re-render could undo a box ticked meanwhile
  } else if (changed) h.show();
}

/**
 * `list_save` (Save under the table, or the POST without JavaScript): saves the changed rows in
 * one transaction (list-editable-save.ts) and reads the page again with Django's message
 * ("3 orders were changed successfully."), or shows why nothing was saved (a flash; invalid
 * rows' errors at their cells, their inputs keeping what the user typed).
 * @returns whether it saved
 */
export async function listSave(h: ListEditHost, p: FormInput): Promise<boolean> {
  h.flash(null);
  const admin = h.allowed("view");
  if (!admin) return false;
  const parsed = parseFormset(admin, h.site, p);
  const outcome = "refused" in parsed ? ({ ok: false, message: parsed.refused } as const) : await saveFormset(h.site, admin, h.user, parsed.rows, h.edits);
  if (!outcome.ok) {
    h.show();
    h.flash("error", outcome.message);
    return false;
  }
  const n = outcome.written.length;
  h.edits.clear();
  h.edits.stale = false;
  if (n > 0) h.saved(admin, outcome.written.map((w) => w.id));
  await h.refresh(admin);
  h.flash("success", n === 0 ? "No fields changed." : `${counted(n, admin)} ${n === 1 ? "was" : "were"} changed successfully.`.replace(/^./, (c) => c.toUpperCase()));
  return true;
}

/**
 * `a` with the `listEditable` formset: inputs in the cells of the rows the user may change, the
 * management inputs and the Save bar; `a` itself when the model has no `listEditable`, the user
 * has no change permission, or no row of the page may be changed.
 * @param action - the list's URL in its state (where the form POSTs without JavaScript)
 */
export function withEditable(h: ListEditHost, admin: ModelAdmin<any, any>, action: string, a: ChangeListAssigns): ChangeListAssigns {
  const rows = h.rows();
  if (!admin.options.listEditable?.length || !rows || !admin.has(h.user, "change")) return a;
  const out = editableRows(a.rows, { site: h.site, admin, user: h.user, rows, edits: h.edits });
  if (out.forms === 0) return a;
  return { ...a, rows: out.rows, editable: { formId: LIST_FORM_ID, action, management: managementInputs(out.forms), dirty: h.edits.values.size } };
}
