/**
 * The change form's save, as one outcome for its view (changeform/view.ts): the object written
 * with its inlines and audit entry in one transaction on the site's writer (persist.ts), or why
 * nothing was written — a newer version (optimistic concurrency), inline rows changed meanwhile,
 * a database constraint, or the object gone.
 */
import type { SessionUser } from "../auth/index.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { StaleObjectError } from "./concurrency.js";
import { describeDbError } from "./db-errors.js";
import type { FormSpec } from "./fields.js";
import { InlineRowGoneError } from "./inline-persist.js";
import { insertObject, updateObject, type AlsoWrite, type Written } from "./persist.js";
import type { FieldErrors } from "./schema.js";

/** What a save came to: written, refused as stale (`current`: the row now), or a message for the form (and fields). */
export type WriteOutcome = { written: Written } | { stale: StaleObjectError } | { formError: string; fieldErrors?: FieldErrors };

/**
 * Inserts (`id` undefined: the add form) or updates object `id` with `data` and the inlines'
 * writes `also`, within the admin's `getQueryset(user)`.
 * @param expected - the version the user saw (optimistic concurrency), or undefined: not checked
 * @throws whatever the write threw that is none of the outcomes above
 */
export async function writeForm(site: AdminSiteLike, admin: ModelAdmin<any, any>, spec: FormSpec, user: SessionUser, id: unknown, data: Record<string, unknown>, expected: string | undefined, also: AlsoWrite): Promise<WriteOutcome> {
  const ctx = { db: site.db, spec, userId: user.id, user, scope: admin.options.getQueryset?.(user) };
  let written: Written | undefined;
  try {
    written = id === undefined ? await insertObject(ctx, data, also) : await updateObject(ctx, id, data, expected, also);
  } catch (err) {
    if (err instanceof StaleObjectError) return { stale: err };
    if (err instanceof InlineRowGoneError) return { formError: `${err.is.admin.verboseName} rows changed meanwhile; nothing was saved. Reload the page to see them.` };
    const failure = describeDbError(err, spec, "save");
    if (!failure) throw err;
    return { formError: failure.message, fieldErrors: failure.fieldErrors };
  }
  if (!written) return { formError: `This ${admin.verboseName.toLowerCase()} no longer exists; it may have been deleted.` };
  return { written };
}
