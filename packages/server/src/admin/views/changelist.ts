import type { FastifyInstance } from "fastify";
import type { LiveRouteOptions } from "../../transport/plugin.js";
import type { AdminSite } from "../site.js";

/** The change-list pages `/admin/<app>/<model>/`. Staff-guarded scope. */
export function changeListRoutes(_scope: FastifyInstance, _site: AdminSite, _ro: LiveRouteOptions): void {}
