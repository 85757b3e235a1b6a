/**
 * One registered model, as Django's `ModelAdmin`: its options, names, URLs and permission
 * checks. What the options declare beyond the change list (actions, dashboard widgets) is
 * specified beside it, in actions.ts and dashboard-widget.ts.
 */
import type { SQL } from "drizzle-orm";
import type { LiveComponentClass, LiveViewClass } from "@weft/server";
import { hasPermission, type SessionUser } from "../auth/index.js";
import type { ChangeListOptions, Relations } from "../query/index.js";
import { humanize } from "../query/names.js";
import { adminError } from "../errors.js";
import type { AdminAction } from "./actions.js";
import type { DashboardWidget } from "./dashboard-widget.js";
import type { FormHookOptions } from "./form-hooks.js";
import type { FieldType } from "./field-types.js";
import type { ListPriority } from "./list-priority.js";
import type { InlineAdmin } from "./inline.js";
import { tableInfo } from "../query/dialect/tables.js";
import type { AnyTable } from "../query/dialect/index.js";

/** The four model permissions, as Django's default permissions. */
export type ModelAction = "view" | "add" | "change" | "delete";

/**
 * The options of one registered model, camelCase of Django's `ModelAdmin` attributes.
 * The change-list part (`listDisplay`, `searchFields`, `listFilter`, `ordering`, `relations`,
 * `listPerPage`, …) is {@link ChangeListOptions}.
 */
export interface ModelAdminOptions<T extends AnyTable = AnyTable, R extends Relations = Relations> extends ChangeListOptions<T, R>, FormHookOptions {
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
  /**
   * How columns are shown and edited, by column key: money in cents (`{ type: "money" }` shows
   * 82245 as "€822.45" and is typed as "822.45"), `decimal`, `percent`, `boolean` (see
   * `FieldType`). Applies to the change list, the change form and the history. Checked by
   * `site.register` (`WEFT_ADMIN_ERR_FIELD_TYPE`).
   */
  fieldTypes?: Readonly<Record<string, FieldType>>;
  /**
   * Which change-list columns give way on narrower screens, by `listDisplay` name (Django admin
   * has none; as Filament's `visibleFrom`, but by priority): `1` always shown (the default),
   * `2` hidden when the viewport is under 1024 px (still shown in the phone cards),
   * `3` hidden under 1440 px and in the phone cards. Pure CSS (classes `cl-p2` / `cl-p3`): the
   * HTML keeps every column for screen readers and the no-JS page. The first column (the card
   * title and link) cannot be demoted. Checked by `site.register` (`WEFT_ADMIN_ERR_LIST_PRIORITY`).
   * @example listDisplayPriority: { email: 2, createdAt: 3 }
   */
  listDisplayPriority?: Readonly<Record<string, ListPriority>>;
  /**
   * Django's `list_editable`: `listDisplay` columns edited in the change list's rows (the change
   * form's widgets: a select for choices, a checkbox for booleans, number inputs for numbers and
   * `fieldTypes`, text) and saved together by the "Save" button under the table, in one
   * transaction, each changed row audited as a change and written through `saveModel`, `clean`,
   * `formfieldOverrides` validators, `getReadonlyFields(user, row)` and
   * `hasChangePermission(user, row)`. Each must be an own, editable column of the change form,
   * in `listDisplay` and not a link column (not the first one without `listDisplayLinks`):
   * checked at start-up (`weft.E005`). A foreign key (named by its column or by the relation
   * `listDisplay` shows, `"customer"`) is the change form's select or autocomplete, its key
   * checked against the related admin's `getQueryset(user)`: changelist/list-editable-fk.ts.
   * See changelist/list-editable.ts.
   * @example listEditable: ["status", "customer"]
   */
  listEditable?: readonly string[];
  /** Django's `readonly_fields`: shown, never written (not even by a crafted event) */
  readonlyFields?: readonly string[];
  /**
   * Django's `autocomplete_fields`: foreign-key column keys edited by search-as-you-type over
   * the related ModelAdmin's `searchFields` (which must be registered and have `searchFields`;
   * checked by `site.register`, `WEFT_ADMIN_ERR_FORM_OPTIONS`). Results need the view
   * permission on the related model. A foreign key past 200 related rows whose related admin
   * has `searchFields` is autocompleted even when not listed. See changeform/autocomplete.ts.
   * @example autocompleteFields: ["customerId"]
   */
  autocompleteFields?: readonly string[];
  /**
   * Django's `inlines`: child rows edited on this change form ({@link TabularInline}), validated
   * with it and saved in its transaction. Checked at start-up (`WEFT_ADMIN_ERR_FORM_OPTIONS`).
   */
  inlines?: readonly InlineAdmin[];
  /** Django's `actions` (a built-in "delete selected" is added for users with the delete permission) */
  actions?: readonly AdminAction[];
  /**
   * The built-in "Export selected as CSV" action (see docs/admin.md, "CSV export and import"):
   * on by default for users with the view permission; `false` removes it; an object sets
   * `bom` (UTF-8 byte order mark for Excel, default true) and `batchSize` (rows per statement, default 1,000).
   */
  exportCsv?: boolean | { readonly bom?: boolean; readonly batchSize?: number };
  /** "Import CSV" on the change list (`<prefix>/<app>/<model>/import/`, add or change permission); `false` removes it (default true) */
  importCsv?: boolean;
  /**
   * SmallStack-style dashboard widgets attached to this model: their `getData` receives this
   * ModelAdmin as `ctx.admin`, their `url` defaults to its change list, their `app` is its app,
   * and users need its view permission (besides `permissionRequired`) to get them.
   * Checked by `site.register`.
   */
  dashboardWidgets?: readonly DashboardWidget[];
  /**
   * Widgets around the change list (static `position`: above, the default; beside; below): LiveView
   * classes (nested views, props `app`, `model`) or LiveComponent classes, which follow the list:
   * they get its search, filters, selection and matching rows' WHERE as props ({@link ListWidgetProps})
   */
  changeListWidgets?: readonly (LiveViewClass | LiveComponentClass)[];
  /**
   * Widgets around the change form, on the add form too: LiveView classes (nested views, props
   * `objectId`, absent when adding) or LiveComponent classes ({@link FormWidgetProps})
   */
  changeFormWidgets?: readonly (LiveViewClass | LiveComponentClass)[];
  /** Django's `get_queryset`: a WHERE clause scoping which rows `user` may see, or undefined for all */
  getQueryset?(user: SessionUser): SQL | undefined;
  /** the icon of the model in the navigation (inline SVG markup, trusted) */
  icon?: string;
  /** permission overrides (Django's `has_view_permission` …); default: the user's permission strings */
  hasViewPermission?(user: SessionUser): boolean;
  hasAddPermission?(user: SessionUser): boolean;
  /**
   * Django's `has_change_permission(request, obj)`: with `obj` (the stored row) on the change
   * form (render, join, every event and POST: refused → a read-only form, a 403 POST); without
   * it for the model as a whole
   */
  hasChangePermission?(user: SessionUser, obj?: Record<string, unknown>): boolean;
  /** Django's `has_delete_permission(request, obj)`: `obj` as for {@link hasChangePermission} (delete page and button) */
  hasDeletePermission?(user: SessionUser, obj?: Record<string, unknown>): boolean;
}

/**
 * One model registered with an {@link AdminSite}, as Django's `ModelAdmin`: its options, its
 * names and URLs, and its permission checks (run on every page render AND every event).
 */
export class ModelAdmin<T extends AnyTable = AnyTable, R extends Relations = Relations> {
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
    this.tableName = tableInfo(table).name;
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

  /**
   * Whether `user` may do `action` on this model: the override if given, else the permission
   * string. With `obj` (change, delete), the override also judges that object, as Django's
   * `has_change_permission(request, obj)`.
   */
  has(user: SessionUser | null | undefined, action: ModelAction, obj?: Record<string, unknown>): boolean {
    if (!user?.isStaff) return false;
    const o = this.options;
    const override = { view: o.hasViewPermission, add: o.hasAddPermission, change: o.hasChangePermission, delete: o.hasDeletePermission }[action];
    if (override) return (override as (u: SessionUser, obj?: Record<string, unknown>) => boolean).call(o, user, obj);
    // as Django: the change permission implies view
    if (action === "view" && hasPermission(user, this.perm("change"))) return true;
    return hasPermission(user, this.perm(action));
  }
}

