/** The signed-in staff user's own account: "change my password" (Django admin's `password_change`). */
import type { FastifyInstance } from "fastify";
import type { LiveRouteOptions } from "@weft/server";
import { bindView } from "../shell/base.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { PasswordChangeView } from "./password-change.js";

export { PasswordChangeView, checkNewPassword, MIN_PASSWORD_LENGTH, PASSWORD_ERRORS, type PasswordChangeAssigns, type PasswordChangeLimit } from "./password-change.js";

/**
 * Mounts `<prefix>/password_change/` in the admin's staff-guarded scope and live session
 * (called by the admin plugin).
 */
export function accountRoutes(scope: FastifyInstance, site: AdminSiteLike, ro: LiveRouteOptions): void {
  scope.live(`${site.prefix}/password_change/`, bindView(PasswordChangeView, site, "password-change"), ro);
}
