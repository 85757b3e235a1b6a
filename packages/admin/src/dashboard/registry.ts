/**
 * The site's dashboard: the registry of widgets (`site.dashboard`), who sees which, their data
 * with errors and time-outs contained, and the LiveView classes that show them.
 */
import type { LiveViewClass, Logger } from "@weft/server";
import type { SessionUser } from "../auth/index.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { DashboardSite } from "./dashboard-site.js";
import { bindView } from "../shell/base.js";
import { DashboardView } from "../dashboard/view.js";
import { DashboardTile } from "./tile.js";
import { checkWidgetData, humanizeGroup, resolveWidget, widgetVisibleTo, type RegisteredWidget } from "./widget.js";
import type { DashboardWidget, WidgetData } from "../model/dashboard-widget.js";
import { adminError } from "../errors.js";
import { Coalescer } from "./coalesce.js";
import { queryTimeoutOf } from "../query/index.js";

/** What a tile shows: the checked data, or why `getData` failed (`slow`: a statement outlived the site's query budget). */
export type TileResult = { ok: true; data: WidgetData } | { ok: false; slow: boolean };

/** Which widgets a page or an API call wants; every given condition must hold. */
export interface WidgetScope {
  /** only widgets of this group */
  group?: string | null;
  /** only widgets of this app (attached to its models, or standalone with that `app`) */
  app?: string | null;
  /** only widgets with `onDashboard !== false` (the main dashboard) */
  dashboardOnly?: boolean;
}

/** Options of {@link DashboardRegistry.page}. */
export interface DashboardPageOptions {
  /** the page heading and `<title>` (default: the group's name, capitalised) */
  title?: string;
  /**
   * mount it inside the admin (shell layout, staff login redirect) at `<prefix>/<path>`, e.g.
   * `"ops/"`; call `page()` before registering the admin plugin. Without it, mount the
   * returned class yourself with `app.live(path, View)`.
   */
  path?: string;
}

/** A custom dashboard page the admin plugin mounts (see {@link DashboardPageOptions.path}). */
export interface DashboardPage {
  /** below the prefix, without a leading slash, e.g. `ops/` */
  path: string;
  group: string;
  view: LiveViewClass;
}

const GROUP = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** A console-backed logger, until the admin plugin hands over fastify's. */
const consoleLog: Logger = {
  error: (obj, msg) => console.error(msg ?? "", obj),
  warn: (obj, msg) => console.warn(msg ?? "", obj),
  info: () => {},
  debug: () => {},
};

/**
 * The dashboard of an {@link AdminSite}, available as `site.dashboard`: SmallStack's widget
 * registry, made live. Widgets come from `dashboardWidgets` on a ModelAdmin (attached) and
 * from {@link register} (standalone); the admin shows each visible one as a nested LiveView
 * tile that re-runs `getData` when one of its topics is published.
 */
export class DashboardRegistry {
  /** at most one `getData` per tile per this many ms, however many topic messages arrive (default 250) */
  throttleMs = 250;
  /** a `getData` slower than this counts as failed: "unavailable" (default 10 s) */
  dataTimeoutMs = 10_000;
  /** where failing widgets are logged (the admin plugin sets fastify's logger) */
  log: Logger = consoleLog;
  private widgets = new Map<string, RegisteredWidget>();
  private seq = 0;
  private tile?: LiveViewClass;
  private templated = new Map<string, LiveViewClass>();
  private index?: LiveViewClass;
  private pages = new Map<string, { view: LiveViewClass; path: string | null }>();
  private runs = new Coalescer();

  /** @param site - the site this dashboard belongs to (created by `AdminSite`'s constructor) */
  constructor(private readonly site: DashboardSite) {}

  /**
   * Registers a standalone widget (SmallStack's `register_widget`).
   *
   * @param widget - see {@link DashboardWidget}
   * @returns the registered widget, with its key and defaults
   * @throws TypeError for an invalid option; Error when its key is already registered
   */
  register(widget: DashboardWidget): RegisteredWidget {
    const w = resolveWidget(widget, null, this.seq);
    this.add([w]);
    return w;
  }

  /**
   * Registers a ModelAdmin's `dashboardWidgets` (called by `site.register`): all or none.
   *
   * @param admin - the ModelAdmin they are attached to (their default `url` and `app`)
   * @param widgets - its `dashboardWidgets`
   * @returns the registered widgets
   * @throws TypeError for an invalid option; Error when a key is already registered
   */
  attach(admin: ModelAdmin<any, any>, widgets: readonly DashboardWidget[]): RegisteredWidget[] {
    if (!Array.isArray(widgets)) throw new TypeError(`weft admin: ModelAdmin(${admin.app}.${admin.name}).dashboardWidgets must be an array of widgets`);
    const resolved = widgets.map((w, i) => resolveWidget(w, admin, this.seq + i));
    this.add(resolved);
    return resolved;
  }

  /** The widget registered under `key`, or undefined. */
  get(key: string): RegisteredWidget | undefined {
    return this.widgets.get(key);
  }

  /** Every registered widget, by `order`, then registration order. */
  all(): RegisteredWidget[] {
    return [...this.widgets.values()].sort((a, b) => a.order - b.order || a.seq - b.seq);
  }

  /** The group names widgets declare, sorted. */
  groups(): string[] {
    return [...new Set([...this.widgets.values()].flatMap((w) => (w.group ? [w.group] : [])))].sort();
  }

  /**
   * The widgets `user` gets within `scope`, sorted by `order`. Users lacking a widget's
   * permissions do not get it at all.
   *
   * @param user - a staff user (anything else gets nothing)
   * @param scope - see {@link WidgetScope} (default: every widget)
   * @returns the widgets, in display order
   */
  visible(user: SessionUser | null | undefined, scope: WidgetScope = {}): RegisteredWidget[] {
    return this.all().filter(
      (w) =>
        (!scope.group || w.group === scope.group) &&
        (!scope.app || w.app === scope.app) &&
        (!scope.dashboardOnly || w.onDashboard) &&
        widgetVisibleTo(w, user),
    );
  }

  /**
   * Whether `user` may see the widget `key` (exists, staff, permissions).
   * @returns false for an unknown key
   */
  allows(user: SessionUser | null | undefined, key: string): boolean {
    const w = this.widgets.get(key);
    return !!w && widgetVisibleTo(w, user);
  }

  /**
   * Runs a widget's `getData` for `user`, bounded by {@link dataTimeoutMs}, and checks the result.
   * Does not check visibility: callers do (pages through the tile's `authorize`, the API by filtering).
   *
   * @param w - a registered widget
   * @param user - the user the data is for
   * @returns the checked data
   * @throws whatever `getData` throws, a TypeError for a malformed result, or an Error on time-out
   */
  async data(w: RegisteredWidget, user: SessionUser): Promise<WidgetData> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`dashboard widget ${w.key}: getData took over ${this.dataTimeoutMs} ms`)), this.dataTimeoutMs);
      timer.unref?.();
    });
    try {
      const run = Promise.resolve().then(() => w.widget.getData({ user, site: this.site, db: this.site.readsFor(user), ...(w.admin ? { admin: w.admin } : {}) }));
      return checkWidgetData(await Promise.race([run, timeout]));
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The data a tile shows: {@link safeData}, run once per worker for the concurrent callers of
   * a `shared` widget (one in-flight run per widget, dropped when it settles; a failure is
   * logged once and every caller gets null), once per call for any other widget.
   *
   * @param w - a registered widget
   * @param user - the tile's user (for a shared widget, only the first caller's is used)
   * @returns the data, or why `getData` failed (see {@link TileResult})
   */
  tileData(w: RegisteredWidget, user: SessionUser): Promise<TileResult> {
    return w.shared ? this.runs.run(w.key, () => this.attempt(w, user)) : this.attempt(w, user);
  }

  /**
   * How many tiles wait for the shared `getData` run of widget `key` in flight now (0: none
   * runs, or the widget is not `shared`). For tests and metrics.
   */
  sharing(key: string): number {
    return this.runs.callers(key);
  }

  /**
   * Like {@link data}, but a failure is logged with its stack and returned as null, so one
   * broken widget never breaks a page or the API.
   *
   * @returns the data, or null when `getData` failed
   */
  async safeData(w: RegisteredWidget, user: SessionUser): Promise<WidgetData | null> {
    const r = await this.attempt(w, user);
    return r.ok ? r.data : null;
  }

  /** {@link data}, its failure logged (a statement past the budget at `warn`, with its SQL and user) and told apart. */
  private async attempt(w: RegisteredWidget, user: SessionUser): Promise<TileResult> {
    try {
      return { ok: true, data: await this.data(w, user) };
    } catch (err) {
      const slow = queryTimeoutOf(err, this.site.queryTimeoutMs);
      if (slow) this.log.warn({ err: slow, widget: w.key, budgetMs: slow.budgetMs, sql: slow.sql, user: user.id }, "weft admin: a dashboard widget's query outlived its budget and was stopped");
      else this.log.error({ err, widget: w.key }, "weft admin: dashboard widget getData failed");
      return { ok: false, slow: !!slow };
    }
  }

  /**
   * The nested LiveView that shows one widget as a live card (props: `widget`, the key). Its
   * `authorize` re-checks the widget's permissions on the HTTP render and on every join.
   */
  get tileView(): LiveViewClass {
    return (this.tile ??= bindView(DashboardTile, this.site, "dashboard-tile"));
  }

  /**
   * The tile view showing widget `w`: {@link tileView}, or for a widget with its own
   * `template`, a subclass rendering that template (registered as
   * `<site id>-dashboard-tile-<widget key>`, the same on every worker).
   *
   * @param w - a registered widget
   * @returns the LiveView class the dashboard pages render for it
   */
  tileViewFor(w: RegisteredWidget): LiveViewClass {
    if (!w.template) return this.tileView;
    let view = this.templated.get(w.key);
    if (!view) {
      view = bindView(DashboardTile, this.site, `dashboard-tile-${w.key}`);
      Object.assign(view, { template: w.template });
      this.templated.set(w.key, view);
    }
    return view;
  }

  /** Every tile view the widgets registered so far need (registered by the dashboard routes on each worker). */
  tileViews(): LiveViewClass[] {
    return [this.tileView, ...this.all().flatMap((w) => (w.template ? [this.tileViewFor(w)] : []))];
  }

  /** The admin index view: `/admin/`, `/admin/<app>/`, `/admin/dashboard/<group>/`. */
  get indexView(): LiveViewClass {
    return (this.index ??= bindView(DashboardView, this.site, "dashboard"));
  }

  /**
   * A custom dashboard page showing one group's widgets (including `onDashboard: false` ones),
   * as a LiveView class (staff only; each tile checks its own permissions). The same group
   * returns the same class.
   *
   * @example
   * // inside the admin shell, at /admin/ops/ (before `app.register(adminPlugin, { site })`):
   * site.dashboard.page("ops", { title: "Operations", path: "ops/" });
   * // or anywhere, in your own layout (which should link the admin stylesheet):
   * app.live("/ops", site.dashboard.page("ops"));
   *
   * @param group - a group name widgets use (it may get its widgets later)
   * @param opts - see {@link DashboardPageOptions}
   * @returns the view class, registered as `<site id>-dashboard-page-<group>`
   * @throws TypeError for a malformed group or path; WeftAdminError `WEFT_ADMIN_ERR_DASHBOARD_PAGE_CONFLICT` when the group's page was made with another path or title
   */
  page(group: string, opts: DashboardPageOptions = {}): LiveViewClass {
    if (typeof group !== "string" || !GROUP.test(group)) throw new TypeError(`weft admin: dashboard page group "${String(group)}" must be 1-64 lower-case letters, digits, "-" or "_"`);
    const path = opts.path === undefined ? null : String(opts.path).replace(/^\/+/, "");
    if (path !== null && !/^([A-Za-z0-9_-]+\/)+$/.test(path)) throw new TypeError(`weft admin: dashboard page path "${String(opts.path)}" must look like "ops/" (segments ending with a slash)`);
    const known = this.pages.get(group);
    if (known) {
      if ((path !== null && path !== known.path) || (opts.title !== undefined && opts.title !== (known.view as typeof DashboardView).heading)) {
        throw adminError("WEFT_ADMIN_ERR_DASHBOARD_PAGE_CONFLICT", `weft admin: the dashboard page of group "${group}" was already made with other options: call site.dashboard.page("${group}", …) once, or with the same path and title`);
      }
      return known.view;
    }
    const view = bindView(DashboardView, this.site, `dashboard-page-${group}`);
    Object.assign(view, { group, heading: opts.title ?? humanizeGroup(group), title: opts.title ?? humanizeGroup(group) });
    this.pages.set(group, { view, path });
    return view;
  }

  /** The custom pages to mount inside the admin (those made with a `path`). */
  customPages(): DashboardPage[] {
    return [...this.pages].flatMap(([group, p]) => (p.path === null ? [] : [{ group, path: p.path, view: p.view }]));
  }

  private add(ws: RegisteredWidget[]): void {
    const seen = new Set<string>();
    for (const w of ws) {
      if (this.widgets.has(w.key) || seen.has(w.key)) {
        throw adminError("WEFT_ADMIN_ERR_WIDGET_KEY_TWICE", `weft admin: dashboard widget key "${w.key}" ("${w.title}") is registered twice; give one of them a distinct \`key\``);
      }
      seen.add(w.key);
    }
    for (const w of ws) this.widgets.set(w.key, w);
    this.seq += ws.length;
  }
}
