/**
 * Saving the change list's `listEditable` formset, as Django's `changelist_view` saves
 * `list_editable`: every submitted row is checked (the change permission on that row, the
 * fields it may write), the changed rows are validated as their change form would validate
 * them (field parsing, the schema, `formfieldOverrides` validators, `clean`; a foreign key must
 * name a row the user may see: changeform/fk-check.ts), and only if every
 * row is valid are they written — all in ONE transaction, each through `saveModel` with its
 * "change" audit entry. Anything refused or invalid writes nothing.
 */
import { and, inArray } from "drizzle-orm";
import type { SessionUser } from "../auth/index.js";
import { describeDbError } from "../changeform/db-errors.js";
import { formSpecFor, runCleanHooks } from "../changeform/hooks.js";
import { updateRow, type Written } from "../changeform/persist.js";
import { validateForm, type FieldErrors } from "../changeform/schema.js";
import { sameValue } from "../changeform/coerce.js";
import { withReadonly, writableFields } from "../changeform/fields.js";
import { reprOf } from "../model/repr.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { dialectOf, qb } from "../query/dialect/index.js";
import { stoppedRead } from "../query/index.js";
import { foreignKeyErrors } from "../changeform/fk-check.js";
import { resolveSearches } from "./list-editable-fk.js";
import { listEditable, pkValue, type FormsetRow, type ListEdits } from "./list-editable.js";

type Row = Record<string, unknown>;

/** The outcome of a save: the written rows, or why nothing was written. */
export type SaveOutcome =
  | { ok: true; written: Written[] }
  /** `refused`: a forged or stale payload (a flash says why); `invalid`: errors are shown at the cells */
  | { ok: false; kind: "refused" | "invalid" | "database"; message: string };

/** The last string of a possibly repeated form name ("" when absent). */
export function single(v: string | string[] | undefined): string {
  return Array.isArray(v) ? (v[v.length - 1] ?? "") : (v ?? "");
}

/** A row disappeared between the checks and the write: the transaction rolls back. */
class RowGone extends Error {}

/**
 * Validates and saves `rows` (a parsed formset). On invalid rows, `edits` gets their errors and
 * their strings (so the inputs keep what the user typed); on success its errors are cleared.
 */
export async function saveFormset(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser, rows: readonly FormsetRow[], edits: ListEdits): Promise<SaveOutcome> {
  const verbose = admin.verboseName.toLowerCase();
  const config = site.query(admin).config;
  const scope = admin.options.getQueryset?.(user);
  if (!admin.has(user, "change")) return { ok: false, kind: "refused", message: `You don't have permission to change ${admin.verboseNamePlural.toLowerCase()}; nothing was saved.` };
  if (rows.length === 0) return { ok: true, written: [] };
  const ids = rows.map((r) => pkValue(admin, site, r.pk));
  const where = inArray(config.pk.column, ids);
  let stored: Row[];
  try {
    // the user's read (off the event loop, under the budget, charged to their share); the
    // transaction below reads each row again before writing it
    stored = (await qb(site.readsFor(user)).select().from(admin.table).where(scope ? and(where, scope) : where)) as Row[];
  } catch (err) {
    if (!stoppedRead(err, site, "the rows of a list save", user.id)) throw err;
    return { ok: false, kind: "refused", message: `The ${admin.verboseNamePlural.toLowerCase()} could not be read in time; nothing was saved. Try again.` };
  }
  const byPk = new Map(stored.map((r) => [String(r[config.pk.key]), r]));

  const changed: Array<{ id: unknown; data: Row }> = [];
  const fieldErrors = new Map<string, FieldErrors>();
  const rowErrors = new Map<string, string[]>();
  /** rows the user changed (valid or not): their inputs keep the user's strings when the save is refused */
  const touched = new Map<string, Record<string, string>>();
  for (const r of rows) {
    const before = byPk.get(r.pk);
    if (!before) return { ok: false, kind: "refused", message: `The ${verbose} ${r.pk} no longer exists (or is outside your list); nothing was saved. Reload the page.` };
    const repr = reprOf(admin, before);
    if (!admin.has(user, "change", before)) return { ok: false, kind: "refused", message: `You don't have permission to change the ${verbose} “${repr}”; nothing was saved.` };
    const spec = formSpecFor(site, admin, user, before);
    for (const key of Object.keys(r.values)) {
      const f = spec.byKey.get(key);
      if (!f || f.readonly) return { ok: false, kind: "refused", message: `The field “${f?.label ?? key}” of the ${verbose} “${repr}” is read-only; nothing was saved.` };
    }
    // the row's form: only its listEditable fields are written (the others are read-only here)
    const keep = new Set(listEditable(admin, site));
    const rowSpec = withReadonly(spec, writableFields(spec, "change").filter((f) => !keep.has(f.key)).map((f) => f.key));
    const fields = writableFields(rowSpec, "change");
    if (fields.length === 0) continue;
    // a combobox's text typed but not picked (no JavaScript, or Save mid-search) names its row
    const values = { ...r.values };
    const typedErrors = await resolveSearches(site, user, fields, r.search, values);
    const { data, errors } = validateForm(rowSpec, "change", values, before);
    Object.assign(errors, typedErrors);
    const differs = fields.some((f) => f.key in data && !sameValue(data[f.key], before[f.key]));
    // as Django's formset: a row the user did not change is neither validated nor saved
    if (!differs && Object.keys(errors).length === 0) continue;
    // a changed foreign key must name a row the user may see (the related admin's getQueryset)
    for (const [k, e] of Object.entries(await foreignKeyErrors(site, user, fields, data, before))) errors[k] ??= e;
    // an unchecked box is absent from a form's values: its string is ""
    touched.set(r.pk, Object.fromEntries(fields.map((f) => [f.key, single(values[f.key])])));
    const formErrors = await runCleanHooks(rowSpec, "change", user, before, data, errors);
    if (Object.keys(errors).length > 0) fieldErrors.set(r.pk, errors);
    if (formErrors.length > 0) rowErrors.set(r.pk, formErrors);
    if (Object.keys(errors).length === 0 && formErrors.length === 0) changed.push({ id: before[config.pk.key], data });
  }

  edits.errors.clear();
  edits.rowErrors.clear();
  if (fieldErrors.size > 0 || rowErrors.size > 0) {
    for (const [pk, e] of fieldErrors) edits.errors.set(pk, e);
    for (const [pk, e] of rowErrors) edits.rowErrors.set(pk, e);
    // the inputs keep what the user typed, valid or not
    for (const [pk, strings] of touched) edits.values.set(pk, strings);
    const n = fieldErrors.size + rowErrors.size;
    return { ok: false, kind: "invalid", message: n === 1 ? "Please correct the error below; nothing was saved." : "Please correct the errors below; nothing was saved." };
  }
  if (changed.length === 0) return { ok: true, written: [] };

  const spec = formSpecFor(site, admin, user, undefined);
  const ctx = { db: site.db, spec, userId: user.id, user, scope };
  try {
    const written = await dialectOf(site.db).transaction(site.db, async (tx) => {
      const out: Written[] = [];
      for (const c of changed) {
        const w = await updateRow(tx, ctx, c.id, c.data);
        if (!w) throw new RowGone();
        out.push(w);
      }
      return out;
    });
    return { ok: true, written };
  } catch (err) {
    if (err instanceof RowGone) return { ok: false, kind: "refused", message: `A ${verbose} was deleted meanwhile; nothing was saved. Reload the page.` };
    const failure = describeDbError(err, spec, "save");
    if (!failure) throw err;
    return { ok: false, kind: "database", message: `${failure.message} Nothing was saved.` };
  }
}
