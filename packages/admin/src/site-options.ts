/**
 * The options of an `AdminSite` (site.ts).
 */
import type { AdminDatabase } from "./query/dialect/index.js";
import type { FairShareOption, ReadPoolOption } from "./query/index.js";
import type { SiteJobOptions } from "./jobs/install.js";
import type { DisplayOptions } from "./model/field-types.js";

/** Options of an {@link AdminSite}. */
export interface AdminSiteOptions {
  /**
   * the drizzle database holding the models and the admin's `weft_*` tables: SQLite
   * (`drizzle(new Database(file))` of `drizzle-orm/better-sqlite3`) or PostgreSQL
   * (`drizzle(pool)` of `drizzle-orm/node-postgres`)
   */
  db: AdminDatabase;
  /**
   * @deprecated not needed: the site applies the admin's migrations to a SQLite `db` itself
   * (`migrateAdmin`); kept so existing `new AdminSite({ db, sqlite })` calls compile
   */
  sqlite?: unknown;
  /** URL prefix (default `/admin`) */
  prefix?: string;
  /** site title in the top bar and `<title>` (default "Weft admin"), as Django's `site_header` */
  title?: string;
  /** distinguishes several sites in one app (default "admin"); used in view ids */
  id?: string;
  /**
   * the job store of the progress actions (retention, records kept, lease, and the per-user caps
   * `maxPerOwner`, default 3, and `maxPerAction`, default 2), the job history's `retentionDays`
   * (default 30; `WEFT_ADMIN_ERR_JOB_HISTORY` unless a positive number), and `bullmq` to run
   * them on BullMQ job workers instead of in-process; see {@link AdminSite.jobs},
   * {@link AdminSite.jobHistory} and docs/jobs.md
   */
  jobs?: SiteJobOptions;
  /**
   * how numbers, money and dates read: `locale` (default "en-GB"), the `currency` of money
   * fields that name none (ISO 4217, e.g. "EUR"), and the `timeZone` every date of the admin is
   * shown and typed in (IANA, default "UTC")
   */
  display?: DisplayOptions;
  /**
   * how empty values (NULL, "") read in every change list and read-only form field, as Django's
   * `AdminSite.empty_value_display` (default "—"); a ModelAdmin's `emptyValueDisplay` and a
   * field's (`formfieldOverrides[key].emptyValueDisplay`) win over it
   */
  emptyValueDisplay?: string;
  /**
   * the time budget of one admin statement, in milliseconds (default 2,000): past it a pooled
   * SQLite read is stopped (its reader killed) and PostgreSQL cancels the statement
   * (`statement_timeout`); the user reads "This search took too long; narrow it down."
   * (see docs/admin.md, "Query budgets")
   */
  queryTimeoutMs?: number;
  /**
   * SQLite on a file: the change list's reads run in `size` reader processes at a CPU priority
   * `nice` lower than the web process's (default `{ size: 2, nice: 10 }`), each with a read-only connection on the file of `db` (see `SqliteReadPool`),
   * so a slow search never blocks the event loop; `false` keeps every read on `db`'s connection.
   * An in-memory database and PostgreSQL never get one.
   */
  readPool?: ReadPoolOption;
  /**
   * a per-user fair share of the database's time (default on: `{ msPerSecond: 250, burstMs: 1000,
   * othersWithinMs: 2000 }`): while other users are active, a user whose statements (the change
   * list's, and every read through `site.readsFor(user)`: widgets' `props.db` and `ctx.db`,
   * "all N matching", history) have taken more than `msPerSecond` ms of database time per second
   * (past a saved-up `burstMs`)
   * waits before the next one, so one user's stream of broad searches cannot take a backend
   * (PostgreSQL) or reader (SQLite) from everyone else; never an error, only later answers. A user
   * alone on the site is never delayed. `false` for none. See `FairShare` and docs/admin.md,
   * "Query budgets".
   */
  fairShare?: FairShareOption;
}
