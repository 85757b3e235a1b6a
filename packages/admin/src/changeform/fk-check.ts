/**
 * The server's check of a foreign key a form writes, as Django's `ModelChoiceField` checks
 * that the chosen object is in the field's queryset: the related row must exist and be visible
 * to the user through the related ModelAdmin's `getQueryset(user)`. A crafted key (a row that
 * does not exist, or one outside the user's scope) is a field error, never a write. Used where
 * foreign keys are written outside the change form's own save: the change list's
 * `listEditable` cells (changelist/list-editable-save.ts) and the inlines' rows (formset.ts).
 * The check is the user's read (`site.readsFor(user)`: off the event loop, under the site's
 * budget, charged to their share); past the budget the key is not written either: its field gets
 * {@link CHECK_TOO_SLOW}.
 */
import { and, eq } from "drizzle-orm";
import type { SessionUser } from "../auth/index.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { qb } from "../query/dialect/index.js";
import type { FormField } from "./fields.js";
import type { FieldErrors } from "./schema.js";
import { CHECK_TOO_SLOW, stoppedRead } from "../query/index.js";

/** Django's message for a key that is not among the field's choices. */
export const INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices.";

/**
 * Whether the related row `value` of `f` exists and lies in the related admin's `getQueryset(user)` (one statement).
 * @throws QueryTimeoutError (`WEFT_ADMIN_ERR_QUERY_TIMEOUT`) when the statement outlived the site's budget
 */
export async function relatedVisible(site: AdminSiteLike, f: FormField, user: SessionUser, value: unknown): Promise<boolean> {
  const fk = f.fk;
  if (!fk) return false;
  const hit = eq(fk.references, value);
  const scope = fk.admin?.options.getQueryset?.(user);
  const rows = await qb(site.readsFor(user)).select({ v: fk.references }).from(fk.table).where(scope ? and(hit, scope) : hit).limit(1);
  return rows.length > 0;
}

/**
 * {@link INVALID_CHOICE} for each foreign key of `fields` whose value in `data` changed from
 * `before` (a new row: every set key) and is not a visible related row. A key left as stored is
 * not checked again (the user may keep a row outside their scope they did not choose). A check
 * that outlived the site's budget is {@link CHECK_TOO_SLOW} (logged).
 * @returns errors by field key, to merge with the form's
 */
export async function foreignKeyErrors(site: AdminSiteLike, user: SessionUser, fields: readonly FormField[], data: Record<string, unknown>, before: Record<string, unknown> | undefined): Promise<FieldErrors> {
  const out: FieldErrors = {};
  for (const f of fields) {
    if (f.kind !== "foreignKey" || !(f.key in data)) continue;
    const v = data[f.key];
    if (v === null || v === undefined || (before && String(before[f.key]) === String(v))) continue;
    try {
      if (!(await relatedVisible(site, f, user, v))) out[f.key] = [INVALID_CHOICE];
    } catch (err) {
      if (!stoppedRead(err, site, "a foreign key's check", user.id)) throw err;
      out[f.key] = [CHECK_TOO_SLOW];
    }
  }
  return out;
}
