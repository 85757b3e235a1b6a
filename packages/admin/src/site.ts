import { dialectOf, type AdminDatabase, type Dialect, type AnyTable } from "./query/dialect/index.js";
import { authPages } from "./users/index.js";
import { AdminSessions, ApiTokens, hasPermission, UserStore, type SessionUser } from "./auth/index.js";
import { migrateAdmin, migrateAdminSqlite, migrateSearchIndexes, type TrigramIndexSpec } from "./migrate/index.js";
import { adminMigratedIn } from "./migrate/pg.js";
import { ModelAdmin, type ModelAdminOptions } from "./model/model-admin.js";
import { checkListPriority } from "./model/list-priority.js";
import { EMPTY_VALUE_DISPLAY } from "./model/empty-value.js";
import { checkFieldTypes, resolveDisplay, type Display } from "./model/field-types.js";
import type { NavApp } from "./shell/nav.js";
import { chargedReads } from "./query/read-pool/index.js";
import { ChangeListQuery, FairShare, queryBudget, siteReads, type SqliteReadPool, type Relations } from "./query/index.js";
import { SiteContext } from "./dashboard/context.js";
import type { DashboardSite } from "./dashboard/dashboard-site.js";
import { DashboardRegistry } from "./dashboard/registry.js";
import { InProcessJobQueue, type JobQueue, type JobStore } from "@weft/server/jobs";
import { registerActionJobs, type SiteJobOptions } from "./jobs/install.js";
import { exportCsvAction } from "./jobs/csv/export.js";
import { JobHistory } from "./jobhistory/index.js";
import type { AdminAction } from "./model/actions.js";
import type { Logger } from "@weft/server";
import { adminError } from "./errors.js";
import { PageRegistry, type AdminPageOptions, type NavPageGroup, type PageViewClass } from "./pages/index.js";
import type { LiveViewClass } from "@weft/server";

import type { AdminSiteOptions } from "./site-options.js";
export type { AdminSiteOptions } from "./site-options.js";

/** How many users' {@link AdminSite.readsFor} databases a site keeps (each a few small objects). */
const READS_FOR_KEPT = 1000;

/**
 * The admin site, as Django's `AdminSite`: the registry of {@link ModelAdmin}s, the users,
 * sessions and API tokens of the admin, and (through `install`) its routes under the prefix.
 *
 * @example
 * const site = await AdminSite.create({ db }); // or new AdminSite({ db }) then await site.ready()
 * site.register(orders, { app: "shop", listDisplay: ["number", "customer", "status"], … });
 * await app.register(weft, { secret, sessions: site.sessions });
 * await app.register(site.plugin);
 *
 * It sits on top of the admin's parts (below the plugin only): they see it as an
 * `AdminSiteLike` (models, actions, widgets, views) or, in the dashboard, a `DashboardSite`.
 */
export class AdminSite implements DashboardSite {
  readonly prefix: string;
  readonly title: string;
  readonly id: string;
  /** locale, default currency and time zone (see {@link AdminSiteOptions.display}) */
  readonly display: Display;
  /** how empty values read site-wide (see {@link AdminSiteOptions.emptyValueDisplay}) */
  readonly emptyValueDisplay: string;
  /** the database (SQLite: wrapped so that the admin's writes wait for its open transactions; see `query/dialect/sqlite.ts`) */
  readonly db: AdminDatabase;
  /** what differs between SQLite and PostgreSQL */
  readonly dialect: Dialect;
  /** the budget of one admin statement, ms (see {@link AdminSiteOptions.queryTimeoutMs}) */
  readonly queryTimeoutMs: number;
  /**
   * the database the change list reads through: the read pool's (SQLite on a file, see
   * {@link AdminSiteOptions.readPool}), else {@link AdminSite.db}. Writes always go to `db`.
   */
  readonly reads: AdminDatabase;
  /** the SQLite read pool behind {@link AdminSite.reads}, if any (`adminPlugin` closes it with the app) */
  readonly readPool: SqliteReadPool | undefined;
  /** the per-user share of the admin's database time (see {@link AdminSiteOptions.fairShare}); undefined with `fairShare: false` */
  readonly fairShare: FairShare | undefined;
  /** {@link AdminSite.readsFor}'s databases, by user id (the most recent {@link READS_FOR_KEPT}) */
  private readonly userReads = new Map<string, AdminDatabase>();
  private readonly userStore: UserStore;
  private readonly sessionStore: AdminSessions;
  private readonly tokenStore: ApiTokens;
  /** SQLite, or PostgreSQL once {@link AdminSite.ready} resolved (or `migrateAdmin` ran on the same pool) */
  private isReady: boolean;
  private readying: Promise<this> | undefined;
  /** the dashboard widgets (standalone ones: `site.dashboard.register(widget)`) and dashboard pages */
  readonly dashboard: DashboardRegistry;
  /** the site's own pages inside the admin shell (see {@link AdminSite.page}) */
  readonly pages: PageRegistry;
  /** cached site-wide context providers and the top bar's badges (`site.context.provide(…)`, `.badge(…)`) */
  readonly context: SiteContext;
  /** options of the job store made at install (see {@link AdminSite.jobs}) */
  readonly jobOptions: SiteJobOptions;
  /**
   * the job history in the database (`weft_jobs`): every job's record, kept
   * `jobs.retentionDays` (default 30) after it finished; written as jobs change once the
   * admin is installed (or a job worker runs), pruned every hour
   */
  readonly jobHistory: JobHistory;
  private jobStore: JobStore | undefined;
  private queue: JobQueue | undefined;
  private jobLogger: Logger | undefined;
  private models = new Map<string, ModelAdmin<any, any>>();
  private queries = new Map<ModelAdmin<any, any>, ChangeListQuery<any, any>>();

  constructor(opts: AdminSiteOptions) {
    this.prefix = (opts.prefix ?? "/admin").replace(/\/+$/, "");
    this.title = opts.title ?? "Weft admin";
    this.id = opts.id ?? "admin";
    this.display = resolveDisplay(opts.display);
    this.emptyValueDisplay = opts.emptyValueDisplay ?? EMPTY_VALUE_DISPLAY;
    this.dialect = dialectOf(opts.db);
    this.db = this.dialect.adopt(opts.db);
    // the admin's tables: SQLite applies pending migrations here, synchronously (a no-op once up to
    // date; `weft migrate` does the same); PostgreSQL's by `await site.ready()` (or `AdminSite.create`)
    if (this.dialect.name === "sqlite") migrateAdminSqlite(opts.db as Parameters<typeof migrateAdminSqlite>[0]);
    this.isReady = this.dialect.name === "sqlite" || adminMigratedIn(opts.db as Parameters<typeof adminMigratedIn>[0]);
    this.queryTimeoutMs = queryBudget(opts.queryTimeoutMs);
    // the views log a stopped statement (with the user); see ChangeListView's tooSlow
    const reads = siteReads(this.db, this.dialect, this.queryTimeoutMs, opts.readPool);
    this.reads = reads.reads;
    this.readPool = reads.pool;
    this.fairShare = opts.fairShare === false ? undefined : new FairShare(opts.fairShare);
    this.userStore = new UserStore(this.db);
    this.sessionStore = new AdminSessions({ db: this.db, loginUrl: `${this.prefix}/login/`, ...(this.fairShare ? { onActive: this.fairShare.seen.bind(this.fairShare) } : {}) });
    this.tokenStore = new ApiTokens(this.db);
    this.dashboard = new DashboardRegistry(this);
    this.context = new SiteContext(this);
    this.pages = new PageRegistry(this);
    // users, groups and API tokens for superusers (Django admin's auth app), under "Authentication"
    authPages(this, (path, View, o) => this.page(path, View, o));
    this.jobOptions = { ...opts.jobs };
    this.jobHistory = new JobHistory(this.db, { ...(opts.jobs?.retentionDays !== undefined ? { retentionDays: opts.jobs.retentionDays } : {}), ...(opts.jobs?.now ? { now: opts.jobs.now } : {}) });
  }

  /**
   * `new AdminSite(opts)` then `await site.ready()`: the one start-up path of both engines.
   * @returns the site, its admin tables created or upgraded
   * @throws what the constructor and {@link AdminSite.ready} throw
   */
  static async create(opts: AdminSiteOptions): Promise<AdminSite> {
    return new AdminSite(opts).ready();
  }

  /**
   * Creates or upgrades the admin's own tables (users, sessions, API tokens, audit log…) in the
   * site's database, as `migrateAdmin(db)` does, and resolves when the site may serve. Call it
   * (or use {@link AdminSite.create}) before `site.users`, `site.sessions`, `site.tokens` or
   * `adminPlugin`, on either engine. Idempotent and cheap once up to date (one statement); the
   * first call's promise is shared by later calls. On PostgreSQL the migrations run under an
   * advisory lock, so any number of processes starting together on any machines apply them
   * once; SQLite's constructor applied them already (kept for existing code), so there it
   * resolves at once. The trigram search indexes are separate: {@link AdminSite.migrateSearchIndexes}.
   *
   * @returns this site
   * @throws WeftAdminError `WEFT_ADMIN_ERR_MIGRATE` when a migration fails (nothing of it is
   *   kept; a later call tries again); the driver's error when the server cannot be reached
   */
  ready(): Promise<this> {
    if (this.isReady) return Promise.resolve(this);
    const ready = (): this => {
      this.isReady = true;
      return this;
    };
    return (this.readying ??= migrateAdmin(this.db).then(ready, (err: unknown) => {
      this.readying = undefined; // a later call tries again
      throw err;
    }));
  }

  /**
   * Throws unless the site is ready (see {@link AdminSite.ready}).
   * @param what - what was used, for the message
   * @throws WeftAdminError `WEFT_ADMIN_ERR_NOT_READY` on PostgreSQL before `await site.ready()`
   */
  assertReady(what: string): void {
    if (this.isReady) return;
    throw adminError(
      "WEFT_ADMIN_ERR_NOT_READY",
      `weft admin: ${what} was used before the site was ready: on PostgreSQL the admin's tables may not exist yet. ` +
        "`await site.ready()` after `new AdminSite(…)` (or `const site = await AdminSite.create(…)`) before using it; it applies the admin's migrations once, safely from many processes",
    );
  }

  /**
   * The database a user's own reads go through: {@link AdminSite.reads} (SQLite's read pool, in
   * reader processes; PostgreSQL's pool, under `statement_timeout`), each statement under the
   * site's budget ({@link AdminSite.queryTimeoutMs}: past it, `QueryTimeoutError`,
   * `WEFT_ADMIN_ERR_QUERY_TIMEOUT`) and waiting for, then charged to, `user`'s fair share (see
   * {@link AdminSiteOptions.fairShare}), as the change list's own statements are. What the admin
   * hands widget slots (`props.db`) and dashboard widgets (`ctx.db`); read through it in your
   * own views too. For reads only: write through {@link AdminSite.db} (SQLite's pool rejects a
   * write; on PostgreSQL a transaction on it checks a connection out of the pool, uncharged).
   * Without a fair share (`fairShare: false`) it is `reads` itself; on SQLite without a read
   * pool (in memory, `readPool: false`) too, uncharged and unbudgeted (the statement runs on the
   * event loop).
   * @param user - the user (or their id) the statements are for
   * @returns a drizzle database of the site's dialect (the same object for the same user while kept)
   */
  readsFor(user: SessionUser | string | number): AdminDatabase {
    const id = typeof user === "object" ? user.id : user;
    if (!this.fairShare) return this.reads;
    const key = String(id);
    let db = this.userReads.get(key);
    if (db) {
      this.userReads.delete(key); // most recent last
    } else {
      db = chargedReads(this.reads, this.dialect, this.readPool, this.fairShare, id);
      if (this.userReads.size >= READS_FOR_KEPT) this.userReads.delete(this.userReads.keys().next().value!);
    }
    this.userReads.set(key, db);
    return db;
  }

  /** The admin's users, groups and permissions (`weft_users`…), as Django's `auth` models. @throws WeftAdminError `WEFT_ADMIN_ERR_NOT_READY` on PostgreSQL before {@link AdminSite.ready} */
  get users(): UserStore {
    this.assertReady("site.users");
    return this.userStore;
  }

  /** The admin's login sessions (give them to weft: `sessions: site.sessions`). @throws WeftAdminError `WEFT_ADMIN_ERR_NOT_READY` on PostgreSQL before {@link AdminSite.ready} */
  get sessions(): AdminSessions {
    this.assertReady("site.sessions");
    return this.sessionStore;
  }

  /** The admin's API bearer tokens. @throws WeftAdminError `WEFT_ADMIN_ERR_NOT_READY` on PostgreSQL before {@link AdminSite.ready} */
  get tokens(): ApiTokens {
    this.assertReady("site.tokens");
    return this.tokenStore;
  }

  /**
   * The background jobs of the site's progress actions (`withProgress`), in the channel layer
   * of the app the admin is installed in: `adminPlugin` creates it at install time from
   * `app.weft.services.pubsub` and {@link AdminSiteOptions.jobs}.
   * @throws WeftAdminError `WEFT_ADMIN_ERR_NOT_INSTALLED` before the admin is installed
   */
  get jobs(): JobStore {
    if (!this.jobStore) throw adminError("WEFT_ADMIN_ERR_NOT_INSTALLED", "weft admin: site.jobs exists once adminPlugin is registered: `await app.register(adminPlugin, { site })` first (or read it in a route or an action)");
    return this.jobStore;
  }

  /**
   * Where the progress actions' jobs are queued and run (in-process, or BullMQ with
   * `jobs.bullmq`): made at install with {@link AdminSite.jobs}.
   * @throws WeftAdminError `WEFT_ADMIN_ERR_NOT_INSTALLED` before the admin is installed
   */
  get jobQueue(): JobQueue {
    if (!this.queue) throw adminError("WEFT_ADMIN_ERR_NOT_INSTALLED", "weft admin: site.jobQueue exists once adminPlugin is registered (or installJobs ran, in a job worker)");
    return this.queue;
  }

  /** Where job failures (with their stacks) are logged: the app's logger once installed. */
  get jobLog(): Logger | undefined {
    return this.jobLogger;
  }

  /**
   * Sets the job store, its logger and queue (default: an in-process queue running every
   * progress action); called by `installJobs` (`adminPlugin` at install, or a job worker; the
   * last install wins).
   * @internal
   */
  attachJobs(store: JobStore, log: Logger, queue?: JobQueue): void {
    this.jobStore = store;
    this.jobLogger = log;
    if (!queue) registerActionJobs(this, (queue = new InProcessJobQueue(store, { logger: log })));
    this.queue = queue;
  }

  /**
   * The trigram indexes the registered ModelAdmins' `searchIndex: "trigram"` needs (one per
   * searched text column, own or related, without repeats).
   */
  searchIndexes(): TrigramIndexSpec[] {
    const all = new Map<string, TrigramIndexSpec>();
    for (const q of this.queries.values()) for (const spec of q.config.searchIndexes) all.set(`${spec.schema ?? ""}.${spec.table}.${spec.column}`, spec);
    return [...all.values()];
  }

  /**
   * Creates the missing trigram indexes of {@link AdminSite.searchIndexes} in the site's
   * database (see `migrateSearchIndexes`), as `weft migrate` does: call it at start-up or in a
   * release step, after registering the models. Building an index over a large table takes a
   * while, once (the demo's 400,000 orders and 50,000 customers: ~15 s).
   *
   * @returns the names of the indexes created now
   * @throws WeftAdminError `WEFT_ADMIN_ERR_MIGRATE` when one cannot be created
   */
  migrateSearchIndexes(): Promise<string[]> {
    return migrateSearchIndexes(this.db as Parameters<typeof migrateSearchIndexes>[0], this.searchIndexes());
  }

  /**
   * Registers a model, as Django's `admin.site.register(Model, ModelAdmin)`.
   * @returns the ModelAdmin
   * @throws WeftAdminError `WEFT_ADMIN_ERR_MODEL_TWICE` / `WEFT_ADMIN_ERR_RESERVED_APP` /
   *   `WEFT_ADMIN_ERR_BAD_IDENTIFIER`, ChangeListOptionsError / FormOptionsError when an option
   *   names an unknown column; `WEFT_ADMIN_ERR_FIELD_TYPE` for a bad `fieldTypes` entry;
   *   `WEFT_ADMIN_ERR_LIST_PRIORITY` for a bad `listDisplayPriority` entry; TypeError for an invalid `dashboardWidgets` entry
   *   (`WEFT_ADMIN_ERR_WIDGET_KEY_TWICE` for a widget key used twice)
   */
  register<T extends AnyTable, R extends Relations = {}>(table: T, options: ModelAdminOptions<T, R>): ModelAdmin<T, R> {
    const admin = new ModelAdmin<T, R>(table, options, this.prefix);
    const key = `${admin.app}.${admin.name}`;
    if (this.models.has(key)) throw adminError("WEFT_ADMIN_ERR_MODEL_TWICE", `weft admin: ${key} is registered twice: register each table once, or give the second ModelAdmin another \`name\``);
    if (admin.app === "dashboard" || admin.app === "api" || admin.app === "jobs") throw adminError("WEFT_ADMIN_ERR_RESERVED_APP", `weft admin: app "${admin.app}" of ${key} is reserved for the admin's own URLs (dashboard, api, jobs): choose another \`app\``);
    // resolves and checks every change-list option now, so mistakes fail at start-up
    const query = new ChangeListQuery(this.reads, table, { adminName: `ModelAdmin(${key})`, ...options }, { timeZone: this.display.timeZone, ...(this.fairShare ? { fairShare: this.fairShare } : {}) });
    checkFieldTypes(`ModelAdmin(${key})`, options.fieldTypes ?? {}, Object.keys(query.config.columns), this.display);
    checkListPriority(`ModelAdmin(${key})`, options.listDisplayPriority, query.config.listDisplay.map((c) => c.name));
    // checks every widget now too; nothing is kept when anything fails
    this.dashboard.attach(admin, options.dashboardWidgets ?? []);
    this.queries.set(admin, query);
    this.models.set(key, admin);
    return admin;
  }

  /**
   * Mounts your own LiveView inside the admin, as Django admin's custom views in
   * `AdminSite.get_urls` and Filament's custom pages: at `<prefix>/<path>` in the admin shell
   * (layout, top bar, sidebar), with breadcrumbs and the `title` as heading above the view's
   * HTML, in the admin's live session (links with `lv-navigate` reach it over the socket), staff
   * only, and with `permissionRequired` checked on the HTTP render (403) and on every join
   * (refused), before the view's own `authorize`. Its sidebar entry (`nav`) is shown only to
   * users who may see the page. Call it before `app.register(adminPlugin, { site })`.
   *
   * @example
   * site.page("reports/sales/", SalesReport, { title: "Sales report", nav: { group: "Reports", order: 10 }, permissionRequired: "shop.view_order" });
   *
   * @param path - below the prefix: 1-4 lower-case segments each ending with "/" (`reports/sales/`)
   * @param View - any LiveView class (its template, `mount`, events and `authorize` work as anywhere)
   * @param options - see {@link AdminPageOptions}
   * @returns the class the admin mounts (a subclass of `View`, registered as `<site id>-page-<path>`)
   * @throws WeftAdminError `WEFT_ADMIN_ERR_PAGE_PATH` (a malformed path, or one starting with the
   *   admin's own URLs: login, jobs, history, dashboard, password_change…), `WEFT_ADMIN_ERR_PAGE_TWICE`
   *   (the path is another page's, a dashboard page's, or starts with a registered app label),
   *   `WEFT_ADMIN_ERR_PAGE_OPTIONS` (not a LiveView class, an unknown or malformed option)
   */
  page(path: string, View: LiveViewClass, options: AdminPageOptions): PageViewClass {
    return this.pages.add(path, View, options, (p) => this.pathOwner(p));
  }

  /** Who serves `path` (below the prefix) already, besides pages: a dashboard page or a model's app; null if nobody. @internal */
  pathOwner(path: string): string | null {
    if (this.dashboard.customPages().some((d) => d.path === path)) return "a dashboard page";
    const first = path.slice(0, path.indexOf("/"));
    return this.all().some((m) => m.app === first) ? `the app "${first}" (its models' pages)` : null;
  }

  /** The sidebar's page entries for `user` (only pages they may see), grouped and ordered. */
  pageNav(user: SessionUser | null): NavPageGroup[] {
    return this.pages.nav(user);
  }

  /** The ModelAdmin registered as `app`/`name`, or undefined. */
  get(app: string, name: string): ModelAdmin<any, any> | undefined {
    return this.models.get(`${app}.${name}`);
  }

  /** Every registered ModelAdmin, in registration order. */
  all(): ModelAdmin<any, any>[] {
    return [...this.models.values()];
  }

  /** The change-list query of a ModelAdmin. */
  /** {@inheritDoc AdminSiteLike.builtInActions} */
  builtInActions(admin: ModelAdmin<any, any>): readonly AdminAction[] {
    return admin.options.exportCsv === false ? [] : [exportCsvAction(admin)];
  }

  query(admin: ModelAdmin<any, any>): ChangeListQuery<any, any> {
    return this.queries.get(admin)!;
  }

  /** Whether `user` holds `perm` (superusers hold all), as Django's `has_perm`. */
  hasPerm(user: SessionUser | null | undefined, perm: string): boolean {
    return hasPermission(user, perm);
  }

  /** The navigation for `user`: apps with the models they may view (as Django's `get_app_list`). */
  nav(user: SessionUser | null): NavApp[] {
    const apps = new Map<string, NavApp>();
    for (const m of this.models.values()) {
      if (!m.has(user, "view")) continue;
      let a = apps.get(m.app);
      if (!a) apps.set(m.app, (a = { app: m.app, label: m.app.charAt(0).toUpperCase() + m.app.slice(1), models: [] }));
      a.models.push({ label: m.verboseNamePlural, url: m.url, icon: m.options.icon });
    }
    return [...apps.values()];
  }
}
