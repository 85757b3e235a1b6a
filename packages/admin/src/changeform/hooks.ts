/**
 * Runs the ModelAdmin's form hooks for the change form (model/form-hooks.ts): the effective
 * form spec (`getReadonlyFields`), and the per-field validators and `clean` over validated values.
 */
import type { SessionUser } from "../auth/index.js";
import { formSpec, withReadonly, writableFields, type FormSpec } from "./fields.js";
import type { FieldErrors } from "./schema.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { ModelAdmin } from "../model/model-admin.js";

type Row = Record<string, unknown>;

/** The form of `admin` for `user` on `obj` (undefined: the add form): its `readonlyFields` plus `getReadonlyFields(user, obj)`. */
export function formSpecFor(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser, obj: Row | undefined): FormSpec {
  const base = formSpec(site, admin);
  const extra = admin.options.getReadonlyFields?.call(admin.options, user, obj ?? null) ?? [];
  return withReadonly(base, extra);
}

/**
 * Runs the `formfieldOverrides` validators of the writable fields without errors yet, then
 * `clean`, over `data` (the validated values) laid over `row` (the stored object). Adds the
 * field errors to `errors` (only for fields without errors; those are dropped from `data`).
 * @returns the form's (non-field) errors
 */
export async function runCleanHooks(spec: FormSpec, mode: "add" | "change", user: SessionUser, row: Row | undefined, data: Row, errors: FieldErrors): Promise<string[]> {
  const o = spec.admin.options;
  const values = { ...(row ?? {}), ...data };
  const add = (key: string, messages: readonly string[]) => {
    if (messages.length === 0) return;
    errors[key] = [...(errors[key] ?? []), ...messages];
    delete data[key];
  };
  for (const f of writableFields(spec, mode)) {
    const validators = o.formfieldOverrides?.[f.key]?.validators ?? [];
    if (errors[f.key] || !(f.key in data)) continue;
    add(f.key, validators.map((v) => v(data[f.key], values)).filter((m): m is string => typeof m === "string"));
  }
  if (!o.clean) return [];
  const result = (await o.clean.call(o, values, { user, obj: row ?? null, change: mode === "change" })) ?? {};
  const writable = new Set(writableFields(spec, mode).map((f) => f.key));
  const formErrors = [...(result.formErrors ?? [])];
  for (const [key, msg] of Object.entries(result.fieldErrors ?? {})) {
    const messages = Array.isArray(msg) ? msg : [msg];
    // an error on a field the form does not show as an input belongs to the whole form
    if (writable.has(key)) add(key, messages);
    else formErrors.push(...messages);
  }
  return formErrors;
}
