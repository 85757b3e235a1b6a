/**
 * The success message after a redirect. Weft's flash lives in one view and does not survive
 * a redirect, so after "Save" the form redirects to `<change list>?saved=<id>` (after a delete:
 * `?deleted=<id>`; after "Save and add another": `<add page>?saved=<id>`), and the page shown
 * next calls {@link savedNotice} to phrase Django's message from the audit log:
 * "The order “ORD-000123” was changed successfully." The message is only shown to the user
 * who made that entry, within {@link NOTICE_WINDOW_MS}: a crafted link shows nothing. After the
 * change list's `listEditable` formset saved without JavaScript: `<list>?changed=<n>.<last id>`,
 * "3 orders were changed successfully." (Django's), shown when the user's latest entry for that
 * last row is a change.
 */
import type { SessionUser } from "../auth/index.js";
import { latestEntry } from "../auditlog/query.js";
import type { DbOrTx } from "../query/dialect/index.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { stoppedRead } from "../query/index.js";

/** How long after the write the notice is shown. */
export const NOTICE_WINDOW_MS = 10 * 60_000;

/** The query parameters the notice reads; a change list should ignore them when parsing its state. */
export const NOTICE_PARAMS = ["saved", "deleted", "changed"] as const;

const PAST = { add: "added", change: "changed", delete: "deleted" } as const;

/**
 * The success message for `params.saved` / `params.deleted`, or null.
 * @param params - the page's query parameters
 * @param suffix - appended, e.g. " You may edit it again below."
 */
export async function savedNotice(db: DbOrTx, admin: ModelAdmin<any, any>, user: SessionUser | null, params: Record<string, string | undefined>, suffix = ""): Promise<string | null> {
  const many = /^([1-9][0-9]{0,4})\.(.{1,100})$/.exec(params.changed ?? "");
  if (many && user) {
    const e = await latestEntry(db, `${admin.app}.${admin.name}`, many[2]!, user.id, new Date(Date.now() - NOTICE_WINDOW_MS));
    return e?.action === "change" ? changedMessage(admin, Number(many[1])) : null;
  }
  const id = params.deleted ?? params.saved;
  if (!user || !id || id.length > 100) return null;
  const e = await latestEntry(db, `${admin.app}.${admin.name}`, id, user.id, new Date(Date.now() - NOTICE_WINDOW_MS));
  if (!e) return null;
  if (params.deleted !== undefined ? e.action !== "delete" : e.action === "delete") return null;
  return `The ${admin.verboseName.toLowerCase()} “${e.objectRepr}” was ${PAST[e.action]} successfully.${suffix}`;
}

/** Django's message after a `list_editable` save: "3 orders were changed successfully." */
export function changedMessage(admin: ModelAdmin<any, any>, n: number): string {
  const what = n === 1 ? admin.verboseName.toLowerCase() : admin.verboseNamePlural.toLowerCase();
  return `${n.toLocaleString("en-US")} ${what} ${n === 1 ? "was" : "were"} changed successfully.`;
}

/**
 * {@link savedNotice} read through the user's reads (`site.readsFor(user)`: off the event loop,
 * under the site's budget, charged to their share); past the budget no notice (logged) — the
 * page itself is shown as without one. A page shown after a save reads the entry that save
 * committed (SQLite's readers start a new read in WAL mode; PostgreSQL's pool sees commits).
 */
export async function userNotice(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser, params: Record<string, string | undefined>, suffix = ""): Promise<string | null> {
  try {
    return await savedNotice(site.readsFor(user), admin, user, params, suffix);
  } catch (err) {
    if (!stoppedRead(err, site, "the saved notice", user.id)) throw err;
    return null;
  }
}
