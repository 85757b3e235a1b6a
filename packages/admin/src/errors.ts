/**
 * Every error @weft/admin throws at a developer: a {@link WeftAdminError} (a `WeftError` of
 * @weft/server, so one `instanceof WeftError` catches both packages' errors) with a stable
 * `code` (`WEFT_ADMIN_ERR_…`, listed in {@link adminErrorCodes}) and a message that says what
 * to do. Match on `err.code`, never on the wording.
 * @packageDocumentation
 */
import { WeftError } from "@weft/server";

/**
 * Every code @weft/admin throws, with when it is thrown. The codes are stable; the messages
 * may change.
 */
export const adminErrorCodes = Object.freeze({
  /** `adminPlugin`: the weft plugin is not registered before it */
  WEFT_ADMIN_ERR_WEFT_MISSING: "adminPlugin was registered before (or without) the weft plugin",
  /** `adminPlugin` / `adminAuthRoutes`: weft was registered without the site's sessions (`sessions: site.sessions`) */
  WEFT_ADMIN_ERR_SESSIONS_MISMATCH: "the weft plugin uses other sessions than the admin's",
  /** `adminAuthRoutes`: neither weft nor @fastify/cookie with a secret is registered before it */
  WEFT_ADMIN_ERR_COOKIE_MISSING: "adminAuthRoutes has no way to sign its session cookie",
  /** `adminAuthRoutes`: @fastify/csrf-protection or a `request.session` is registered already */
  WEFT_ADMIN_ERR_CSRF_CONFLICT: "adminAuthRoutes found another CSRF / session plugin",
  /** the action endpoint: `adminAuthRoutes` (its csrfProtection) is not registered first */
  WEFT_ADMIN_ERR_CSRF_MISSING: "the action endpoint needs adminAuthRoutes first",
  /** `adminPlugin`: the start-up checks found errors ({@link SystemCheckError}) */
  WEFT_ADMIN_ERR_SYSTEM_CHECK: "the start-up checks found errors",
  /** `site.register` / `new ModelAdmin`: `app` or `name` is not a lower-case identifier */
  WEFT_ADMIN_ERR_BAD_IDENTIFIER: "a ModelAdmin's app or name is not a lower-case identifier",
  /** `site.register`: the same app and model name are registered twice */
  WEFT_ADMIN_ERR_MODEL_TWICE: "a model is registered twice",
  /** `site.register`: the app label is one of the admin's own URLs (dashboard, api, jobs) */
  WEFT_ADMIN_ERR_RESERVED_APP: "a reserved app label",
  /** `site.register` / `new ChangeListQuery`: a change-list option does not fit the table ({@link ChangeListOptionsError}) */
  WEFT_ADMIN_ERR_CHANGELIST_OPTIONS: "a change-list option does not fit the table",
  /** a change-list URL parameter is not allow-listed ({@link ChangeListParamError}; user input, answered 400 or with a flash) */
  WEFT_ADMIN_ERR_CHANGELIST_PARAM: "a change-list parameter is refused",
  /** a change list's computed `listDisplay` column's `value()` threw (the cause is attached) */
  WEFT_ADMIN_ERR_LIST_DISPLAY_VALUE: "a computed listDisplay column threw",
  /** `site.register`: a form option does not fit the table ({@link FormOptionsError}) */
  WEFT_ADMIN_ERR_FORM_OPTIONS: "a form option does not fit the table",
  /** an action's `run` refused, with a message for the user and an HTTP status ({@link ActionRefusedError}) */
  WEFT_ADMIN_ERR_ACTION_REFUSED: "an action refused to run",
  /** a `withProgress` action ran without `ctx.site` / `ctx.selection` (not from the change list or the action endpoint) */
  WEFT_ADMIN_ERR_PROGRESS_CONTEXT: "a progress action ran outside the change list",
  /** jobs: the keys a job was pinned to ("all N matching") are no longer stored */
  WEFT_ADMIN_ERR_JOB_SELECTION: "a job's pinned selection is gone",
  /** jobs: the BullMQ engine was given an unusable Redis URL */
  WEFT_ADMIN_ERR_JOB_QUEUE: "the job queue cannot be set up",
  /** `new AdminSite({ jobs })`: `retentionDays` of the job history is not a positive number of days */
  WEFT_ADMIN_ERR_JOB_HISTORY: "the job history's options are invalid",
  /** `site.jobs` was read before `adminPlugin` was registered */
  WEFT_ADMIN_ERR_NOT_INSTALLED: "site.jobs before adminPlugin",
  /** `site.users` / `.sessions` / `.tokens`, `adminPlugin`, a job worker: a PostgreSQL site used before `await site.ready()` (or `AdminSite.create`) */
  WEFT_ADMIN_ERR_NOT_READY: "a PostgreSQL site used before site.ready()",
  /** {@link UserStore}: a bad or taken username, a bad permission string, an unknown user ({@link UserStoreError}) */
  WEFT_ADMIN_ERR_USER_STORE: "the user store refused the input",
  /** `createSuperuser`: the password is empty */
  WEFT_ADMIN_ERR_EMPTY_PASSWORD: "an empty password",
  /** `AdminSessions.login`: the user is unknown or inactive */
  WEFT_ADMIN_ERR_LOGIN_INACTIVE_USER: "login of an unknown or inactive user",
  /** `AdminSessions.login`: the session just created could not be read back (the database lost it) */
  WEFT_ADMIN_ERR_SESSION_NOT_LOADED: "a new session did not load",
  /** the default auth renderer was asked for a template it does not have */
  WEFT_ADMIN_ERR_UNKNOWN_TEMPLATE: "an unknown auth template",
  /** `site.context.provide`: the name is taken */
  WEFT_ADMIN_ERR_CONTEXT_PROVIDER_TWICE: "a context provider is registered twice",
  /** `site.context.get`: no provider has that name */
  WEFT_ADMIN_ERR_UNKNOWN_CONTEXT_PROVIDER: "an unknown context provider",
  /** `site.dashboard.page`: the group's page was made already, with another path or title */
  WEFT_ADMIN_ERR_DASHBOARD_PAGE_CONFLICT: "a dashboard page made twice with other options",
  /** `site.page`: the path is malformed or starts with one of the admin's own URLs */
  WEFT_ADMIN_ERR_PAGE_PATH: "a malformed or reserved site.page path",
  /** `site.page` / `adminPlugin`: the path is taken (another page, a dashboard page, a model's app) */
  WEFT_ADMIN_ERR_PAGE_TWICE: "a site.page path is taken",
  /** `site.page`: the view is not a LiveView class, or an option is unknown or malformed */
  WEFT_ADMIN_ERR_PAGE_OPTIONS: "a bad site.page view or option",
  /** dashboard widgets: two widgets share one key */
  WEFT_ADMIN_ERR_WIDGET_KEY_TWICE: "a dashboard widget key is used twice",
  /** `AdminSite` / `dialectOf`: the database is neither a drizzle better-sqlite3 nor a node-postgres one */
  WEFT_ADMIN_ERR_DATABASE: "the database is not a drizzle SQLite or PostgreSQL database",
  /** `countStatements`: the database is not a drizzle better-sqlite3 one */
  WEFT_ADMIN_ERR_NOT_SQLITE: "countStatements needs a better-sqlite3 database",
  /** the `weft` command: an unknown subcommand or option, a missing argument (exit code 2) */
  WEFT_ADMIN_ERR_CLI_USAGE: "the weft command was called wrongly",
  /** the `weft` command: the config file is missing, fails to load, or lacks what the subcommand needs */
  WEFT_ADMIN_ERR_CLI_CONFIG: "the weft command's config file is missing or incomplete",
  /** `@weft/admin/testing`: no PostgreSQL answers and a private cluster cannot be started (initdb/pg_ctl missing or failing) */
  WEFT_ADMIN_ERR_TEST_POSTGRES: "the tests' PostgreSQL cannot be found or started",
  /** `@weft/admin/testing` `loginCookie`: the login form has no CSRF token, or the credentials were refused */
  WEFT_ADMIN_ERR_TEST_LOGIN: "the login through the admin's form failed",
  /** `site.register`: a `fieldTypes` entry names no column or has an unknown `type` / bad options */
  WEFT_ADMIN_ERR_FIELD_TYPE: "a fieldTypes entry does not fit the table",
  /** `site.register`: a `listDisplayPriority` entry names no `listDisplay` column, is not 1, 2 or 3, or demotes the first column */
  WEFT_ADMIN_ERR_LIST_PRIORITY: "a listDisplayPriority entry does not fit listDisplay",
  /** a database read outlived its time budget (`AdminSite({ queryTimeoutMs })`, default 2,000 ms) and was stopped ({@link QueryTimeoutError}; the user reads "This search took too long; narrow it down.") */
  WEFT_ADMIN_ERR_QUERY_TIMEOUT: "a query outlived its time budget",
  /** {@link SqliteReadPool}: no database file, a write sent to it, a reader that stopped, or the pool closed */
  WEFT_ADMIN_ERR_READ_POOL: "the SQLite read pool refused or lost a statement",
  /** `adminTables` / `migrateAdmin`: the database or dialect is neither SQLite (better-sqlite3) nor PostgreSQL (node-postgres) */
  WEFT_ADMIN_ERR_DIALECT: "an unsupported database or SQL dialect",
  /** `migrateAdmin` / `weft migrate`: a migration failed (the cause is attached), or the admin's tables exist only in part */
  WEFT_ADMIN_ERR_MIGRATE: "the admin's migrations could not be applied",
});

/** A code of {@link adminErrorCodes}. */
export type AdminErrorCode = keyof typeof adminErrorCodes;

/**
 * The base of @weft/admin's errors (a `WeftError`): `code` is one of {@link adminErrorCodes}.
 * The admin's own classes (`SystemCheckError`, `ChangeListOptionsError`, `UserStoreError`…)
 * extend it and keep their names.
 */
export class WeftAdminError extends WeftError {
  declare readonly code: AdminErrorCode;

  /**
   * @param code - the stable code
   * @param message - what went wrong and what to do
   * @param options - `cause`, when another error is behind this one
   */
  constructor(code: AdminErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/**
 * Makes a {@link WeftAdminError}: the one factory every bare error of @weft/admin goes through.
 * @internal
 */
export function adminError(code: AdminErrorCode, message: string, options?: ErrorOptions): WeftAdminError {
  return new WeftAdminError(code, message, options);
}

/**
 * The coded error for weft registered on other sessions than the admin's.
 * @internal
 */
export function sessionsMismatch(): WeftAdminError {
  return adminError(
    "WEFT_ADMIN_ERR_SESSIONS_MISMATCH",
    "weft admin: the weft plugin was registered without the admin's sessions, so it would never see an admin login (the login page would loop): register weft with `sessions: site.sessions` — `await app.register(weft, { secret, sessions: site.sessions })`",
  );
}
