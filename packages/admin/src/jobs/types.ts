import type { SQL } from "drizzle-orm";
import type { AdminDatabase } from "../query/dialect/index.js";
import type { Progress } from "@weft/server/jobs";
import type { Logger } from "@weft/server";
import type { ChannelLayer } from "@weft/server/pubsub";
import type { SessionUser } from "../auth/index.js";
import type { KeySnapshot } from "./snapshot.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";

/**
 * A selection pinned when a progress action starts, in a form that survives the request (plain
 * JSON, no SQL objects): the primary keys of picked rows, or the change list's search and
 * filters for "select all N matching" (the rows matching them are re-read when the body asks).
 */
export type PinnedSelection =
  | { readonly kind: "ids"; readonly ids: readonly unknown[] }
  | { readonly kind: "filter"; readonly query: string };

/**
 * The rows a progress action runs on, as its body sees them: every method re-reads the database,
 * so the body works on fresh rows (an order refunded meanwhile by someone else shows as such).
 * Rows outside the user's `getQueryset` scope are never included.
 *
 * @typeParam Row - the table's row type (`typeof orders.$inferSelect`)
 */
export interface JobSelection<Row = Record<string, unknown>> {
  /** what was pinned when the action started */
  readonly pinned: PinnedSelection;
  /** how many rows were selected when the action started (the job's initial total) */
  readonly size: number;
  /** the WHERE clause over the admin's table (derived from {@link JobSelection.pinned} when the job started) */
  readonly where: SQL | undefined;
  /** the primary keys of the rows still selected, in key order (one statement) */
  ids(): Promise<unknown[]>;
  /** the rows still selected, in key order; with `ids`, only those of them (one statement) */
  rows(ids?: readonly unknown[]): Promise<Row[]>;
  /** how many rows are still selected (one statement) */
  count(): Promise<number>;
  /** the rows still selected, `size` at a time (default 100), each batch read fresh when reached */
  batches(size?: number): AsyncGenerator<Row[], void, undefined>;
}

/** What a progress action's body gets besides the selection and the progress handle. */
export interface ProgressActionContext {
  /** the site the action runs in */
  readonly site: AdminSiteLike;
  /** the model's admin */
  readonly admin: ModelAdmin<any, any>;
  /** who started the job (as they were when they started it) */
  readonly user: SessionUser;
  /** the site's database */
  readonly db: AdminDatabase;
  /** the channel layer (e.g. to publish model events so live cards move) */
  readonly pubsub: ChannelLayer;
  /** the job's id */
  readonly jobId: string;
  /** the app's logger */
  readonly log: Logger;
}

/**
 * The body of a progress action: runs in the background of the worker that started it. Report
 * with `progress.update` / `progress.log`; check `progress.cancelled` between rows (or pass
 * `progress.signal` to `fetch` and timers) when the action is cancellable. A throw marks the
 * job failed: the user sees a generic message, the error and its stack go to the server log.
 */
export type ProgressActionBody<Row = Record<string, unknown>> = (
  ctx: ProgressActionContext,
  selection: JobSelection<Row>,
  progress: Progress,
) => Promise<unknown> | unknown;

/** What a progress action puts in its job (plain JSON, so a job worker can run it): who, and which rows. @internal */
export interface ActionJobData {
  /** who started it, as they were then */
  user: SessionUser;
  /** picked keys, or the keys of "all N matching" as stored at the click */
  pinned: PinnedSelection | KeySnapshot;
  /** rows selected at the start */
  size: number;
}

/** What the description of a job may be computed from. */
export interface JobDescriptionInput {
  /** how many rows were selected */
  count: number;
  /** whether they were selected as "all N matching" */
  all: boolean;
  /** the model's admin (e.g. for `verboseNamePlural`) */
  admin: ModelAdmin<any, any>;
  /** who is starting the job */
  user: SessionUser;
}

/** Options of {@link withProgress}. */
export interface ProgressActionOptions {
  /** identifier the browser picks the action by (letters, digits, `_`) */
  name: string;
  /** menu label, e.g. "Refund selected orders" */
  label: string;
  /**
   * shown on the progress page and in "My jobs" (at most 4,096 characters), e.g.
   * `({ count }) => \`Refund ${count} orders\``; default: the label and the row count
   */
  description?: string | ((input: JobDescriptionInput) => string);
  /**
   * permission strings ALL required to see and start it, checked on the server every time
   * (default: the model's change permission)
   */
  permissions?: readonly string[];
  /** whether the owner (or a superuser) may cancel it (default `true`) */
  cancellable?: boolean;
  /**
   * whether a job whose worker crashed is resumed by another job worker (default `false`: it
   * turns lost). A resumable body records `progress.checkpoint({ lastId })` as it goes and,
   * when `progress.resumed`, continues after `progress.lastCheckpoint`; it must tolerate redoing
   * the few rows after the last stored checkpoint (e.g. skip an order already refunded)
   */
  resumable?: boolean;
  /** its jobs running at once across every job worker (BullMQ engine; default 2) */
  concurrency?: number;
  /**
   * how many times a job whose body throws runs again (default 0), on either engine, as
   * BullMQ's `attempts` (= 1 + `retries`) and `backoff`: after `retryDelayMs`, doubled each
   * retry (`retryBackoff: "exponential"`, the default) or not (`"fixed"`). A retry of a
   * `resumable` action continues after its last checkpoint (`progress.resumed`); of any other,
   * it starts over. Every attempt reads the selection pinned at the click (an "all N matching"
   * snapshot is kept until the job's last attempt ends). The page says "Attempt 2 of 3 after: <message>" with the first line of the
   * error's message (never its stack: throw errors a user may read); a cancel stops the
   * retries; a job failing every attempt ends failed with its last error.
   * @throws WeftError `WEFT_ERR_JOB_RETRIES` (from `withProgress`) unless an integer ≥ 0
   */
  retries?: number;
  /** the wait before the first retry (ms, an integer ≥ 0; default 1,000); see `retries` */
  retryDelayMs?: number;
  /** how the wait grows between retries: `"exponential"` (default) or `"fixed"`; see `retries` */
  retryBackoff?: "exponential" | "fixed";
  /** the change list's confirmation text (see `AdminAction.confirm`) */
  confirm?: string;
  /** whether the job changes data (default `true`: the change list asks first; see `AdminAction.changesData`) */
  changesData?: boolean;
}
