import type { FastifyInstance } from "fastify";
import type { LiveRouteOptions } from "../../transport/plugin.js";
import type { AdminSite } from "../site.js";
import { bindView } from "../views/base.js";
import { DashboardView } from "../views/dashboard.js";

/** The dashboard pages: `/admin/` and the per-app index `/admin/<app>/`. Staff-guarded scope. */
export function dashboardRoutes(scope: FastifyInstance, site: AdminSite, ro: LiveRouteOptions): void {
  const dashboard = bindView(DashboardView, site, "dashboard");
  scope.live(`${site.prefix}/`, dashboard, ro);
  scope.live(`${site.prefix}/:app/`, dashboard, ro);
}

/** The JSON API for external dashboards (bearer tokens, not sessions). */
export async function dashboardApi(_app: FastifyInstance, _site: AdminSite): Promise<void> {}
