/**
 * Optimistic concurrency for the change form: a save over a newer version of the object is
 * refused, with the other person's changes shown, instead of the last save silently winning
 * (as Rails' `lock_version` / Django's django-concurrency). The version of a row is its
 * `version` column when the model declares one (bumped by every save), else a digest of every
 * column's value as loaded (so any write, whoever made it, counts, `updatedAt` included).
 */
import { createHash } from "node:crypto";
import type { AuditChanges } from "../auditlog/record.js";
import { sameValue } from "./coerce.js";
import type { FormSpec } from "./fields.js";
import { objectHistory, type AuditEntry } from "../auditlog/query.js";
import type { SessionUser } from "../auth/index.js";
import { stoppedRead } from "../query/index.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";

type Row = Record<string, unknown>;

/** The column key a model declares for versions. */
export const VERSION_COLUMN = "version";

/** The hidden form field carrying the version the form was shown with (for saves without JavaScript). */
export const VERSION_FIELD = "_version";

/** Whether the model declares an integer `version` column. */
export function hasVersionColumn(spec: FormSpec): boolean {
  return VERSION_COLUMN in spec.columns;
}

/**
 * The version token of a row: its `version` as text, or a 22-character digest of every
 * column's value (keys sorted; dates as epoch ms).
 */
export function versionOf(spec: FormSpec, row: Row): string {
  if (hasVersionColumn(spec)) return String(row[VERSION_COLUMN] ?? "");
  const norm = Object.keys(spec.columns)
    .sort()
    .map((k) => {
      const v = row[k];
      return [k, v instanceof Date ? v.getTime() : typeof v === "bigint" ? String(v) : (v ?? null)];
    });
  return createHash("sha256").update(JSON.stringify(norm)).digest("base64url").slice(0, 22);
}

/**
 * A save refused because the object changed since the form was loaded. `current` is the row
 * as it is now (the form then compares with it, so saving again goes through).
 */
export class StaleObjectError extends Error {
  readonly code = "WEFT_ADMIN_ERR_STALE_OBJECT";
  constructor(readonly current: Row) {
    super("weft admin: the object changed since the form was loaded");
    this.name = "StaleObjectError";
  }
}

/**
 * Checks, inside the save's transaction, that `before` (the row now) still has the version
 * the form was loaded with.
 *
 * @param spec - the form's spec
 * @param before - the row as read in the save's transaction
 * @param expected - the version token the form was shown with
 * @throws StaleObjectError when they differ
 */
export function checkVersion(spec: FormSpec, before: Row, expected: string): void {
  if (versionOf(spec, before) !== expected) throw new StaleObjectError(before);
}

/** The `version` column's next value for a save of `before` (models with a version column only). */
export function nextVersion(spec: FormSpec, before: Row): Row {
  if (!hasVersionColumn(spec)) return {};
  return { [VERSION_COLUMN]: Number(before[VERSION_COLUMN] ?? 0) + 1 };
}

/**
 * "total 82245 → 90000; status paid → shipped": what changed between the row as loaded and the
 * row now, by field label (the version column left out).
 *
 * @param spec - the form's spec (labels)
 * @param changes - `[before, after]` per column key (diffRows)
 * @returns the changes in words, or "" when none is visible
 */
export function describeChanges(spec: FormSpec, changes: AuditChanges): string {
  const label = (k: string) => spec.byKey.get(k)?.label.toLowerCase() ?? k;
  const show = (v: unknown) => (v === null || v === undefined || v === "" ? "—" : v instanceof Date ? v.toISOString().slice(0, 16).replace("T", " ") : String(v).slice(0, 60));
  return Object.entries(changes)
    .filter(([k, [b, a]]) => k !== VERSION_COLUMN && !sameValue(b, a))
    .map(([k, [b, a]]) => `${label(k)} ${show(b)} → ${show(a)}`)
    .join("; ");
}

/**
 * The message of a save refused by optimistic concurrency: who saved last and when (from the
 * audit log) and what they changed since this form was loaded, e.g. "manager saved this order
 * at 14:02 UTC: total 82245 → 90000. Review and save again." The entry is read through the
 * user's reads; when that outlives the site's budget the message says "Someone else".
 */
export async function staleMessage(view: { site: AdminSiteLike; user: SessionUser }, admin: ModelAdmin<any, any>, model: string, id: unknown, changed: string, since: number): Promise<string> {
  // the last audit entry names the other save only if it came after this form loaded (a write
  // outside the admin leaves none); the user's read, and past the budget the message names no one
  let entries: AuditEntry[] = [];
  try {
    entries = await objectHistory(view.site.readsFor(view.user), model, String(id), 1);
  } catch (err) {
    if (!stoppedRead(err, view.site, "the last save's entry", view.user.id)) throw err;
  }
  const [last] = entries.filter((e) => e.at.getTime() >= since - 1000);
  const who = last ? (last.username ?? "Someone else") : "Someone else";
  const when = last ? ` at ${last.at.toISOString().slice(11, 16)} UTC` : "";
  return `${who} saved this ${admin.verboseName.toLowerCase()}${when}${changed ? `: ${changed}` : " since you opened it"}. Review and save again.`;
}
