/**
 * The change form's fields as the template sees them: widget, value, options, errors,
 * read-only text. Pure functions of the spec and the form's state.
 */
import { is, SQL } from "drizzle-orm";
import type { SessionUser } from "../auth/index.js";
import type { Choice } from "./choices.js";
import { comboboxView, type AutocompleteState, type AutocompleteView } from "./autocomplete.js";
import { toFormValue } from "./coerce.js";
import { formatInZone } from "../query/time-zone.js";
import { humanize } from "../query/names.js";
import { isRequired, writableFields, type FieldKind, type FormField, type FormSpec } from "./fields.js";
import type { FieldErrors, FormInput } from "./schema.js";
import { formatTyped, typedInput, typedStep } from "../model/field-types.js";
import { inputTypeOf } from "./widgets.js";

/** One `<option>`. */
export interface OptionView {
  value: string;
  label: string;
  selected: boolean;
}

/** One row of the form, ready for the template. */
export interface FieldView {
  key: string;
  /** the input's id (`id_<key>`) */
  id: string;
  label: string;
  kind: FieldKind;
  widget: "text" | "textarea" | "number" | "checkbox" | "select" | "radio" | "datetime" | "autocomplete" | "readonly";
  /** the `<input type>` of a `text` widget: "email", "url", "color", "date" (formfieldOverrides), else "text" */
  inputType: string;
  value: string;
  checked: boolean;
  options: OptionView[];
  required: boolean;
  errors: string[];
  step: string;
  min: string;
  max: string;
  /** read-only text (readonly widget) */
  display: string;
  /** a link for the read-only text or the chosen related object */
  link: string;
  /** a short note under the input (the time zone, the currency, the chosen related object's label) */
  hint: string;
  /** the `autocomplete` widget's combobox, else undefined */
  ac: AutocompleteView | undefined;
}

/** A fieldset, ready for the template. */
export interface FieldsetView {
  title: string | null;
  fields: FieldView[];
}

/** What the presenter needs beside the spec. */
export interface PresentInput {
  /** how an empty read-only value of field `key` reads (Django's `empty_value_display`: per field, ModelAdmin, site; see model/empty-value.ts); default "—" */
  emptyValue?: (key: string) => string;
  mode: "add" | "change";
  /** false for a view-only user: every field read-only */
  editable: boolean;
  /** the form's strings by field key */
  values: Record<string, string>;
  /** the stored row (change form), for read-only fields */
  row: Record<string, unknown> | undefined;
  /** errors to show, by field key */
  errors: FieldErrors;
  /** select choices of foreign keys (null: too many, a number input is shown) */
  fkChoices: Map<string, Choice[] | null>;
  /** labels of the chosen related objects, by field key */
  fkLabels: Map<string, string | undefined>;
  /** the autocompleted foreign keys' states, by field key */
  autocomplete: Map<string, AutocompleteState>;
  user: SessionUser;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/**
 * "Yes" / "No", times in the site's zone ("2024-05-01 11:30:05 Europe/Paris"), "—" for NULL, typed fields as the list shows them ("€822.45"): how a
 * value reads when it cannot be edited (read-only fields, history).
 * @param row - the row (a money field's `currencyField`), if known
 */
export function displayValue(f: FormField | undefined, v: unknown, row?: Readonly<Record<string, unknown>>): string {
  if (v === null || v === undefined || v === "") return "—";
  if (f?.type) return formatTyped(f.type, v, row, f.display) || "—";
  if (typeof v === "boolean" || f?.kind === "boolean") return v ? "Yes" : "No";
  const zone = f?.display.timeZone ?? "UTC";
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "—" : formatInZone(v, zone);
  // audit values: Dates were stored as ISO strings
  if ((f === undefined || f.kind === "datetime") && typeof v === "string" && ISO.test(v)) return formatInZone(new Date(v), zone);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** The initial strings of the add form: the columns' static defaults. */
export function initialValues(spec: FormSpec, mode: "add" | "change", row: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of writableFields(spec, mode)) {
    if (row) out[f.key] = toFormValue(f, row[f.key], row);
    else {
      const d = (f.column as { default?: unknown }).default;
      out[f.key] = d === undefined || is(d, SQL) || typeof d === "function" ? "" : toFormValue(f, d);
    }
  }
  return out;
}

/**
 * The form's values after a save refused as stale: the fields the user left as loaded (`before`)
 * take the other save's values (`now`); what they typed stays. Updates `values` in place.
 */
export function keepTyped(spec: FormSpec, mode: "add" | "change", values: Record<string, string>, before: Record<string, unknown> | undefined, now: Record<string, unknown>): void {
  const loaded = initialValues(spec, mode, before);
  for (const [k, v] of Object.entries(initialValues(spec, mode, now))) if (values[k] === loaded[k]) values[k] = v;
}

/** Reads the writable fields' strings from a payload into `values` (unchecked boxes are absent: ""; a repeated name: its last value). */
export function takeValues(spec: FormSpec, mode: "add" | "change", p: FormInput, values: Record<string, string>): void {
  for (const f of writableFields(spec, mode)) {
    const v = p[f.key];
    const s = Array.isArray(v) ? v[v.length - 1] : v;
    values[f.key] = s ?? (f.kind === "boolean" ? "" : values[f.key] ?? "");
  }
}

function relatedLink(f: FormField, value: unknown, user: SessionUser): string {
  const a = f.fk?.admin;
  return a && value !== null && value !== undefined && value !== "" && a.has(user, "view") ? a.objectUrl(value) : "";
}

function present(f: FormField, input: PresentInput, writable: Set<string>): FieldView {
  const { mode, values, row, errors } = input;
  const base: FieldView = {
    key: f.key,
    id: `id_${f.key}`,
    label: f.label,
    kind: f.kind,
    widget: "readonly",
    inputType: "text",
    value: "",
    checked: false,
    options: [],
    required: false,
    errors: errors[f.key] ?? [],
    step: "",
    min: "",
    max: "",
    display: "",
    link: "",
    hint: "",
    ac: undefined,
  };
  if (!input.editable || !writable.has(f.key)) {
    const v = row?.[f.key];
    if (f.kind === "foreignKey" && v !== null && v !== undefined) {
      const label = input.fkLabels.get(f.key);
      base.display = label && label !== String(v) ? `${label} (#${String(v)})` : `#${String(v)}`;
      base.link = relatedLink(f, v, input.user);
    } else {
      const empty = v === null || v === undefined || v === "";
      base.display = empty && input.emptyValue ? input.emptyValue(f.key) : mode === "add" && row === undefined ? "—" : displayValue(f, v, row);
    }
    return base;
  }
  const value = values[f.key] ?? "";
  base.value = value;
  base.required = isRequired(f, mode);
  if (f.type && f.type.type !== "boolean") {
    // money "822.45", percentages "12.5": a number input in the unit the user reads
    const t = f.type;
    const ctx = { ...row, ...values };
    base.widget = "number";
    base.step = typedStep(t, ctx, f.display);
    if (f.bounds.min !== undefined) base.min = typedInput(t, f.bounds.min, ctx, f.display);
    if (f.bounds.max !== undefined) base.max = typedInput(t, f.bounds.max, ctx, f.display);
    if (t.type === "money") base.hint = formatTyped(t, 0, ctx, f.display).replace(/[\d.,\s\u00a0]+/g, " ").trim();
    else if (t.type === "percent") base.hint = "%";
    return base;
  }
  switch (f.kind) {
    case "boolean":
      base.widget = "checkbox";
      base.checked = value !== "" && value !== "0" && value !== "false";
      break;
    case "textarea":
      base.widget = "textarea";
      break;
    case "integer":
    case "real":
      base.widget = "number";
      base.step = f.kind === "integer" ? "1" : "any";
      if (f.bounds.min !== undefined) base.min = String(f.kind === "integer" && f.bounds.minExclusive ? f.bounds.min + 1 : f.bounds.min);
      if (f.bounds.max !== undefined) base.max = String(f.kind === "integer" && f.bounds.maxExclusive ? f.bounds.max - 1 : f.bounds.max);
      break;
    case "datetime":
      if (f.widget === "date") {
        base.widget = "text";
        base.inputType = "date";
      } else base.widget = "datetime";
      base.hint = f.display.timeZone;
      break;
    case "choice": {
      const radio = f.widget === "radio";
      base.widget = radio ? "radio" : "select";
      const known = f.choices.includes(value);
      base.options = [
        // radio buttons offer "None" only where the column may be empty (a required group starts unticked)
        ...(radio ? (f.nullable ? [{ value: "", label: "None", selected: value === "" }] : []) : f.nullable || value === "" || !known ? [{ value: "", label: "---------", selected: value === "" || !known }] : []),
        // the stored value stays; the label is the widget's own, else in words ("refunded" → "Refunded"), as the change list's badges
        ...f.choices.map((c) => ({ value: c, label: f.choiceLabels?.get(c) ?? humanize(c), selected: c === value })),
      ];
      break;
    }
    case "foreignKey": {
      const choices = input.fkChoices.get(f.key);
      const state = input.autocomplete.get(f.key);
      if (state) {
        base.widget = "autocomplete";
        base.ac = comboboxView(base.id, f.key, state);
      } else if (choices) {
        base.widget = "select";
        const known = choices.some((c) => c.value === value);
        base.options = [
          ...(f.nullable || value === "" || !known ? [{ value: "", label: "---------", selected: value === "" || !known }] : []),
          ...choices.map((c) => ({ value: c.value, label: c.label, selected: c.value === value })),
        ];
      } else {
        base.widget = f.fk?.references.dataType === "number" ? "number" : "text";
        base.step = "1";
        const label = input.fkLabels.get(f.key);
        // no entry: not looked up (an inline row's edited key); no hint rather than a wrong one
        base.hint = value === "" || !input.fkLabels.has(f.key) ? "" : label === undefined ? "No such object." : label;
      }
      base.link = relatedLink(f, value, input.user);
      break;
    }
    default:
      base.widget = f.widget === "number" ? "number" : "text";
      if (f.widget === "number") base.step = "any";
      base.inputType = inputTypeOf(f.widget) || "text";
  }
  return base;
}

/** The fieldsets of the form, ready for the template. */
export function presentFieldsets(spec: FormSpec, input: PresentInput): FieldsetView[] {
  const writable = new Set(writableFields(spec, input.mode).map((f) => f.key));
  const out = spec.fieldsets.map((fs) => ({ title: fs.title, fields: fs.fields.map((f) => present(f, input, writable)) }));
  // a primary key the add form must ask for (not an integer) but the fieldsets do not list
  if (writable.has(spec.pk.key) && !spec.fieldsets.some((fs) => fs.fields.includes(spec.pk)) && out.length > 0) {
    out[0] = { ...out[0], fields: [present(spec.pk, input, writable), ...out[0].fields] };
  }
  return out;
}

/**
 * One editable field as the change form would show it (widget, value, options, step, bounds,
 * hint), for the change list's `listEditable` cells (changelist/list-editable.ts).
 * @param input - the form's state; `editable` must be true and `mode` "change"
 */
export function presentField(f: FormField, input: PresentInput): FieldView {
  return present(f, input, new Set([f.key]));
}
