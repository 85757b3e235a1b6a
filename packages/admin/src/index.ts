/**
 * The live admin: AdminSite / ModelAdmin over drizzle tables (see docs/admin.md). Every error it
 * throws at a developer is a {@link WeftAdminError} (a `WeftError` of @weft/server) with a code
 * from {@link adminErrorCodes}.
 */
export { AdminSite, type AdminSiteOptions, type NavApp, type NavModel } from "./site.js";
export { humanize } from "./query/names.js";
export { ModelAdmin, ActionRefusedError, type AdminAction, type ActionContext, type ActionResult, type ActionSelection, type ModelAction, type ModelAdminOptions, type ProgressActionInfo } from "./model-admin.js";
export { adminPlugin, type AdminPluginOptions } from "./plugin.js";
export { WeftAdminError, adminErrorCodes, type AdminErrorCode } from "./errors.js";
export { FormOptionsError } from "./changeform/fields.js";
export { runChecks, formatCheck, formatReport, isLiveViewClass, isProgressAction, isInProcessLayer, SystemCheckError, WIDGET_SLOT_SIZES, WIDGET_SLOTS, type CheckLevel, type CheckMessage, type CheckOptions } from "./checks/index.js";
export { HealthBanner, describeHealth, type HealthAssigns } from "./health/index.js";
export { AdminView, bindView, staffUser } from "./shell/base.js";
export * from "./auth/index.js";
export * from "./query/index.js";
export { DashboardRegistry, type DashboardPage, type DashboardPageOptions, type WidgetScope } from "./dashboard/registry.js";
export { SiteContext, type Badge, type BadgeProvider, type ContextProvider, type SiteContextOptions } from "./dashboard/context.js";
export { MIN_REFRESH_MS, WIDGET_STATUSES, type DashboardWidget, type RegisteredWidget, type WidgetContext, type WidgetData, type WidgetStatus } from "./dashboard/widget.js";
export type { WidgetApiItem } from "./dashboard/routes.js";
export * from "./audit/index.js";
export { formSpec, validateForm, reprOf as objectRepr, savedNotice, NOTICE_PARAMS, modelTopic, publishModelEvent, type ModelEvent, type FormSpec } from "./changeform/index.js";
export * from "./jobs/index.js";
