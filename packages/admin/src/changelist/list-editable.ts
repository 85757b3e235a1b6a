/**
 * The change list's `listEditable` (as Django admin's `list_editable`): the formset the list's
 * rows form, its names (Django's: `form-TOTAL_FORMS`, `form-0-id`, `form-0-status`, …), the
 * user's unsaved edits, and the inputs of the cells. The same payload arrives as live events
 * (`list_edit` on every change, `list_save` on Save) and as a POST without JavaScript; saving
 * is list-editable-save.ts.
 *
 * While the user has unsaved edits the live list pauses: rows are not re-read in place (the
 * inputs keep what the user typed), new rows are only counted ("3 new orders"), and the page
 * is read again after the save.
 */
import type { SessionUser } from "../auth/index.js";
import { SEARCH_SUFFIX } from "../changeform/autocomplete.js";
import { toFormValue } from "../changeform/coerce.js";
import { formSpecFor } from "../changeform/hooks.js";
import { presentField, type FieldView, type PresentInput } from "../changeform/present.js";
import { comboboxView, type AutocompleteState } from "../changeform/autocomplete.js";
import type { Choice } from "../changeform/choices.js";
import type { FormField } from "../changeform/fields.js";
import type { FieldErrors, FormInput } from "../changeform/schema.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { ChangeListRow } from "../query/index.js";
import type { RowModel } from "./present.js";
import { editableFormKeys, formKeyOf, ListRelated } from "./list-editable-fk.js";

/** The formset's prefix, as Django's: `form-TOTAL_FORMS`, `form-0-<field>`. */
export const FORMSET_PREFIX = "form";
/** The id of the list's `<form>` (the shell's CSRF input joins it with `form="cl-editable"`). */
export const LIST_FORM_ID = "cl-editable";
/** The most rows one formset may carry (a page has at most `listPerPage` ≤ 10,000 rows). */
export const MAX_FORMS = 10_000;

const FORM_KEY = /^form-(\d{1,5})-(.{1,200})$/;

/** One row of a submitted formset: the row's primary key (as sent) and its fields' strings. */
export interface FormsetRow {
  index: number;
  pk: string;
  values: FormInput;
  /** the comboboxes' texts (`form-N-<key>__search`) by form key (list-editable-fk.ts) */
  search: Record<string, string>;
}

/** A submitted formset, or why it is refused (a forged or malformed payload: nothing is saved). */
export type ParsedFormset = { rows: FormsetRow[] } | { refused: string };

/** A cell's input, for the template. */
export interface EditCell {
  /** `form-3-status` */
  name: string;
  /** `id_form-3-status` */
  id: string;
  /** what the change form would show (widget, value, options, step, min, max, checked) */
  field: FieldView;
  /** "Status of ORD-000123" (the input's accessible name) */
  aria: string;
  errors: string[];
}

/** What a row of the editable list adds to its {@link RowModel}. */
export interface EditRow {
  /** the hidden `form-N-<pk>` input */
  pkName: string;
  /** errors of the row as a whole (clean's form errors) */
  errors: string[];
}

/** The assigns of the editable list (null: the list is not editable for this user). */
export interface ListEditableModel {
  formId: string;
  /** where the form POSTs without JavaScript: the list's URL with its state */
  action: string;
  /** the management inputs: `form-TOTAL_FORMS`, `form-INITIAL_FORMS`, … */
  management: [string, string][];
  /** rows with unsaved edits */
  dirty: number;
}

/** The form keys the list edits: the ModelAdmin's `listEditable`, a relation named by its own column (`customer` → `customerId`). */
export function listEditable(admin: ModelAdmin<any, any>, site: AdminSiteLike): readonly string[] {
  return editableFormKeys(site, admin);
}

/** The primary key as the row statements hold it, from its form string (undefined: malformed). */
export function pkValue(admin: ModelAdmin<any, any>, site: AdminSiteLike, s: string): unknown {
  if (site.query(admin).config.pk.column.dataType !== "number") return s.length > 0 && s.length <= 256 ? s : undefined;
  if (!/^-?(0|[1-9][0-9]{0,15})$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Reads a formset payload. Refused: a count that is not a number, a row without its primary key,
 * a row listed twice, or any `form-N-<name>` whose name is neither the primary key nor in
 * `listEditable` (a field the list does not edit).
 */
export function parseFormset(admin: ModelAdmin<any, any>, site: AdminSiteLike, p: FormInput): ParsedFormset {
  const pkKey = site.query(admin).config.pk.key;
  const editable = new Set(listEditable(admin, site));
  const totalRaw = p[`${FORMSET_PREFIX}-TOTAL_FORMS`];
  const total = typeof totalRaw === "string" && /^\d{1,5}$/.test(totalRaw) ? Number(totalRaw) : NaN;
  if (!(total >= 0 && total <= MAX_FORMS)) return { refused: "The list's form could not be read (form-TOTAL_FORMS is missing or wrong); nothing was saved. Reload the page and try again." };
  const rows: FormsetRow[] = Array.from({ length: total }, (_, index) => ({ index, pk: "", values: {}, search: {} }));
  for (const [name, value] of Object.entries(p)) {
    const m = FORM_KEY.exec(name);
    if (!m) continue;
    const index = Number(m[1]);
    const key = m[2]!;
    if (index >= total) return { refused: `The list's form could not be read (${name} is past form-TOTAL_FORMS); nothing was saved.` };
    if (key === pkKey) rows[index]!.pk = Array.isArray(value) ? "" : (value ?? "");
    else if (editable.has(key)) rows[index]!.values[key] = value;
    else if (key.endsWith(SEARCH_SUFFIX) && editable.has(key.slice(0, -SEARCH_SUFFIX.length))) rows[index]!.search[key.slice(0, -SEARCH_SUFFIX.length)] = Array.isArray(value) ? (value[value.length - 1] ?? "") : (value ?? "");
    else return { refused: `The field “${key}” cannot be edited in the list; nothing was saved.` };
  }
  const seen = new Set<string>();
  for (const r of rows) {
    if (r.pk === "" || pkValue(admin, site, r.pk) === undefined) return { refused: `The list's form could not be read (form-${r.index}-${pkKey} is missing or wrong); nothing was saved.` };
    if (seen.has(r.pk)) return { refused: `The list's form names the row ${r.pk} twice; nothing was saved.` };
    seen.add(r.pk);
  }
  return { rows };
}

/** The user's unsaved edits and the last save's errors, by row primary key. */
export class ListEdits {
  /** pk → the strings the user has in that row's inputs (only rows differing from the stored row) */
  readonly values = new Map<string, Record<string, string>>();
  /** pk → field errors of the last save */
  readonly errors = new Map<string, FieldErrors>();
  /** pk → the row's form errors (clean's) of the last save */
  readonly rowErrors = new Map<string, string[]>();
  /** a live update arrived while paused: read the page again once the edits are gone */
  stale = false;
  /** the foreign-key cells' select choices and comboboxes (list-editable-fk.ts) */
  readonly related = new ListRelated();

  /** Whether rows have unsaved edits (the live list pauses). */
  get dirty(): boolean {
    return this.values.size > 0;
  }

  /**
   * Notes what the formset holds now (a `list_edit` event): the rows whose strings differ from
   * the stored row's are kept; the others are forgotten.
   * @param shown - the page's rows, by primary key
   * @returns whether the edits changed
   */
  note(rows: readonly FormsetRow[], shown: ReadonlyMap<string, ChangeListRow>, initial: (row: ChangeListRow) => Record<string, string>): boolean {
    const was = JSON.stringify([...this.values]);
    for (const r of rows) {
      const row = shown.get(r.pk);
      if (!row) continue;
      const start = initial(row);
      const now: Record<string, string> = {};
      for (const key of Object.keys(start)) {
        const v = r.values[key];
        // an unchecked box is absent from a form's values: its string is ""
        now[key] = Array.isArray(v) ? (v[v.length - 1] ?? "") : (v ?? "");
      }
      if (Object.keys(start).some((k) => start[k] !== now[k])) this.values.set(r.pk, now);
      else this.values.delete(r.pk);
    }
    return JSON.stringify([...this.values]) !== was;
  }

  /** Forgets every edit and error (saved, discarded, or the user left the page's state). */
  clear(): void {
    this.values.clear();
    this.errors.clear();
    this.rowErrors.clear();
    this.related.clear();
  }
}

/** What {@link editableRows} needs. */
export interface EditInput {
  site: AdminSiteLike;
  admin: ModelAdmin<any, any>;
  user: SessionUser;
  rows: readonly ChangeListRow[];
  edits: ListEdits;
}

/** The fields of `row` the user may edit in the list (none: the row shows plain cells). */
export function editableFields(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser, record: Record<string, unknown>): FormField[] {
  if (!admin.has(user, "change", record)) return [];
  const spec = formSpecFor(site, admin, user, record);
  return listEditable(admin, site).flatMap((k) => {
    const f = spec.byKey.get(k);
    return f && !f.readonly ? [f] : [];
  });
}

/** The strings the inputs of `row` show for the stored values. */
export function initialStrings(fields: readonly FormField[], record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.key, toFormValue(f, record[f.key], record)]));
}

/**
 * Adds the inputs to the rows the user may change: each `listEditable` cell of such a row gets
 * its {@link EditCell} (the user's unsaved string, else the stored value) and the row its hidden
 * primary-key input's name. Rows the user may not change (`hasChangePermission(user, row)`) and
 * fields read-only for the row (`getReadonlyFields(user, row)`) stay plain cells.
 * @returns the rows (new objects where inputs were added) and the number of forms
 */
export function editableRows(models: RowModel[], input: EditInput): { rows: RowModel[]; forms: number } {
  const { site, admin, user, edits } = input;
  const pkKey = site.query(admin).config.pk.key;
  const columns = site.query(admin).config.listDisplay;
  let forms = 0;
  edits.related.cells.clear();
  const rows = models.map((m, i) => {
    const row = input.rows[i]!;
    const fields = editableFields(site, admin, user, row.record as Record<string, unknown>);
    if (fields.length === 0) return m;
    const index = forms++;
    const typed = edits.values.get(m.pk);
    const values = { ...initialStrings(fields, row.record as Record<string, unknown>), ...typed };
    const errors = edits.errors.get(m.pk) ?? {};
    const byKey = new Map(fields.map((f) => [f.key, f]));
    const cells = m.cells.map((c, j) => {
      const f = byKey.get(formKeyOf(site, admin, columns[j]!.name));
      if (!f) return c;
      const name = `${FORMSET_PREFIX}-${index}-${f.key}`;
      const fk = f.kind === "foreignKey" ? fkCell(input, m.pk, f, name, values[f.key] ?? "", row, c.text, columns[j]!.name) : NO_FK;
      const shown = presentField(f, { mode: "change", editable: true, values, row: row.record as Record<string, unknown>, errors, user, ...fk });
      // the combobox's inputs are named after the cell (`form-3-customerId__search`), not the field
      const state = fk.autocomplete.get(f.key);
      const field = state ? { ...shown, ac: comboboxView(`id_${name}`, name, state) } : shown;
      const edit: EditCell = { name, id: `id_${name}`, field, aria: `${c.label} of ${m.repr}`, errors: errors[f.key] ?? [] };
      return { ...c, edit };
    });
    const edit: EditRow = { pkName: `${FORMSET_PREFIX}-${index}-${pkKey}`, errors: edits.rowErrors.get(m.pk) ?? [] };
    return { ...m, cells, edit, cls: typed ? (m.cls ? `${m.cls} cl-dirty` : "cl-dirty") : m.cls };
  });
  return { rows, forms };
}

const NO_FK = { fkChoices: new Map<string, Choice[] | null>(), fkLabels: new Map<string, string | undefined>(), autocomplete: new Map<string, AutocompleteState>() };

/**
 * What the change form's presenter needs for foreign-key cell `name`: the select's choices, or
 * the combobox's state, or (a key input) the related row's label beside it. The label of the
 * stored key is the cell's own text when the column shows the relation (`customer`).
 */
function fkCell(input: EditInput, pk: string, f: FormField, name: string, value: string, row: ChangeListRow, text: string, column: string): Pick<PresentInput, "fkChoices" | "fkLabels" | "autocomplete"> {
  const rel = input.edits.related;
  const stored = String((row.record as Record<string, unknown>)[f.key] ?? "");
  const shows = input.site.query(input.admin).config.relations.has(column);
  const label = value === stored ? (shows ? text : value) : value;
  input.edits.related.cells.set(name, { pk, key: f.key });
  const state = rel.combo(pk, f, value, label);
  return {
    fkChoices: new Map([[f.key, rel.choices.get(f.key) ?? null]]),
    fkLabels: value === stored && shows ? new Map([[f.key, text]]) : new Map(),
    autocomplete: state ? new Map([[f.key, state]]) : new Map(),
  };
}

/** The management inputs of a formset of `forms` rows (Django's `ManagementForm`). */
export function managementInputs(forms: number): [string, string][] {
  return [
    [`${FORMSET_PREFIX}-TOTAL_FORMS`, String(forms)],
    [`${FORMSET_PREFIX}-INITIAL_FORMS`, String(forms)],
    [`${FORMSET_PREFIX}-MIN_NUM_FORMS`, "0"],
    [`${FORMSET_PREFIX}-MAX_NUM_FORMS`, String(MAX_FORMS)],
  ];
}
