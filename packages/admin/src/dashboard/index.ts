/**
 * The dashboard: widget registration and data, group pages, the site context (badges), and the
 * widgets API's item shape. See docs/admin.md ("Dashboard").
 * @packageDocumentation
 */
export { DashboardRegistry, type DashboardPage, type DashboardPageOptions, type WidgetScope } from "./registry.js";
export { SiteContext, type Badge, type BadgeProvider, type ContextProvider, type SiteContextOptions } from "./context.js";
export { MIN_REFRESH_MS, WIDGET_STATUSES, type RegisteredWidget } from "./widget.js";
export type { DashboardWidget, WidgetContext, WidgetData, WidgetStatus } from "../model/dashboard-widget.js";
export type { WidgetApiItem } from "./routes.js";
export type { ChartBar, ChartExtras, TopItem, Trend } from "../model/chart-extras.js";
