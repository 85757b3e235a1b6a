/**
 * The site as the dashboard sees it: what every part of the admin sees, plus the dashboard
 * itself, the site context and the navigation. `AdminSite` is one; it creates the registry
 * and the context with itself.
 */
import type { SessionUser } from "../auth/index.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { NavApp } from "../shell/nav.js";
import type { SiteContext } from "./context.js";
import type { DashboardRegistry } from "./registry.js";

/** An {@link AdminSiteLike} with its dashboard, its context providers and its navigation. */
export interface DashboardSite extends AdminSiteLike {
  /** the dashboard widgets and dashboard pages */
  readonly dashboard: DashboardRegistry;
  /** cached site-wide context providers and the top bar's badges */
  readonly context: SiteContext;
  /** The navigation for `user`: apps with the models they may view (as Django's `get_app_list`). */
  nav(user: SessionUser | null): NavApp[];
}
