/**
 * The change form's validation: form strings are read per field (see coerce.ts), then checked
 * by a zod schema derived from the drizzle table with drizzle-zod (`createInsertSchema` for
 * the add form, `createUpdateSchema` for the change form), picked down to the fields the form
 * may write and tightened with the bounds of simple CHECK constraints. Readonly fields, the
 * primary key and anything else the browser sends are dropped before any of this runs.
 */
import { createInsertSchema, createUpdateSchema } from "drizzle-zod";
import { z } from "zod";
import { fromFormValue, REQUIRED, toFormValue } from "./coerce.js";
import { typedInput } from "../model/field-types.js";
import { writableFields, type FormField, type FormSpec } from "./fields.js";

/** Field errors by field key (Django's `form.errors`). */
export type FieldErrors = Record<string, string[]>;

/** What the browser sent: field name → string (a repeated name → array). */
export type FormInput = Record<string, string | string[] | undefined>;

/** A form's values as the browser sends them (the live events' payload and a POST's body). */
export const FORM_PAYLOAD = z.record(z.string().max(200), z.union([z.string().max(100_000), z.array(z.string().max(100_000)).max(100)]));

/** The outcome of validating a form. */
export interface Validated {
  /** values to write, by column key (fields with errors and omitted defaults are absent) */
  data: Record<string, unknown>;
  errors: FieldErrors;
}

type AnyObject = z.ZodObject<any>;
const schemas = new WeakMap<FormSpec, { add: AnyObject; change: AnyObject }>();

/** The drizzle-zod schemas of a form, picked to its writable fields. */
export function formSchemas(spec: FormSpec): { add: AnyObject; change: AnyObject } {
  let s = schemas.get(spec);
  if (s) return s;
  const refine: Record<string, (schema: any) => any> = {};
  for (const f of spec.byKey.values()) {
    const b = f.bounds;
    if ((f.kind !== "integer" && f.kind !== "real") || (b.min === undefined && b.max === undefined)) continue;
    refine[f.key] = (schema: z.ZodNumber) => {
      let out = schema;
      if (b.min !== undefined) out = b.minExclusive ? out.gt(b.min) : out.gte(b.min);
      if (b.max !== undefined) out = b.maxExclusive ? out.lt(b.max) : out.lte(b.max);
      return out;
    };
  }
  const table = spec.admin.table;
  const pick = (mode: "add" | "change") => Object.fromEntries(writableFields(spec, mode).map((f) => [f.key, true as const]));
  s = {
    add: (createInsertSchema(table, refine as never) as unknown as AnyObject).pick(pick("add")),
    change: (createUpdateSchema(table, refine as never) as unknown as AnyObject).pick(pick("change")),
  };
  schemas.set(spec, s);
  return s;
}

/** The last value of a possibly repeated form name. */
function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** A zod issue in the words of Django's form errors. */
function message(f: FormField | undefined, issue: z.core.$ZodIssue, input: unknown): string {
  // a bound of a typed field reads in its unit: "0.00", not cents
  const unit = (n: unknown) => (f?.type && f.type.type !== "boolean" ? typedInput(f.type, Number(n), undefined, f.display) : String(n));
  switch (issue.code) {
    case "invalid_value":
      return `Select a valid choice. ${String(input)} is not one of the available choices.`;
    case "too_small":
      if (issue.origin === "number") {
        return issue.inclusive ? `Ensure this value is greater than or equal to ${unit(issue.minimum)}.` : `Ensure this value is greater than ${unit(issue.minimum)}.`;
      }
      return issue.origin === "string" ? `Ensure this value has at least ${issue.minimum} characters.` : "Enter a valid value.";
    case "too_big":
      if (issue.origin === "number") {
        return issue.inclusive ? `Ensure this value is less than or equal to ${unit(issue.maximum)}.` : `Ensure this value is less than ${unit(issue.maximum)}.`;
      }
      return issue.origin === "string" ? `Ensure this value has at most ${issue.maximum} characters.` : "Enter a valid value.";
    case "invalid_type":
      if (input === undefined || input === null) return REQUIRED;
      if (f?.kind === "integer") return "Enter a whole number.";
      if (f?.kind === "real") return "Enter a number.";
      return "Enter a valid value.";
    default:
      return "Enter a valid value.";
  }
}

/**
 * Validates the browser's form values for `mode`. Only writable fields are read; everything
 * else in `input` (readonly fields, the primary key, unknown names) is ignored.
 *
 * On the change form, a field missing from `input` keeps its current value (a partial
 * payload never blanks a column), except checkboxes, which browsers leave out when unchecked.
 * A field whose string is what the form showed for the current value keeps that value
 * exactly (no spurious change from rounding, e.g. milliseconds of a timestamp).
 *
 * @param current - the row being changed (change form)
 */
/** The row a typed field reads its currency from: the submitted values over the stored row. */
function rowOf(input: FormInput, current: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(input)) {
    const s = single(v);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

export function validateForm(spec: FormSpec, mode: "add" | "change", input: FormInput, current?: Record<string, unknown>): Validated {
  const data: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  const row = rowOf(input, current);
  for (const f of writableFields(spec, mode)) {
    const raw = single(input[f.key]);
    if (current && mode === "change") {
      if (raw === undefined && f.kind !== "boolean") {
        data[f.key] = current[f.key];
        continue;
      }
      if (raw !== undefined && raw === toFormValue(f, current[f.key], current)) {
        data[f.key] = current[f.key];
        continue;
      }
    }
    const c = fromFormValue(f, raw, mode, row);
    if (!c.ok) errors[f.key] = [c.error];
    else if (!("omit" in c)) data[f.key] = c.value;
  }
  const schema = formSchemas(spec)[mode];
  // only fields read without error go to the schema; fields with errors are refused already
  const checked = schema.safeParse(data);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const key = String(issue.path[0] ?? "");
      if (!key || errors[key]) continue;
      const f = spec.byKey.get(key);
      // a required field the reading step omitted (empty, with an error already) is not reported twice
      errors[key] = [message(f, issue, data[key])];
      delete data[key];
    }
  }
  for (const key of Object.keys(errors)) delete data[key];
  return { data, errors };
}

/** Which button submitted the form (Django's `_save`, `_continue`, `_addanother`). */
export function submitAction(p: FormInput): "save" | "continue" | "addanother" {
  if (p._continue !== undefined) return "continue";
  if (p._addanother !== undefined) return "addanother";
  return "save";
}
