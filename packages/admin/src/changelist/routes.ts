/**
 * The change list's routes: the live page `/admin/<app>/<model>/` and its POST (the
 * `listEditable` formset without JavaScript).
 */
import type { FastifyInstance } from "fastify";
import type { LiveRouteOptions } from "@weft/server";
import { formPostRoute, withFormCsrf } from "../changeform/post.js";
import type { AdminAction } from "../model/actions.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { bindView } from "../shell/base.js";
import { LIST_FORM_ID } from "./list-editable.js";
import { ChangeListView, INLINE_DELETE_MAX } from "./view.js";

/**
 * The change-list pages `/admin/<app>/<model>/`. Staff-guarded scope.
 * @param bulkDelete - the built-in delete of more than {@link INLINE_DELETE_MAX} rows as a progress job (the plugin passes `bulkDeleteAction`)
 */
export async function changeListRoutes(scope: FastifyInstance, site: AdminSiteLike, ro: LiveRouteOptions, bulkDelete?: (admin: ModelAdmin<any, any>) => AdminAction): Promise<void> {
  const view = bindView(ChangeListView, site, "changelist");
  view.bulkDelete = bulkDelete;
  // the listEditable formset (`form="cl-editable"` gets the CSRF input) POSTs to the list's URL without JavaScript
  const withCsrf = withFormCsrf(ro, LIST_FORM_ID);
  await formPostRoute(scope, `${site.prefix}/:app/:model/`, view, withCsrf);
  scope.live(`${site.prefix}/:app/:model/`, view, {
    ...withCsrf,
    // the page title names the model (the route serves every model)
    title: (p) => site.get(p.app ?? "", p.model ?? "")?.verboseNamePlural ?? ChangeListView.title ?? "Weft",
  });
}
