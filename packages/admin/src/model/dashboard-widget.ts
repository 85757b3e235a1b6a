/**
 * The dashboard widget contract, after SmallStack's (`title`, `icon`, `order`, `url`,
 * `onDashboard`, `span`, `group`, `get_data() → { headline, detail, status, …extras }`), made
 * live: a widget also names the channel-layer topics that change it and, optionally, a
 * refresh interval for data that changes outside the app. It sits beside ModelAdmin, whose
 * `dashboardWidgets` take widgets and whose instance an attached widget's `getData` receives;
 * dashboard/ registers and shows them.
 */
import type { SessionUser } from "../auth/index.js";
import type { AdminDatabase } from "../query/index.js";
import type { AdminSiteLike } from "./site-like.js";
import type { ModelAdmin } from "./model-admin.js";
import type { ChartExtras } from "./chart-extras.js";

export type { ChartBar, ChartExtras, TopItem, Trend } from "./chart-extras.js";

/** The status colour of a card: `tile-ok`, `tile-warning`, `tile-danger`, `tile-info`. */
export type WidgetStatus = "ok" | "warning" | "danger" | "info";

/**
 * What a widget's `getData` returns, as SmallStack's `get_data()`: the big number or word of
 * the card, one line of detail, an optional status colour, and any extras (e.g. `currency`)
 * that the JSON API passes through as they are. Extras must be JSON-serialisable. The chart
 * extras ({@link ChartExtras}: `series`, `seriesLabel`, `bars`, `trend`, `top`) are also drawn
 * on the card, on the server, and pushed live with the headline.
 */
export interface WidgetData extends ChartExtras {
  /** the big value of the card, e.g. `128` or `"€1,204.50"` */
  headline: string | number;
  /** one line under it, e.g. "since midnight" (default none: the checked data has `""`) */
  detail?: string;
  /** the card's colour (default: none) */
  status?: WidgetStatus;
  /** anything else, passed through by the JSON API */
  [extra: string]: unknown;
}

/** What `getData` receives: who is looking, the site and, for attached widgets, the ModelAdmin. */
export interface WidgetContext {
  /** the staff user the data is for (the session's user, or the API token's user) */
  user: SessionUser;
  /** the admin site the widget is registered with */
  site: AdminSiteLike;
  /** the ModelAdmin a `dashboardWidgets` entry is attached to (its `table` is the model); undefined for standalone widgets */
  admin?: ModelAdmin<any, any>;
  /**
   * The database to read through: the site's reads for `user` (`site.readsFor(user)`): off the
   * event loop (SQLite's read pool), each statement under the site's query budget (past it:
   * `QueryTimeoutError`, `WEFT_ADMIN_ERR_QUERY_TIMEOUT`, and the card reads "Took too long to
   * load") and charged to the user's fair share. Read through it rather than your own
   * connection: a slow count on better-sqlite3's own connection stalls every user of the worker.
   */
  db: AdminDatabase;
}

/**
 * A dashboard widget (SmallStack's widget contract, made live). Register it on a ModelAdmin
 * (`dashboardWidgets: [widget]`, it then receives the model as `ctx.admin`) or standalone
 * (`site.dashboard.register(widget)`). Checked when registered; see {@link resolveWidget}.
 *
 * @example
 * const ordersToday: DashboardWidget = {
 *   title: "Orders today",
 *   icon: CART_SVG,
 *   order: 10,
 *   topics: ["orders"],
 *   getData: () => ({ headline: countOrdersToday(db), detail: "since midnight" }),
 * };
 */
export interface DashboardWidget {
  /**
   * Stable identifier (lower-case letters, digits, `-`, `_`), used in view tokens, DOM ids and
   * the API's `key`. Default: the title in kebab-case. Attached widgets are keyed
   * `<app>.<model>.<key>`.
   */
  key?: string;
  /** the card's title (plain text) */
  title: string;
  /** an inline SVG icon, written as-is (trusted markup: never build it from user input) */
  icon?: string;
  /** position: lower comes first (default 50; first-party widgets leave gaps: 10, 20, …) */
  order?: number;
  /** where the card links to (default: the attached model's change list; none for standalone widgets) */
  url?: string | null;
  /** false: shown only on scoped pages (its group's or app's dashboard), not on the main dashboard (default true) */
  onDashboard?: boolean;
  /** width in grid columns (default 1) */
  span?: 1 | 2;
  /** the group whose page (`/admin/dashboard/<group>/`) shows it */
  group?: string;
  /** the app whose index (`/admin/<app>/`) shows it; attached widgets take their model's app */
  app?: string;
  /** channel-layer topics whose messages change the data (e.g. `["orders"]`): each one re-runs `getData`, throttled */
  topics?: readonly string[];
  /** re-run `getData` this often (ms, at least 250), for data that changes outside the app */
  refreshMs?: number;
  /**
   * The card's own Eta template, for anything the default card (headline, detail, chart
   * extras) does not draw: a path relative to the app's `views` directory, an absolute path or
   * a file URL (as a LiveView's `static template`). `it` holds `title`, `icon`, `url`, `ok`,
   * `headline`, `detail`, `status`, the drawn `trend`, `chart` and `top` markup, and `data`
   * (what `getData` returned, null when it failed). Escape what you write (`<%= %>`). The
   * template's root should carry `data-widget="<%= it.key %>"`. Default: the built-in card.
   */
  template?: string | URL;
  /** permission string(s) a user must hold (all of them) to get the widget at all */
  permissionRequired?: string | readonly string[];
  /**
   * true: the data is the same for every user, so the tiles showing it on a worker share one
   * `getData` run: while one runs, every other tile (page render, join, publish, refresh tick)
   * waits for it instead of starting its own; the next change starts a new run. `ctx.user`
   * is then the user of whichever tile started the run: a shared widget must not read it.
   * Default false: one run per tile, for its own user (safe for per-user data). Visibility
   * (`permissionRequired`) is still checked per user. The JSON API is not shared.
   */
  shared?: boolean;
  /**
   * The card's data, for `ctx.user`. Runs on every page render, join, throttled topic message,
   * refresh tick and API call; keep it to one cheap query.
   * @throws anything: the card (and the API item) shows "unavailable"; the stack goes to the server log
   */
  getData(ctx: WidgetContext): WidgetData | Promise<WidgetData>;
}
