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
import { formSpecFor } from "../changeform/hooks.js";
import { changedMessage, NOTICE_PARAMS } from "../changeform/notice.js";
import { editableFields, editableRows, initialStrings, LIST_FORM_ID, listEditable, managementInputs, parseFormset, type ListEdits } from "./list-editable.js";
import { saveFormset } from "./list-editable-save.js";
import type { ChangeListAssigns } from "./present.js";

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
  let changed = h.edits.note(parsed.rows, shown, (row) => initialStrings(editableFields(h.site, admin, h.user, row.record), row.record));
  // a combobox's text changed: search again (blank text clears the key)
  for (const r of parsed.rows) {
    const row = shown.get(r.pk);
    for (const [key, q] of Object.entries(r.search)) {
      const f = row && editableFields(h.site, admin, h.user, row.record).find((x) => x.key === key);
      if (!f || !(await h.edits.related.search(h.site, f, h.user, r.pk, q))) continue;
      changed = true;
      if (q.trim() === "") setCell(h, admin, row, key, "");
    }
  }
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
 * rows' errors at their cells, their inputs keeping what the user typed). Enter in a cell's
 * combobox submits the form: with a result highlighted it picks it instead of saving.
 * @returns what it saved, or null (nothing: refused, invalid, or a pick)
 */
export async function listSave(h: ListEditHost, p: FormInput): Promise<ListSaved | null> {
  h.flash(null);
  const admin = h.allowed("view");
  if (!admin) return null;
  // Enter in a combobox's text submits the form: it picks the highlighted result instead
  const hl = h.edits.related.highlighted();
  if (hl) {
    await listAcPick(h, hl.name, hl.value);
    return null;
  }
  const parsed = parseFormset(admin, h.site, p);
  const outcome = "refused" in parsed ? ({ ok: false, message: parsed.refused } as const) : await saveFormset(h.site, admin, h.user, parsed.rows, h.edits);
  if (!outcome.ok) {
    await loadRelated(h, admin);
    h.show();
    h.flash("error", outcome.message);
    return null;
  }
  const n = outcome.written.length;
  h.edits.clear();
  h.edits.stale = false;
  if (n > 0) h.saved(admin, outcome.written.map((w) => w.id));
  await h.refresh(admin);
  h.flash("success", n === 0 ? "No fields changed." : changedMessage(admin, n));
  return { n, last: n > 0 ? String(outcome.written[n - 1]!.id) : "" };
}

/** A committed save of the formset: how many rows were written, and the last one's key. */
export interface ListSaved {
  n: number;
  last: string;
}

/**
 * Where the formset POSTed without JavaScript redirects: the list's URL in its state, with
 * `?changed=<n>.<last key>` when rows were written (Weft's flash does not survive a redirect:
 * the next page phrases Django's message from it and the audit log, see changeform/notice.ts).
 */
export function savedListUrl(url: URL, saved: ListSaved): string {
  const params = new URLSearchParams([...url.searchParams].filter(([k]) => !(NOTICE_PARAMS as readonly string[]).includes(k)));
  if (saved.n > 0) params.set("changed", `${saved.n}.${saved.last}`);
  const qs = params.toString();
  return qs ? `${url.pathname}?${qs}` : url.pathname;
}

/** Loads what the foreign-key cells need before a render: select or combobox, once per field (list-editable-fk.ts). */
export async function loadRelated(h: Pick<ListEditHost, "site" | "user" | "edits">, admin: ModelAdmin<any, any>): Promise<void> {
  if (!admin.options.listEditable?.length) return;
  const spec = formSpecFor(h.site, admin, h.user, undefined);
  await h.edits.related.load(h.site, h.user, listEditable(admin, h.site).flatMap((k) => spec.byKey.get(k) ?? []));
}

/** Row `row`'s cell `key` now holds `value` (a pick, a cleared combobox): noted as an edit unless the row is back as stored. */
function setCell(h: ListEditHost, admin: ModelAdmin<any, any>, row: ChangeListRow, key: string, value: string): void {
  const pk = String(row.pk);
  const start = initialStrings(editableFields(h.site, admin, h.user, row.record), row.record);
  const now = { ...start, ...h.edits.values.get(pk), [key]: value };
  if (Object.keys(start).some((k) => start[k] !== now[k])) h.edits.values.set(pk, now);
  else h.edits.values.delete(pk);
}

/** `list_ac_key`: ↑ / ↓ move a cell combobox's highlight, Escape closes it. */
export function listAcKey(h: ListEditHost, field: string, key: string): void {
  if (h.allowed("change") && h.edits.related.key(field, key)) h.show();
}

/** `list_ac_pick`: a listed related row clicked in cell `field` (`form-3-customerId`) becomes the cell's value (an unsaved edit). */
export async function listAcPick(h: ListEditHost, field: string, value: string): Promise<void> {
  const admin = h.allowed("change");
  const picked = admin ? h.edits.related.pick(field, value) : undefined;
  const row = picked && h.rows()?.find((r) => String(r.pk) === picked.pk);
  if (!admin || !picked || !row) return;
  setCell(h, admin, row, picked.key, picked.value);
  h.show();
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
