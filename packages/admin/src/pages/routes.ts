import type { FastifyInstance } from "fastify";
import type { LiveRouteOptions } from "@weft/server";
import { adminError } from "../errors.js";
import type { PageRegistry } from "./registry.js";

/**
 * Mounts the site's pages in the admin's staff-guarded scope and live session (called by the
 * admin plugin), after checking again that no page path starts with an app registered since.
 *
 * @param scope - the staff-guarded fastify scope
 * @param pages - the site's pages
 * @param prefix - the admin's prefix
 * @param owner - who else serves a path (see `AdminSite.pathOwner`)
 * @param ro - the shell layout options
 * @throws WeftAdminError `WEFT_ADMIN_ERR_PAGE_TWICE` when a page's path is taken
 */
export function pageRoutes(scope: FastifyInstance, pages: PageRegistry, prefix: string, owner: (path: string) => string | null, ro: LiveRouteOptions): void {
  for (const page of pages.all()) {
    const clash = owner(page.path);
    if (clash) throw adminError("WEFT_ADMIN_ERR_PAGE_TWICE", `weft admin: site.page path "${page.path}" is taken by ${clash}: give the page another path`);
    page.view.adminTemplates = scope.weft.services.templates;
    scope.live(`${prefix}/${page.path}`, page.view, ro);
  }
}
