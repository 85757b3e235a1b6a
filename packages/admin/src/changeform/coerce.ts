/**
 * Form strings ↔ column values. Browsers send strings (and leave unchecked checkboxes out);
 * columns hold numbers, booleans, Dates, NULL. Times are shown and read in the site's time
 * zone (`display.timeZone`, default UTC; `datetime-local` carries no zone, so the form names it
 * beside the input).
 */
import type { FormField } from "./fields.js";
import { parseTyped, typedInput } from "../model/field-types.js";
import { fromWallTime, wallTime } from "../query/time-zone.js";
import { checkWidgetText } from "./widgets.js";

/** The result of reading one input. */
export type Coerced =
  | { ok: true; value: unknown }
  /** leave the column out of the INSERT (empty input, the column has a default) */
  | { ok: true; omit: true }
  | { ok: false; error: string };

export const REQUIRED = "This field is required.";

const INT = /^[+-]?\d+$/;
const REAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * `2024-05-01T09:30:05` for a Date, in `timeZone` (default UTC); seconds always present so
 * nothing is lost silently.
 */
export function formatDatetime(d: Date, timeZone = "UTC"): string {
  return wallTime(d, timeZone);
}

/** Reads a `datetime-local` value (or a bare date) as a wall-clock time in `timeZone` (default UTC). */
export function parseDatetime(s: string, timeZone = "UTC"): Date | undefined {
  let m = DATETIME.exec(s);
  let parts: number[];
  if (m) parts = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0", (m[7] ?? "0").padEnd(3, "0")].map(Number);
  else if ((m = DATE.exec(s))) parts = [m[1], m[2], m[3], "0", "0", "0", "0"].map(Number);
  else return undefined;
  const [y, mo, d, h, mi, se, ms] = parts;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, se, ms));
  // Date.UTC rolls over (Feb 30 → Mar 2): refuse instead
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return undefined;
  return fromWallTime(parts, timeZone);
}

/**
 * The string an input shows for a column value.
 * @param row - the row (a money field's `currencyField`), if known
 */
export function toFormValue(f: FormField, value: unknown, row?: Readonly<Record<string, unknown>>): string {
  if (value === null || value === undefined) return "";
  if (f.type) return typedInput(f.type, value, row, f.display);
  if (f.kind === "datetime") {
    const d = value instanceof Date ? value : new Date(value as number);
    // a date widget shows the day only (in the site's zone)
    return Number.isNaN(d.getTime()) ? "" : f.widget === "date" ? formatDatetime(d, f.display.timeZone).slice(0, 10) : formatDatetime(d, f.display.timeZone);
  }
  if (f.kind === "boolean") return value ? "1" : "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Reads one input of the form.
 * @param raw - the submitted string; undefined when the browser sent nothing (unchecked box)
 * @param mode - on the add form an empty input of a column with a default means "the default"
 * @param row - the row (a money field's `currencyField`: the submitted or the stored code), if known
 */
export function fromFormValue(f: FormField, raw: string | undefined, mode: "add" | "change", row?: Readonly<Record<string, unknown>>): Coerced {
  if (f.kind === "boolean") {
    const on = raw !== undefined && raw !== "" && raw !== "0" && raw !== "false" && raw !== "off";
    // a boolean field type over an integer column stores 1 / 0
    return { ok: true, value: f.column.dataType === "boolean" ? on : on ? 1 : 0 };
  }
  const s = (raw ?? "").trim();
  if (s === "") {
    if (mode === "add" && f.hasDefault) return { ok: true, omit: true };
    if (f.nullable) return { ok: true, value: null };
    return { ok: false, error: REQUIRED };
  }
  if (f.type && f.type.type !== "boolean") {
    const t = parseTyped(f.type, s, row, f.display);
    return t.ok ? { ok: true, value: t.value } : t;
  }
  switch (f.kind) {
    case "integer":
    case "foreignKey": {
      if (f.kind === "foreignKey" && f.fk?.references.dataType !== "number") return { ok: true, value: s };
      if (!INT.test(s)) return { ok: false, error: f.kind === "foreignKey" ? "Select a valid choice." : "Enter a whole number." };
      const n = Number(s);
      if (!Number.isSafeInteger(n)) return { ok: false, error: "Enter a whole number between -9007199254740991 and 9007199254740991." };
      return { ok: true, value: n };
    }
    case "real": {
      if (!REAL.test(s)) return { ok: false, error: "Enter a number." };
      const n = Number(s);
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, error: "Enter a number." };
    }
    case "datetime": {
      const d = parseDatetime(s, f.display.timeZone);
      return d ? { ok: true, value: d } : { ok: false, error: f.widget === "date" ? "Enter a valid date." : "Enter a valid date/time." };
    }
    case "choice":
      // whatever the browser sent: only the offered values (a number column stores the number)
      if (!f.choices.includes(s)) return { ok: false, error: `Select a valid choice. ${s.slice(0, 100)} is not one of the available choices.` };
      return { ok: true, value: f.column.dataType === "number" ? Number(s) : s };
    case "text": {
      const w = checkWidgetText(f.widget, s);
      return "error" in w ? { ok: false, error: w.error } : { ok: true, value: w.value };
    }
    default:
      return { ok: true, value: raw === undefined ? "" : f.kind === "textarea" ? raw.replace(/\r\n/g, "\n").trim() : s };
  }
}

/** Two column values are the same for the audit diff (Dates by time, the rest by identity). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    const ta = a instanceof Date ? a.getTime() : a;
    const tb = b instanceof Date ? b.getTime() : b;
    return ta === tb;
  }
  return a === b || (a == null && b == null);
}
