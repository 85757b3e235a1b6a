/**
 * `formfieldOverrides` widgets (Django's `formfield_overrides` / `ModelForm` widgets): which
 * input edits a column beyond the one derived from its type — a select or radio buttons over
 * fixed choices, a checkbox over an integer, a date, date-time, number, email, URL or colour
 * input — checked against the column at registration, and each value checked on the server
 * (a value outside the choices, a malformed email, URL, date or colour is refused with a field
 * error, whatever the browser let through).
 */
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { FormWidget, FormfieldOverride } from "../model/form-hooks.js";
import type { FieldKind } from "./fields.js";

/** What a widget override makes of a field: its kind, and for select / radio its choices with labels. */
export interface WidgetField {
  kind: FieldKind;
  widget: FormWidget;
  choices?: string[];
  choiceLabels?: Map<string, string>;
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]{2,}$/;
const COLOR = /^#[0-9a-f]{6}$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * The field's kind under the widget `o.widget`.
 * @param kind - the kind derived from the column
 * @returns the new kind and choices, or an error message (the option does not fit the column)
 */
export function applyWidget(column: SQLiteColumn, kind: FieldKind, o: FormfieldOverride): WidgetField | { error: string } {
  const w = o.widget!;
  const text = kind === "text" || kind === "textarea";
  switch (w) {
    case "text":
    case "textarea":
      return text ? { kind: w, widget: w } : { error: `widget "${w}" needs a text column` };
    case "select":
    case "radio": {
      const raw = o.choices ?? (column as { enumValues?: readonly string[] }).enumValues ?? [];
      if (raw.length === 0) return { error: `widget "${w}" needs \`choices\` (or an enum column)` };
      if (column.dataType !== "string" && column.dataType !== "number") return { error: `widget "${w}" needs a text or number column` };
      const values: string[] = [];
      // labels given with the choices; the others read in words ("in_stock" → "In stock")
      const labels = new Map<string, string>();
      for (const c of raw) {
        const value = String(typeof c === "object" ? c.value : c);
        if (column.dataType === "number" && !NUMBER.test(value)) return { error: `choice "${value}" is not a number, but the column is` };
        if (values.includes(value)) return { error: `duplicate choice "${value}"` };
        values.push(value);
        if (typeof c === "object") labels.set(value, c.label);
      }
      return { kind: "choice", widget: w, choices: values, choiceLabels: labels };
    }
    case "checkbox":
      return kind === "boolean" || kind === "integer" ? { kind: "boolean", widget: w } : { error: `widget "checkbox" needs a boolean or integer column` };
    case "date":
      return kind === "datetime" || text ? { kind: kind === "datetime" ? "datetime" : "text", widget: w } : { error: `widget "date" needs a timestamp or text column` };
    case "datetime-local":
      return kind === "datetime" ? { kind, widget: w } : { error: `widget "datetime-local" needs a timestamp column` };
    case "number":
      return kind === "integer" || kind === "real" || text ? { kind: text ? "text" : kind, widget: w } : { error: `widget "number" needs a number or text column` };
    case "email":
    case "url":
    case "color":
      return text ? { kind: "text", widget: w } : { error: `widget "${w}" needs a text column` };
    default:
      return { error: `unknown widget "${String(w)}" (text, textarea, select, radio, checkbox, date, datetime-local, number, email, url, color)` };
  }
}

/**
 * Checks a non-empty submitted string against a text column's widget.
 * @returns the value to store, or an error message
 */
export function checkWidgetText(widget: FormWidget | undefined, s: string): { value: string } | { error: string } {
  switch (widget) {
    case "email":
      return EMAIL.test(s) ? { value: s } : { error: "Enter a valid email address." };
    case "url": {
      let u: URL | undefined;
      try {
        u = new URL(s);
      } catch {
        u = undefined;
      }
      return u && (u.protocol === "http:" || u.protocol === "https:") && u.hostname ? { value: s } : { error: "Enter a valid URL (http:// or https://)." };
    }
    case "color":
      return COLOR.test(s) ? { value: s.toLowerCase() } : { error: "Enter a colour as #rrggbb." };
    case "number":
      return NUMBER.test(s) && Number.isFinite(Number(s)) ? { value: s } : { error: "Enter a number." };
    case "date": {
      const m = ISO_DATE.exec(s);
      const d = m && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      return d && d.getUTCDate() === Number(m![3]) && d.getUTCMonth() === Number(m![2]) - 1 ? { value: s } : { error: "Enter a valid date." };
    }
    default:
      return { value: s };
  }
}

/** The `<input type>` of a text-like widget ("" for the field's own). */
export function inputTypeOf(widget: FormWidget | undefined): string {
  return widget === "email" || widget === "url" || widget === "color" || widget === "date" ? widget : "";
}
