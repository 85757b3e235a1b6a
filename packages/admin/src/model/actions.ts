/**
 * The contract of a ModelAdmin's `actions`, as Django admin's actions: what an action
 * declares, what its `run` receives and may return, and how it refuses.
 */
import type { SQL } from "drizzle-orm";
import type { SessionUser } from "../auth/index.js";
import type { Progress } from "@weft/server/jobs";
import type { AdminSiteLike } from "./site-like.js";
import { WeftAdminError } from "../errors.js";
import type { ModelAdmin } from "./model-admin.js";

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
  /** the confirmation's explanation ("Refund 856 orders?" then this text); default: a generic one */
  confirm?: string;
  /**
   * Whether the action changes data (default `true`): the change list then asks
   * "‹Verb› ‹N› ‹models›?" with Confirm / Cancel before running, as Django admin's intermediate
   * confirmation page for delete. Read-only actions (an export) set `false` and run at once.
   */
  changesData?: boolean;
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
  /** whether a job whose worker crashed resumes on another worker from its last checkpoint (else it turns lost) */
  readonly resumable?: boolean;
  /** its jobs running at once across every job worker (BullMQ engine; default 2) */
  readonly concurrency?: number;
  /** how many times a failed job runs again (default 0; see `withProgress`'s `retries`) */
  readonly retries?: number;
  /**
   * Runs one job's body in whichever process runs the job: `data` is what the action enqueued
   * (plain JSON). Registered with the site's job queue by `installJobs`. @internal
   */
  readonly execute?: (site: AdminSiteLike, admin: ModelAdmin<any, any>, data: unknown, progress: Progress) => Promise<unknown>;
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
  site?: AdminSiteLike;
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
   * @param options - `cause`: the error behind the refusal (e.g. a `JobQuotaError`: the action endpoint answers it as JSON)
   */
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super("WEFT_ADMIN_ERR_ACTION_REFUSED", message, options);
  }
}
