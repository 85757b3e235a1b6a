/**
 * The admin's own "Authentication" screens (users, groups, API tokens), as Django admin's
 * `auth` app: pages of the site's shell, in a sidebar group only superusers see.
 */
import type { LiveViewClass } from "@weft/server";
import type { AdminPageOptions } from "../pages/options.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { groupsView } from "./groups-view.js";
import { usersView } from "./users-view.js";

export { usersView, type UsersAssigns, type EditedUser } from "./users-view.js";
export { groupsView, type GroupsAssigns } from "./groups-view.js";
export { permissionCatalog, type PermissionGroup, type PermissionChoice } from "./catalog.js";

/**
 * A permission no grant is meant to carry: the pages require it so that their sidebar entries
 * show to superusers only (who hold every permission); the views also refuse non-superusers.
 */
export const AUTH_SCREENS_PERMISSION = "auth.superuser_only";

/**
 * Mounts `<prefix>/auth/users/` and `<prefix>/auth/groups/` on `site` (the `AdminSite`
 * constructor calls it; `page` is the site's `page`).
 */
export function authPages(site: AdminSiteLike, page: (path: string, View: LiveViewClass, o: AdminPageOptions) => unknown): void {
  // late in the sidebar (after the site's own page groups), as Django lists the auth app among the others
  const nav = (order: number) => ({ group: "Authentication", order });
  page("auth/users/", usersView(site), { title: "Users", nav: nav(900), permissionRequired: AUTH_SCREENS_PERMISSION });
  page("auth/groups/", groupsView(site), { title: "Groups", nav: nav(910), permissionRequired: AUTH_SCREENS_PERMISSION });
}
