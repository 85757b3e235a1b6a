/**
 * The live admin: AdminSite / ModelAdmin over drizzle tables (see docs/admin.md).
 */
export { AdminSite, type AdminSiteOptions, type NavApp, type NavModel } from "./site.js";
export { ModelAdmin, humanize, type AdminAction, type ActionContext, type ModelAction, type ModelAdminOptions } from "./model-admin.js";
export { adminPlugin } from "./plugin.js";
export { AdminView, bindView, staffUser } from "./views/base.js";
export * from "./auth/index.js";
export * from "./query/index.js";
