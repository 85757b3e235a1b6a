/**
 * Registering a dashboard widget (see model/dashboard-widget.ts for the contract a widget
 * fulfils): its checks and defaults, who gets it, and what its data may be.
 */
import { checkPermission, type SessionUser } from "../auth/index.js";
import { staffHoldsAll } from "../shell/slots.js";
import type { ChartExtras } from "../model/chart-extras.js";
import type { DashboardWidget, WidgetData, WidgetStatus } from "../model/dashboard-widget.js";
import type { ModelAdmin } from "../model/model-admin.js";
import { readChartExtras } from "./extras.js";

/** The statuses a widget may return, in the order the API documents them. */
export const WIDGET_STATUSES: readonly WidgetStatus[] = ["ok", "warning", "danger", "info"];

/** A widget as registered: every default filled in, checked, and keyed. */
export interface RegisteredWidget {
  /** unique within the site: `key` (standalone) or `<app>.<model>.<key>` (attached) */
  readonly key: string;
  readonly title: string;
  /** trusted SVG markup, or "" */
  readonly icon: string;
  readonly order: number;
  readonly url: string | null;
  readonly onDashboard: boolean;
  readonly span: 1 | 2;
  readonly group: string | null;
  readonly app: string | null;
  readonly topics: readonly string[];
  readonly refreshMs: number | null;
  /** every permission the user must hold (the attached model's view permission is checked too) */
  readonly permissions: readonly string[];
  /** the tiles showing it share one `getData` run (see {@link DashboardWidget.shared}) */
  readonly shared: boolean;
  /** the ModelAdmin it is attached to, or null for a standalone widget */
  readonly admin: ModelAdmin<any, any> | null;
  /** position in registration order, to keep equal `order`s stable */
  readonly seq: number;
  /** the card's own Eta template (see {@link DashboardWidget.template}), or null for the default card */
  readonly template: string | URL | null;
  /** the widget as given */
  readonly widget: DashboardWidget;
}

/** The smallest `refreshMs` a widget may ask for. */
export const MIN_REFRESH_MS = 250;

const KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const TOPIC = /^[\w.:*/-]{1,200}$/;

/** `"Orders today"` → `"orders-today"`. */
export function widgetSlug(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}

/**
 * Checks a widget and fills in its defaults. Called by `site.dashboard.register` and by
 * `site.register` for `dashboardWidgets`, so mistakes fail at start-up with the widget and
 * its ModelAdmin named.
 *
 * @param widget - the widget as given
 * @param admin - the ModelAdmin it is attached to, or null for a standalone widget
 * @param seq - its registration position
 * @returns the registered form
 * @throws TypeError naming the widget and the offending option
 */
export function resolveWidget(widget: DashboardWidget, admin: ModelAdmin<any, any> | null, seq: number): RegisteredWidget {
  const owner = admin ? ` of ModelAdmin(${admin.app}.${admin.name})` : "";
  const w = widget as Partial<DashboardWidget> | null | undefined;
  if (!w || typeof w !== "object") throw new TypeError(`weft admin: a dashboard widget${owner} must be an object, got ${w === null ? "null" : typeof w}`);
  const title = typeof w.title === "string" ? w.title.trim() : "";
  const name = title ? `"${title}"` : "(untitled)";
  const fail = (msg: string): never => {
    throw new TypeError(`weft admin: dashboard widget ${name}${owner}: ${msg}`);
  };
  if (!title) fail("`title` must be a non-empty string");
  if (typeof w.getData !== "function") fail("`getData` must be a function returning { headline, detail, status? }");
  if (w.icon !== undefined && typeof w.icon !== "string") fail("`icon` must be inline SVG markup (a string)");
  const order = w.order ?? 50;
  if (typeof order !== "number" || !Number.isFinite(order)) fail("`order` must be a finite number");
  const span = w.span ?? 1;
  if (span !== 1 && span !== 2) fail("`span` must be 1 or 2");
  if (w.onDashboard !== undefined && typeof w.onDashboard !== "boolean") fail("`onDashboard` must be a boolean");
  if (w.shared !== undefined && typeof w.shared !== "boolean") fail("`shared` must be a boolean (true: one getData run shared by every viewer)");
  if (w.url !== undefined && w.url !== null && (typeof w.url !== "string" || !w.url)) fail("`url` must be a non-empty string");
  if (typeof w.url === "string" && /^\s*(javascript|data|vbscript):/i.test(w.url)) fail("`url` must be an http(s) or relative URL");
  const local = w.key ?? widgetSlug(title);
  if (typeof local !== "string" || !KEY.test(local)) fail(`\`key\` "${String(local)}" must be 1-64 lower-case letters, digits, "-" or "_" starting with a letter or digit`);
  for (const [opt, v] of [["group", w.group], ["app", w.app]] as const) {
    if (v !== undefined && (typeof v !== "string" || !NAME.test(v))) fail(`\`${opt}\` "${String(v)}" must be 1-64 lower-case letters, digits, "-" or "_"`);
  }
  if (admin && w.app !== undefined && w.app !== admin.app) fail(`\`app\` "${w.app}" differs from its ModelAdmin's app "${admin.app}"`);
  const topics = w.topics ?? [];
  if (!Array.isArray(topics)) fail("`topics` must be an array of topic names");
  for (const t of topics) if (typeof t !== "string" || !TOPIC.test(t)) fail(`topic ${JSON.stringify(t)} must be 1-200 characters of letters, digits and _ . : * / -`);
  const refreshMs = w.refreshMs ?? null;
  if (refreshMs !== null && (typeof refreshMs !== "number" || !Number.isInteger(refreshMs) || refreshMs < MIN_REFRESH_MS)) fail(`\`refreshMs\` must be an integer >= ${MIN_REFRESH_MS}`);
  if (w.template !== undefined && !(w.template instanceof URL) && (typeof w.template !== "string" || !w.template.trim())) fail("`template` must be an Eta template path (relative to the app's views directory, absolute, or a file URL)");
  const perms = w.permissionRequired === undefined ? [] : typeof w.permissionRequired === "string" ? [w.permissionRequired] : w.permissionRequired;
  if (!Array.isArray(perms)) fail("`permissionRequired` must be a permission string or an array of them");
  for (const p of perms) {
    try {
      checkPermission(p);
    } catch {
      fail(`\`permissionRequired\` ${JSON.stringify(p)} is not an "app.codename" permission string`);
    }
  }
  return Object.freeze({
    key: admin ? `${admin.app}.${admin.name}.${local}` : local,
    title,
    icon: w.icon ?? "",
    order,
    url: w.url === undefined ? (admin ? admin.url : null) : w.url,
    onDashboard: w.onDashboard ?? true,
    span,
    group: w.group ?? null,
    app: admin ? admin.app : (w.app ?? null),
    topics: Object.freeze([...new Set(topics)]),
    refreshMs,
    permissions: Object.freeze([...perms]),
    shared: w.shared ?? false,
    admin,
    seq,
    template: w.template ?? null,
    widget,
  });
}

/**
 * Whether `user` gets the widget at all: an active staff user holding every permission of
 * `permissionRequired` and, for an attached widget, the model's view permission.
 *
 * @param w - a registered widget
 * @param user - the session's or token's user, or null
 * @returns true when the widget may be shown to (and its data computed for) `user`
 */
export function widgetVisibleTo(w: RegisteredWidget, user: SessionUser | null | undefined): boolean {
  if (!staffHoldsAll(user, w.permissions)) return false;
  return !w.admin || w.admin.has(user!, "view");
}

/**
 * Checks what a `getData` returned and normalises it (missing detail → "", unknown status →
 * none), including its chart extras (`series`, `bars`, `trend`, `top`: see {@link ChartExtras}).
 *
 * @param value - the resolved return value
 * @returns the data, with `headline`, `detail` and `status` checked
 * @throws TypeError when it is not an object with a string or finite-number `headline`, or a chart extra is malformed
 */
export function checkWidgetData(value: unknown): WidgetData {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new TypeError("getData must return an object { headline, detail, status? }");
  const d = value as Record<string, unknown>;
  const h = d.headline;
  if (!(typeof h === "string" || (typeof h === "number" && Number.isFinite(h)))) throw new TypeError("getData: `headline` must be a string or a finite number");
  const status = WIDGET_STATUSES.includes(d.status as WidgetStatus) ? (d.status as WidgetStatus) : undefined;
  if (d.status !== undefined && status === undefined) throw new TypeError(`getData: \`status\` must be one of ${WIDGET_STATUSES.join(", ")}`);
  readChartExtras(d);
  return { ...d, headline: h, detail: d.detail === undefined || d.detail === null ? "" : String(d.detail), ...(status ? { status } : {}) } as WidgetData;
}

/** A headline as shown on a card: numbers grouped (`12,345`), strings as given. */
export function formatHeadline(h: string | number): string {
  return typeof h === "number" ? h.toLocaleString("en-US", { maximumFractionDigits: 2 }) : h;
}

/** `"support-desk"` → `"Support desk"`. */
export function humanizeGroup(group: string): string {
  const s = group.replace(/[_-]+/g, " ").trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}
