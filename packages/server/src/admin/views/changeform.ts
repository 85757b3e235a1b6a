import type { FastifyInstance } from "fastify";
import type { LiveRouteOptions } from "../../transport/plugin.js";
import type { AdminSite } from "../site.js";

/** The add / change / delete / history pages of a model. Staff-guarded scope. */
export function changeFormRoutes(_scope: FastifyInstance, _site: AdminSite, _ro: LiveRouteOptions): void {}
