import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import type { SQL } from "drizzle-orm";
import type { LiveViewClass } from "@weft/server";
import type { DashboardWidget } from "./dashboard/widget.js";
import { hasPermission, type SessionUser } from "./auth/index.js";
import type { ChangeListOptions, Relations } from "./query/index.js";
import { humanize } from "./query/names.js";
import type { AdminSite } from "./site.js";
import { adminError, WeftAdminError } from "./errors.js";

/** The four model permissions, as Django's default permissions. */
export type ModelAction = "view" | "add" | "change" | "delete";

/**
 * An admin action on selected rows, as Django admin's `actions`: shown in the change list's
 * action menu to users holding every permission in `permissions`.
 */
export interface AdminAction {
  /** identifier used by the browser to pick the action (letters, digits, `_`) */
  name: string;
  /** menu label, e.g. "Delete selected orders" */
  label: string;
  /** permission strings required to see and run it (default: the model's change permission) */
  permissions?: string[];
  /** asks "Are you sure?" with this text before running */
  confirm?: string;
  /**
   * Set by `withProgress` (`true` or the details): the action runs as a background job with a live progress page
   * (start-up checks refuse such actions on an in-process channel layer with several workers).
   */
  readonly progress?: ProgressActionInfo | true;
  /**
   * Runs the action. `ids` are the primary keys of the selected rows (for "all N matching",
   * every matching row's key). Returns a message for the flash, an {@link ActionResult} (e.g.
   * `{ redirect }` to a job's progress page, as `withProgress` actions do), or nothing.
   * @throws {@link ActionRefusedError} to refuse with a message the user may read (HTTP: its
   *   `status`); anything else: the user sees a generic error, the stack goes to the server log
   */
  run(ctx: ActionContext): Promise<string | void | ActionResult> | string | void | ActionResult;
}

/** What a progress action (see `withProgress`) declares about its jobs. */
export interface ProgressActionInfo {
  /** whether its jobs may be cancelled by their owner (or a superuser) */
  readonly cancellable: boolean;
}

/** What an action's `run` may return instead of a flash message. */
export interface ActionResult {
  /** where to send the browser next (a same-site path), e.g. `/admin/jobs/<id>/` */
  redirect: string;
}

/** How the rows of an action were selected, in a form that can be re-derived later. */
export interface ActionSelection {
  /** `true` for "select all N matching" (the filter is kept, not ids); `false` for picked rows */
  all: boolean;
  /** the change list's search and filters as a query string (`q=…&status__exact=…`), without page or sort */
  query: string;
  /** how many rows were selected when the action was started */
  count: number;
}

/** What an action's `run` receives. */
export interface ActionContext {
  admin: ModelAdmin<any, any>;
  user: SessionUser;
  /** primary keys of the selected rows */
  ids: unknown[];
  /** the WHERE clause of the selection (page selection: `pk IN ids`; all matching: the filter) */
  where: SQL | undefined;
  /** the site (set by the change list and by the action endpoint) */
  site?: AdminSite;
  /** how the rows were selected (set by the change list and by the action endpoint) */
  selection?: ActionSelection;
}

/**
 * `WEFT_ADMIN_ERR_ACTION_REFUSED`: thrown by an action's `run` to refuse with a message the user may read: the change list
 * shows it as an error flash; the action endpoint answers with `status` (403 missing
 * permission, 503 the job store is unreachable or full, …) and the message.
 */
export class ActionRefusedError extends WeftAdminError {
  /**
   * @param status - the HTTP status of the refusal (403, 400, 503…)
   * @param message - shown to the user as is: no internal details
   */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super("WEFT_ADMIN_ERR_ACTION_REFUSED", message);
  }
}

/**
 * The options of one registered model, camelCase of Django's `ModelAdmin` attributes.
 * The change-list part (`listDisplay`, `searchFields`, `listFilter`, `ordering`, `relations`,
 * `listPerPage`, …) is {@link ChangeListOptions}.
 */
export interface ModelAdminOptions<T extends SQLiteTable = SQLiteTable, R extends Relations = Relations> extends ChangeListOptions<T, R> {
  /** app label: the first part of URLs and permission strings (`orders` in `orders.view_order`) */
  app: string;
  /** model name, singular, lower case (default: the table name without a trailing "s") */
  name?: string;
  /** human names (default: the model name capitalised, plus "s") */
  verboseName?: string;
  verboseNamePlural?: string;
  /** Django's `fields`: the change form's fields, in order (default: every column but the primary key) */
  fields?: readonly string[];
  /** Django's `fieldsets`: `[title, fields[]]` groups for the change form */
  fieldsets?: ReadonlyArray<readonly [string | null, readonly string[]]>;
  /** Django's `readonly_fields`: shown, never written (not even by a crafted event) */
  readonlyFields?: readonly string[];
  /** Django's `actions` (a built-in "delete selected" is added for users with the delete permission) */
  actions?: readonly AdminAction[];
  /**
   * SmallStack-style dashboard widgets attached to this model: their `getData` receives this
   * ModelAdmin as `ctx.admin`, their `url` defaults to its change list, their `app` is its app,
   * and users need its view permission (besides `permissionRequired`) to get them.
   * Checked by `site.register`.
   */
  dashboardWidgets?: readonly DashboardWidget[];
  /** LiveView classes rendered above the change list as nested views */
  changeListWidgets?: readonly LiveViewClass[];
  /** LiveView classes rendered above the change form as nested views (props: `objectId`) */
  changeFormWidgets?: readonly LiveViewClass[];
  /** Django's `get_queryset`: a WHERE clause scoping which rows `user` may see, or undefined for all */
  getQueryset?(user: SessionUser): SQL | undefined;
  /** the icon of the model in the navigation (inline SVG markup, trusted) */
  icon?: string;
  /** permission overrides (Django's `has_view_permission` …); default: the user's permission strings */
  hasViewPermission?(user: SessionUser): boolean;
  hasAddPermission?(user: SessionUser): boolean;
  hasChangePermission?(user: SessionUser): boolean;
  hasDeletePermission?(user: SessionUser): boolean;
}

/**
 * One model registered with an {@link AdminSite}, as Django's `ModelAdmin`: its options, its
 * names and URLs, and its permission checks (run on every page render AND every event).
 */
export class ModelAdmin<T extends SQLiteTable = SQLiteTable, R extends Relations = Relations> {
  readonly app: string;
  readonly name: string;
  readonly verboseName: string;
  readonly verboseNamePlural: string;
  readonly tableName: string;

  /**
   * @throws WeftAdminError `WEFT_ADMIN_ERR_BAD_IDENTIFIER` when `app` or `name` is not a lower-case identifier
   */
  constructor(
    readonly table: T,
    readonly options: ModelAdminOptions<T, R>,
    readonly prefix: string,
  ) {
    this.tableName = getTableConfig(table).name;
    this.app = options.app;
    this.name = options.name ?? this.tableName.replace(/_/g, "").replace(/s$/, "");
    for (const [what, v] of [["app", this.app], ["name", this.name]] as const) {
      if (!/^[a-z][a-z0-9_]*$/.test(v)) throw adminError("WEFT_ADMIN_ERR_BAD_IDENTIFIER", `weft admin: ${what} "${v}" of ${this.tableName} must be a lower-case identifier (a-z, then a-z, 0-9 or _): set \`${what}\` in the ModelAdmin options`);
    }
    this.verboseName = options.verboseName ?? humanize(this.name);
    this.verboseNamePlural = options.verboseNamePlural ?? `${this.verboseName}s`;
  }

  /** `app.action_name`, e.g. `orders.change_order` (Django's permission codename). */
  perm(action: ModelAction | string): string {
    return `${this.app}.${action}_${this.name}`;
  }

  /** URL of the change list, e.g. `/admin/orders/order/`. */
  get url(): string {
    return `${this.prefix}/${this.app}/${this.name}/`;
  }

  /** URL of one object's page: `change/`, `delete/`, `history/`. */
  objectUrl(id: unknown, page: "change" | "delete" | "history" = "change"): string {
    return `${this.url}${encodeURIComponent(String(id))}/${page}/`;
  }

  /** Whether `user` may do `action` on this model: the override if given, else the permission string. */
  has(user: SessionUser | null | undefined, action: ModelAction): boolean {
    if (!user?.isStaff) return false;
    const o = this.options;
    const override = { view: o.hasViewPermission, add: o.hasAddPermission, change: o.hasChangePermission, delete: o.hasDeletePermission }[action];
    if (override) return override.call(o, user);
    // as Django: the change permission implies view
    if (action === "view" && hasPermission(user, this.perm("change"))) return true;
    return hasPermission(user, this.perm(action));
  }
}

