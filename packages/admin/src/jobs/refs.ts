/**
 * Names and URLs of the jobs progress actions start: a job's `action` is the qualified name
 * `<app>.<model>.<action>`, so its page can name the action and link back to the change list
 * on any worker.
 */
import type { AdminAction } from "../model/actions.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { progressActionsOf } from "./csv/export.js";

/** The `action` stored on a job: `<app>.<model>.<action name>`, e.g. `shop.order.refund_selected`. */
export function jobActionRef(admin: ModelAdmin<any, any>, name: string): string {
  return `${admin.app}.${admin.name}.${name}`;
}

/** The admin and action a job's `action` names, when they are (still) registered. */
export function resolveJobAction(site: AdminSiteLike, ref: string): { admin: ModelAdmin<any, any>; action: AdminAction | undefined } | undefined {
  const [app, model, name] = ref.split(".");
  if (!app || !model || !name) return undefined;
  const admin = site.get(app, model);
  if (!admin) return undefined;
  return { admin, action: progressActionsOf(admin).find((a) => a.name === name) };
}

/** Labels of the admin's built-in progress actions (not in a ModelAdmin's `actions`), by name. */
export const BUILTIN_JOB_LABELS: Readonly<Record<string, string>> = { export_csv: "Export selected as CSV", import_csv: "Import CSV" };

/** A job's progress page: `<prefix>/jobs/<id>/`. */
export function jobUrl(site: Pick<AdminSiteLike, "prefix">, id: string): string {
  return `${site.prefix}/jobs/${encodeURIComponent(id)}/`;
}

/** An export job's file: `<prefix>/jobs/<id>/download` (the owner or a superuser only). */
export function jobDownloadUrl(site: Pick<AdminSiteLike, "prefix">, id: string): string {
  return `${jobUrl(site, id)}download`;
}

/** The "My jobs" page: `<prefix>/jobs/`. */
export function jobsUrl(site: Pick<AdminSiteLike, "prefix">): string {
  return `${site.prefix}/jobs/`;
}

/** The "All jobs" page (superusers): `<prefix>/jobs/all/`. */
export function allJobsUrl(site: Pick<AdminSiteLike, "prefix">): string {
  return `${site.prefix}/jobs/all/`;
}
