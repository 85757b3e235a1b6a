/**
 * Small helpers shared by the object pages (change form, delete, history): the primary key
 * from the URL, the breadcrumbs and the page titles.
 */
import type { LiveRouteOptions } from "@weft/server";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { FormSpec } from "./fields.js";

/** One breadcrumb; the last has no URL. */
export interface Crumb {
  label: string;
  url: string | null;
}

/**
 * The primary key named by the URL, typed as the column stores it, or undefined when it
 * cannot be one (`abc` for an integer key): the page answers 404 then.
 */
export function parseObjectId(spec: FormSpec, raw: string | undefined): unknown {
  if (raw === undefined || raw === "" || raw.length > 200) return undefined;
  if (spec.pk.column.dataType === "number") {
    if (!/^-?\d{1,16}$/.test(raw)) return undefined;
    const n = Number(raw);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return raw;
}

/**
 * Home › App › Models › <object> › <last>, as Django's breadcrumbs.
 * @param at - the object (its id and label) and the last crumb's text; `last: null` ends at the object
 */
export function crumbsFor(site: AdminSiteLike, admin: ModelAdmin<any, any>, at: { objectId?: unknown; repr?: string; last: string | null }): Crumb[] {
  const app = admin.app.charAt(0).toUpperCase() + admin.app.slice(1);
  const out: Crumb[] = [
    { label: "Home", url: `${site.prefix}/` },
    { label: app, url: `${site.prefix}/${admin.app}/` },
    { label: admin.verboseNamePlural, url: admin.url },
  ];
  if (at.objectId !== undefined && at.repr !== undefined) out.push({ label: at.repr, url: at.last === null ? null : admin.objectUrl(at.objectId) });
  if (at.last !== null) out.push({ label: at.last, url: null });
  return out;
}

/** Route options whose page title is computed from the route params (on the HTTP render and on live navigation). */
export function titled(site: AdminSiteLike, ro: LiveRouteOptions, title: (admin: ModelAdmin<any, any> | undefined, params: Record<string, string>) => string): LiveRouteOptions {
  return { ...ro, title: (params) => title(site.get(params.app ?? "", params.model ?? ""), params) };
}

/** How a page title names the model of the URL: its verbose name in lower case ("order"), or "object". */
export function objectName(admin: ModelAdmin<any, any> | undefined): string {
  return admin?.verboseName.toLowerCase() ?? "object";
}
