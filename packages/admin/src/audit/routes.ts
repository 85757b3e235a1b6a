import type { FastifyInstance } from "fastify";
import type { LiveRouteOptions } from "@weft/server";
import { objectName, titled } from "../changeform/page.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { bindView } from "../shell/base.js";
import { HistoryView } from "./history-view.js";
import { UserHistoryView } from "./timeline-view.js";

/** The history page of every model's objects, and the users' timelines. Staff-guarded scope. */
export function auditRoutes(scope: FastifyInstance, site: AdminSiteLike, ro: LiveRouteOptions): void {
  const p = site.prefix;
  scope.live(`${p}/history/user/:userId/`, bindView(UserHistoryView, site, "history-user"), { ...ro, title: "Actions" });
  scope.live(`${p}/:app/:model/:id/history/`, bindView(HistoryView, site, "history"), titled(site, ro, (a) => `History of ${objectName(a)}`));
}
