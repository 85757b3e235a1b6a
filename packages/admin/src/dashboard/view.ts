import { NotFoundError, type LiveViewClass, type Params } from "@weft/server";
import { humanizeGroup } from "./widget.js";
import type { DashboardSite } from "./dashboard-site.js";
import type { NavApp } from "../shell/nav.js";
import { AdminView } from "../shell/base.js";

/** A card slot of a dashboard page: which widget, how wide. */
export interface DashboardSlot {
  key: string;
  span: 1 | 2;
  /** the nested view class of its card ({@link DashboardRegistry.tileViewFor}) */
  tile: LiveViewClass;
}

/** What the dashboard template gets. */
export interface DashboardAssigns {
  heading: string;
  /** the cards, in order; each is a nested {@link DashboardAssigns.tile} view */
  widgets: DashboardSlot[];
  /** the app/model index below the cards (main and app pages) */
  apps: NavApp[];
  showApps: boolean;
  /** links to the group dashboards the user has widgets in (main page only) */
  groups: Array<{ name: string; label: string; url: string }>;
  prefix: string;
}

/**
 * The admin index, as Django's, with SmallStack's dashboard widgets above it as live cards:
 *
 * - `/admin/` — every widget the user may see with `onDashboard !== false`, by `order`, then
 *   the apps and models the user may view;
 * - `/admin/<app>/` — that app's widgets (also `onDashboard: false` ones) and its models
 *   (404 for an app no model is registered in);
 * - `/admin/dashboard/<group>/` — that group's widgets (404 for a group no widget declares);
 * - the classes `site.dashboard.page(group)` makes — one group's widgets, with a fixed heading.
 *
 * Each card is a nested {@link DashboardTile} (it.liveRender with the widget's key as a
 * signed prop); widgets the user lacks permissions for are not rendered at all.
 */
export class DashboardView extends AdminView<DashboardAssigns, DashboardSite> {
  static template = new URL("../../src/dashboard/dashboard.eta", import.meta.url);
  static title = "Dashboard";
  /** set on the classes `site.dashboard.page(group)` makes: the group they show */
  static group?: string;
  /** set on the classes `site.dashboard.page(group)` makes: their heading */
  static heading?: string;

  mount(params: Params): DashboardAssigns {
    const cls = this.constructor as typeof DashboardView;
    const site = this.site;
    const dash = site.dashboard;
    const group = cls.group ?? params.group ?? null;
    const app = group ? null : (params.app ?? null);
    if (group && !cls.group && !dash.groups().includes(group)) throw new NotFoundError("no such dashboard");
    if (app && !site.all().some((m) => m.app === app) && !dash.all().some((w) => w.app === app)) throw new NotFoundError("no such app");
    const widgets = dash.visible(this.user, group ? { group } : app ? { app } : { dashboardOnly: true });
    const apps = group ? [] : site.nav(this.user).filter((a) => !app || a.app === app);
    const heading = cls.heading ?? (group ? `${humanizeGroup(group)} dashboard` : app ? (apps[0]?.label ?? humanizeGroup(app)) : "Dashboard");
    const groups =
      group || app
        ? []
        : dash.groups().flatMap((g) => (dash.visible(this.user, { group: g }).length ? [{ name: g, label: humanizeGroup(g), url: `${site.prefix}/dashboard/${g}/` }] : []));
    return {
      heading,
      widgets: widgets.map((w) => ({ key: w.key, span: w.span, tile: dash.tileViewFor(w) })),
      apps,
      showApps: !group,
      groups,
      prefix: site.prefix,
    };
  }
}
