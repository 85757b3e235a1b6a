/**
 * The site as the admin's parts see it. `AdminSite` (site.ts) builds the dashboard and is
 * built on top of everything else, so what sits below it — a ModelAdmin's actions and
 * widgets, the admin's views, presenters and routes — is typed against this interface, which
 * `AdminSite` implements.
 */
import type { AdminDatabase } from "../query/dialect/index.js";
import type { Logger } from "@weft/server";
import type { JobQueue, JobStore } from "@weft/server/jobs";
import type { AdminSessions, ApiTokens, SessionUser, UserStore } from "../auth/index.js";
import type { ChangeListQuery } from "../query/index.js";
import type { ModelAdmin } from "./model-admin.js";
import type { AdminAction } from "./actions.js";
import type { Display } from "./field-types.js";
import type { JobHistory } from "../jobhistory/index.js";

/**
 * An admin site's registered models and services: what actions (`ctx.site`), dashboard
 * widgets (`ctx.site`), context providers and admin views (`this.site`) may use. The site
 * itself (`AdminSite`) adds registration, the dashboard and the navigation.
 */
export interface AdminSiteLike {
  /** URL prefix, e.g. `/admin` */
  readonly prefix: string;
  /** site title in the top bar and `<title>` */
  readonly title: string;
  /** distinguishes several sites in one app; used in view ids */
  readonly id: string;
  /**
   * The admin's built-in actions a ModelAdmin gets besides its own (today: "Export selected as
   * CSV" unless `exportCsv: false`), after them in the menu; an admin's own action of the same
   * name wins. Given by the site, so the change list does not import the jobs that run them.
   */
  builtInActions?(admin: ModelAdmin<any, any>): readonly AdminAction[];
  /** locale, default currency and the time zone every date is shown and typed in */
  readonly display: Display;
  /** how empty values read site-wide (Django's `AdminSite.empty_value_display`); undefined: "—" (see model/empty-value.ts) */
  readonly emptyValueDisplay?: string | undefined;
  /** the drizzle database holding the models and the admin's `weft_*` tables */
  readonly db: AdminDatabase;
  /** the database the change list reads through (the SQLite read pool's, else `db`); never written */
  readonly reads: AdminDatabase;
  /**
   * The database `user`'s own reads go through: {@link AdminSiteLike.reads}, each statement under
   * the budget and charged to the user's fair share (see `AdminSite.readsFor`).
   */
  readsFor(user: SessionUser | string | number): AdminDatabase;
  /** the budget of one admin statement, ms */
  readonly queryTimeoutMs: number;
  readonly users: UserStore;
  readonly sessions: AdminSessions;
  readonly tokens: ApiTokens;
  /**
   * The background jobs of the site's progress actions.
   * @throws WeftAdminError `WEFT_ADMIN_ERR_NOT_INSTALLED` before the admin is installed
   */
  readonly jobs: JobStore;
  /**
   * Where the progress actions' jobs are queued and run (see `installJobs`).
   * @throws WeftAdminError `WEFT_ADMIN_ERR_NOT_INSTALLED` before the admin is installed
   */
  readonly jobQueue: JobQueue;
  /** the jobs kept in the database for `jobs.retentionDays` ("My jobs", "All jobs", a job's page once the channel layer forgot it) */
  readonly jobHistory: JobHistory;
  /** where job failures (with their stacks) are logged: the app's logger once installed */
  readonly jobLog: Logger | undefined;
  /** The ModelAdmin registered as `app`/`name`, or undefined. */
  get(app: string, name: string): ModelAdmin<any, any> | undefined;
  /** Every registered ModelAdmin, in registration order. */
  all(): ModelAdmin<any, any>[];
  /** The change-list query of a registered ModelAdmin. */
  query(admin: ModelAdmin<any, any>): ChangeListQuery<any, any>;
  /** Whether `user` holds `perm` (superusers hold all), as Django's `has_perm`. */
  hasPerm(user: SessionUser | null | undefined, perm: string): boolean;
}
