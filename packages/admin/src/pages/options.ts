/**
 * The options of `site.page(path, View, options)` and their checks: every mistake is a
 * {@link WeftAdminError} at start-up (`WEFT_ADMIN_ERR_PAGE_PATH`, `WEFT_ADMIN_ERR_PAGE_OPTIONS`),
 * never a broken page later.
 */
import { checkPermission } from "../auth/index.js";
import { isLiveViewClass } from "../checks/index.js";
import { adminError } from "../errors.js";

/** Where a page's entry sits in the sidebar. */
export interface PageNavOptions {
  /** the sidebar section's heading (e.g. "Reports"); without one, the entry sits under "Dashboard" */
  group?: string;
  /** position within its section, lower first (default 50, as dashboard widgets); ties keep registration order */
  order?: number;
}

/** Options of `site.page(path, View, options)`. */
export interface AdminPageOptions {
  /** the page's heading in the breadcrumbs, its sidebar label and `<title>` (1-100 characters) */
  title: string;
  /** the sidebar entry's icon: inline SVG markup (trusted, as a ModelAdmin's `icon`) */
  icon?: string;
  /** the sidebar entry; `false`: no entry (the page is reached by links only). Default `{}` */
  nav?: PageNavOptions | false;
  /**
   * permission strings (`app.codename`) a staff user needs, all of them, to see the entry, render
   * the page and join it (as Django's `permission_required`); default: any staff user
   */
  permissionRequired?: string | readonly string[];
}

/** A checked page option set, with its path below the prefix. */
export interface ResolvedPage {
  /** below the prefix, no leading slash, ending with one: `reports/sales/` */
  path: string;
  title: string;
  icon?: string;
  /** null: no sidebar entry */
  nav: { group: string | null; order: number } | null;
  permissions: string[];
  /** registration order, for ties */
  seq: number;
}

const PATH = /^([a-z0-9][a-z0-9_-]{0,63}\/){1,4}$/;
const KEYS = new Set(["title", "icon", "nav", "permissionRequired"]);
const NAV_KEYS = new Set(["group", "order"]);
/** first path segments the admin serves itself */
export const RESERVED_SEGMENTS: readonly string[] = ["login", "logout", "api", "jobs", "history", "dashboard", "password_change", "assets", "live"];

const bad = (msg: string) => adminError("WEFT_ADMIN_ERR_PAGE_OPTIONS", `weft admin: site.page: ${msg}`);

/**
 * Checks a page path: 1-4 lower-case segments, each ending with "/" (`reports/sales/`); one
 * leading "/" is dropped. The first segment must not be one of the admin's own URLs.
 * @returns the path without a leading slash
 * @throws WeftAdminError `WEFT_ADMIN_ERR_PAGE_PATH`
 */
export function checkPagePath(path: unknown): string {
  const p = typeof path === "string" ? path.replace(/^\//, "") : "";
  if (!PATH.test(p)) {
    throw adminError("WEFT_ADMIN_ERR_PAGE_PATH", `weft admin: site.page path "${String(path)}" must be 1-4 lower-case segments of letters, digits, "-" or "_", each ending with "/", e.g. "reports/sales/"`);
  }
  const first = p.slice(0, p.indexOf("/"));
  if (RESERVED_SEGMENTS.includes(first)) {
    throw adminError("WEFT_ADMIN_ERR_PAGE_PATH", `weft admin: site.page path "${p}" starts with "${first}/", which the admin serves itself: choose another first segment`);
  }
  return p;
}

/**
 * Checks `View` and the options of `site.page`.
 * @returns the resolved options (without path and seq)
 * @throws WeftAdminError `WEFT_ADMIN_ERR_PAGE_OPTIONS` for a View that is not a LiveView class,
 *   an unknown option, an empty or over-long title, a malformed nav, icon or permission
 */
export function resolvePageOptions(View: unknown, opts: unknown): Omit<ResolvedPage, "path" | "seq"> {
  if (!isLiveViewClass(View)) throw bad(`the view must be a LiveView class (a subclass of LiveView with mount), got ${typeof View === "function" ? View.name || "a function" : typeof View}`);
  if (!opts || typeof opts !== "object") throw bad("options { title, icon?, nav?, permissionRequired? } are required");
  const o = opts as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw bad(`unknown option "${k}" (expected title, icon, nav, permissionRequired)`);
  const title = typeof o.title === "string" ? o.title.trim() : "";
  if (!title || title.length > 100) throw bad("title must be 1-100 characters");
  if (o.icon !== undefined && (typeof o.icon !== "string" || o.icon.length > 4096)) throw bad("icon must be inline SVG markup of at most 4,096 characters");
  let nav: ResolvedPage["nav"] = { group: null, order: 50 };
  if (o.nav === false) nav = null;
  else if (o.nav !== undefined) {
    if (!o.nav || typeof o.nav !== "object") throw bad("nav must be { group?, order? } or false");
    const n = o.nav as Record<string, unknown>;
    for (const k of Object.keys(n)) if (!NAV_KEYS.has(k)) throw bad(`unknown nav option "${k}" (expected group, order)`);
    if (n.group !== undefined && (typeof n.group !== "string" || !n.group.trim() || n.group.length > 64)) throw bad("nav.group must be 1-64 characters");
    if (n.order !== undefined && (typeof n.order !== "number" || !Number.isFinite(n.order))) throw bad("nav.order must be a finite number");
    nav = { group: typeof n.group === "string" ? n.group.trim() : null, order: (n.order as number | undefined) ?? 50 };
  }
  const p = o.permissionRequired;
  const list = p === undefined ? [] : typeof p === "string" ? [p] : Array.isArray(p) ? [...p] : null;
  if (!list) throw bad("permissionRequired must be a permission string or an array of them");
  for (const perm of list) {
    try {
      checkPermission(perm);
    } catch {
      throw bad(`permissionRequired "${String(perm)}" is not an "app.codename" permission string`);
    }
  }
  return { title, ...(o.icon !== undefined ? { icon: o.icon as string } : {}), nav, permissions: list };
}
