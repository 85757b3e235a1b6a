import type { FastifyInstance } from "fastify";
import type { LiveRouteOptions } from "@weft/server";
import type { AdminSiteLike } from "../model/site-like.js";
import { bindView } from "../shell/base.js";
import { DeleteView } from "./delete-view.js";
import { formSpec } from "./fields.js";
import { inlineSpecs } from "./inline-spec.js";
import { objectName, titled } from "./page.js";
import { formPostRoute, withFormCsrf } from "./post.js";
import { AddFormView, ChangeFormView } from "./view.js";

/**
 * The add / change / delete pages of a model (its history pages: audit/routes.ts), and the add
 * and change forms' POST for browsers without JavaScript (changeform/post.ts). Staff-guarded scope.
 */
export async function changeFormRoutes(scope: FastifyInstance, site: AdminSiteLike, ro: LiveRouteOptions): Promise<void> {
  const p = site.prefix;
  // as Django's system checks: a form option naming an unknown column fails at start-up
  for (const admin of site.all()) formSpec(site, admin), inlineSpecs(site, admin);
  const add = bindView(AddFormView, site, "changeform-add");
  const change = bindView(ChangeFormView, site, "changeform");
  const addRo = withFormCsrf(titled(site, ro, (a) => `Add ${objectName(a)}`));
  const changeRo = withFormCsrf(titled(site, ro, (a) => `Change ${objectName(a)}`));
  scope.live(`${p}/:app/:model/add/`, add, addRo);
  scope.live(`${p}/:app/:model/:id/change/`, change, changeRo);
  scope.live(`${p}/:app/:model/:id/delete/`, bindView(DeleteView, site, "delete"), titled(site, ro, (a) => `Delete ${objectName(a)}`));
  await formPostRoute(scope, `${p}/:app/:model/add/`, add, addRo);
  await formPostRoute(scope, `${p}/:app/:model/:id/change/`, change, changeRo);
}
