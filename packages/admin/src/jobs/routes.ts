import type { FastifyInstance } from "fastify";
import type { LiveRouteOptions } from "@weft/server";
import type { AdminSiteLike } from "../model/site-like.js";
import { bindView } from "../shell/base.js";
import { actionEndpoint } from "./action-endpoint.js";
import { JobView } from "./job-view.js";
import { AllJobsView, JobsView } from "./jobs-view.js";
import { downloadRoute } from "./csv/download.js";
import { ImportView } from "./csv/import-view.js";

/**
 * The jobs' routes, in the admin's staff-guarded scope: "My jobs" (`<prefix>/jobs/`), "All
 * jobs" (`<prefix>/jobs/all/`, superusers), a job's
 * progress page (`<prefix>/jobs/<id>/`) and the action endpoint
 * (`POST <prefix>/<app>/<model>/action/`).
 */
export async function jobRoutes(scope: FastifyInstance, site: AdminSiteLike, ro: LiveRouteOptions): Promise<void> {
  scope.live(`${site.prefix}/jobs/`, bindView(JobsView, site, "jobs"), ro);
  scope.live(`${site.prefix}/jobs/all/`, bindView(AllJobsView, site, "all-jobs"), ro);
  scope.live(`${site.prefix}/jobs/:id/`, bindView(JobView, site, "job"), ro);
  downloadRoute(scope, site);
  scope.live(`${site.prefix}/:app/:model/import/`, bindView(ImportView, site, "import"), ro);
  await actionEndpoint(scope, site);
}
