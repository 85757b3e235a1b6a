import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { CheckMessage } from "./index.js";

/** What the view-count check needs of a dashboard widget (the dashboard's `RegisteredWidget`). */
export interface WidgetPlacement {
  readonly key: string;
  readonly onDashboard: boolean;
  readonly group: string | null;
  readonly app: string | null;
}

/** Views of every admin page besides its widgets: the page's own view, the shell's health banner and its job bell. */
export const PAGE_VIEWS = 3;

/**
 * `weft.W002`: the pages whose views could pass what one socket may join (weft's
 * `maxViewsPerSocket`, or `maxViewsPerSession` when lower), counted for a superuser (who sees
 * every widget): the main dashboard (widgets on the dashboard), each group and app page, each
 * change list (`changeListWidgets`) and change form (`changeFormWidgets`), each with
 * {@link PAGE_VIEWS} more. Past the limit, the joins beyond it are refused (`too_many_views`)
 * and those widgets stay frozen at their first render.
 *
 * @param site - the admin site
 * @param widgets - the dashboard's widgets
 * @param maxViews - the views one page may join (≥ 1)
 * @returns one warning per page over the limit
 */
export function viewsPerPageWarnings(site: AdminSiteLike, widgets: readonly WidgetPlacement[], maxViews: number): CheckMessage[] {
  const pages: Array<{ page: string; obj: string | null; widgets: number; option: string }> = [];
  const count = (pred: (w: WidgetPlacement) => boolean) => widgets.filter(pred).length;
  pages.push({ page: "the main dashboard", obj: null, widgets: count((w) => w.onDashboard), option: "dashboard widgets (onDashboard)" });
  for (const g of new Set(widgets.flatMap((w) => (w.group ? [w.group] : [])))) {
    pages.push({ page: `the dashboard group page "${g}"`, obj: null, widgets: count((w) => w.group === g), option: `dashboard widgets of group "${g}"` });
  }
  for (const a of new Set(widgets.flatMap((w) => (w.app ? [w.app] : [])))) {
    pages.push({ page: `the app page "${a}"`, obj: null, widgets: count((w) => w.app === a), option: `dashboard widgets of app "${a}"` });
  }
  for (const admin of site.all() as ModelAdmin<any, any>[]) {
    const obj = `ModelAdmin(${admin.app}.${admin.name})`;
    pages.push({ page: `the change list of ${obj}`, obj, widgets: admin.options.changeListWidgets?.length ?? 0, option: "changeListWidgets" });
    pages.push({ page: `the change form of ${obj}`, obj, widgets: admin.options.changeFormWidgets?.length ?? 0, option: "changeFormWidgets" });
  }
  return pages
    .filter((p) => p.widgets + PAGE_VIEWS > maxViews)
    .map((p) => ({
      id: "weft.W002",
      level: "warning",
      obj: p.obj,
      message: `${p.page} has ${p.widgets + PAGE_VIEWS} live views (${p.widgets} ${p.option} + ${PAGE_VIEWS}), more than the ${maxViews} one socket may join: the ones past ${maxViews} stay frozen at their first render.`,
      hint: "Split the widgets over groups or pages, or raise weft's `limits.maxViewsPerSocket` and `limits.maxViewsPerSession` (default 64).",
    }));
}
