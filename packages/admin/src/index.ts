/**
 * @weft/admin — the live admin: an {@link AdminSite} of {@link ModelAdmin}s over drizzle tables,
 * mounted on a fastify app with {@link adminPlugin} (see docs/admin.md). The root exports what an
 * app configuring its admin needs; the rest is behind subpath exports: `@weft/admin/auth`
 * (users, groups, sessions, API tokens, the admin's tables, the `weft` CLI), `/audit` (the
 * audit log), `/checks` (start-up checks), `/dashboard` (the dashboard's registry and context),
 * `/jobs` (the job pages), `/migrate` (the admin's migrations), `/query` (the change list's query layer).
 *
 * Inside, one folder per feature, importing one way (test/layers.test.ts holds the table):
 * `query` (data layer) ← `auth` ← `auditlog` (the log's statements) ← `model` (ModelAdmin, the
 * action and widget contracts, `AdminSiteLike`, model events and labels) ← `shell` (layout,
 * `AdminView`, navigation, widget slots) ← `dashboard`, `health`, `checks` ← `changeform` ←
 * `changelist`, `audit` (history pages) ← `jobs`; `pages` (`site.page`) and `account` (password
 * change) above the shell ← `site.ts` ← `plugin.ts` ← this index. Below
 * the site, parts see it as an `AdminSiteLike` (the dashboard: a `DashboardSite`), which
 * `AdminSite` implements.
 *
 * Every error it throws at a developer is a {@link WeftAdminError} (a `WeftError` of
 * @weft/server) with a code from {@link adminErrorCodes}.
 * @packageDocumentation
 */
export { AdminSite, type AdminSiteOptions } from "./site.js";
export { ModelAdmin, type ModelAction, type ModelAdminOptions } from "./model/model-admin.js";
export type { ListPriority } from "./model/list-priority.js";
export { formatTyped, parseTyped, typedInput, type BooleanType, type DecimalType, type Display, type DisplayOptions, type FieldType, type MoneyType, type PercentType } from "./model/field-types.js";
export { ActionRefusedError, type AdminAction, type ActionContext, type ActionResult, type ActionSelection } from "./model/actions.js";
export { adminPlugin, type AdminPluginOptions } from "./plugin.js";
export { migrateAdmin } from "./migrate/index.js";
export { WeftAdminError, adminErrorCodes, type AdminErrorCode } from "./errors.js";
export { FormOptionsError } from "./changeform/fields.js";
export { AdminView, staffUser } from "./shell/base.js";
export { hasPermission, type AdminUser, type AdminSession, type SessionUser } from "./auth/index.js";
export { recordAudit, objectHistory } from "./audit/index.js";
export { withTransaction } from "./query/dialect/index.js";
export { modelTopic, publishModelEvent, type ModelEvent } from "./model/publish.js";
export type { DashboardWidget, WidgetContext, WidgetData, WidgetStatus } from "./model/dashboard-widget.js";
export type { DashboardPageOptions } from "./dashboard/registry.js";
export type { AdminPageOptions, PageNavOptions } from "./pages/index.js";
export { withProgress, type JobSelection, type PinnedSelection, type ProgressActionBody, type ProgressActionContext, type ProgressActionOptions } from "./jobs/index.js";
export type { ChangeListOptions, ComputedColumn, ListDisplayItem, ListFilterItem, OrderingItem, SearchFieldItem } from "./query/index.js";
