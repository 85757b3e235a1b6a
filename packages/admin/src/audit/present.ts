/**
 * Audit entries as the history pages show them: when, who, what, and each changed field
 * with its label and before → after text.
 */
import type { SessionUser } from "../auth/index.js";
import { formSpec } from "../changeform/fields.js";
import { displayValue } from "../changeform/present.js";
import type { ModelAdmin } from "../model/model-admin.js";
import { humanize } from "../query/names.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { AuditEntry } from "../auditlog/query.js";
import { formatInZone } from "../query/time-zone.js";

/** One changed field. */
export interface ChangeView {
  label: string;
  before: string;
  after: string;
}

/** One entry, ready for a template. */
export interface EntryView {
  id: number;
  /** ISO time (for `<time datetime>`) and its text in the site's time zone */
  iso: string;
  when: string;
  user: string;
  /** the user's timeline, when the viewer may see it */
  userUrl: string | null;
  action: AuditEntry["action"];
  /** "Added", "Changed", "Deleted" */
  actionLabel: string;
  /** the model's verbose name, e.g. "Order" (or the stored `app.name`) */
  modelLabel: string;
  objectRepr: string;
  /** the object's page (change form, or history once deleted), when the viewer may see it */
  objectUrl: string | null;
  changes: ChangeView[];
  /** "No fields changed." for a change entry without changes */
  summary: string;
}

const ACTIONS = { add: "Added", change: "Changed", delete: "Deleted" } as const;

/** The ModelAdmin of an entry's `app.name`, if still registered. */
export function adminOf(site: AdminSiteLike, model: string): ModelAdmin<any, any> | undefined {
  const [app, name] = model.split(".");
  return app && name ? site.get(app, name) : undefined;
}

/** Presents `entry` for `viewer`. */
export function presentEntry(site: AdminSiteLike, entry: AuditEntry, viewer: SessionUser): EntryView {
  const admin = adminOf(site, entry.model);
  const spec = admin ? formSpec(site, admin) : undefined;
  const changes = Object.entries(entry.changes).map(([key, [before, after]]) => {
    const f = spec?.byKey.get(key);
    const label = f?.label ?? humanize(key);
    return { label, before: displayValue(f, before), after: displayValue(f, after) };
  });
  const canSeeUser = entry.userId !== null && (viewer.isSuperuser || viewer.id === entry.userId);
  let objectUrl: string | null = null;
  if (admin?.has(viewer, "view")) objectUrl = admin.objectUrl(entry.objectId, entry.action === "delete" ? "history" : "change");
  return {
    id: entry.id,
    iso: entry.at.toISOString(),
    when: formatInZone(entry.at, site.display.timeZone, true),
    user: entry.username ?? (entry.userId === null ? "system" : `user #${entry.userId}`),
    userUrl: canSeeUser ? `${site.prefix}/history/user/${entry.userId}/` : null,
    action: entry.action,
    actionLabel: ACTIONS[entry.action] ?? entry.action,
    modelLabel: admin?.verboseName ?? entry.model,
    objectRepr: entry.objectRepr,
    objectUrl,
    changes,
    summary: entry.action === "change" && changes.length === 0 ? "No fields changed." : "",
  };
}
