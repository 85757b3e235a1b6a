/**
 * `withProgress`: a ModelAdmin action that runs as a background job with a live progress page.
 */
import { ChannelLayerUnavailableError } from "@weft/server/pubsub";
import { checkRetry, JobLimitError, JobQuotaError, type Progress } from "@weft/server/jobs";
import type { Logger } from "@weft/server";
import { counted } from "../changelist/present.js";
import { forgetFullCount } from "../changelist/totals.js";
import { ActionRefusedError, type AdminAction } from "../model/actions.js";
import { jobActionRef, jobUrl } from "./refs.js";
import { jobSelection } from "./selection.js";
import { dropKeys, loadKeys, storeKeys, type KeySnapshot } from "./snapshot.js";
import { formatInZone } from "../query/time-zone.js";

/** How long an "all matching" snapshot outlives the job's retention, for a job still queued (ms). */
const SNAPSHOT_QUEUED_MS = 86_400_000;
import type { ActionJobData, PinnedSelection, ProgressActionBody, ProgressActionContext, ProgressActionOptions } from "./types.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { ModelAdmin } from "../model/model-admin.js";
import { adminError } from "../errors.js";

/** The refusal a user lacking one of the action's permissions gets (HTTP 403; no job is created). */
export const ACTION_DENIED = "You don't have permission to do that.";
/** The refusal when the site keeps its maximum of unfinished jobs (HTTP 503). */
export const TOO_MANY_JOBS = "Too many jobs are running right now; nothing was started. Try again when some have finished.";
/**
 * The refusal when the user already holds their cap of running or queued jobs (HTTP 429; the
 * change list shows it as an error flash): in all, or of this action (`label`).
 */
export function tooManyOfYourJobs(err: JobQuotaError, label: string): string {
  const jobs = err.limit === 1 ? "job" : "jobs";
  const what = err.scope === "owner" ? `${err.limit} ${jobs}` : `${err.limit} “${label}” ${jobs}`;
  return `You already have ${what} running or queued; nothing was started. Wait for one of them to finish (see My jobs), then try again.`;
}
/** The refusal when the channel layer is unreachable (HTTP 503). */
export const JOBS_UNAVAILABLE = "The job service is unreachable right now; nothing was started. Try again in a moment.";

const NAME = /^[A-Za-z0-9_]{1,100}$/;
const SILENT: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * Turns a body into a ModelAdmin action that runs as a background job, as DESIGN.md's
 * "Channel layer and jobs" describes. When the user starts it (change list, or
 * `POST <prefix>/<app>/<model>/action/`), its `run`:
 *
 * 1. checks on the server that the user holds ALL `permissions` (default: the model's change
 *    permission) — missing any, it refuses (HTTP 403) and no job is created;
 * 2. pins the selection: the primary keys of picked rows, or the search and filters of "all N
 *    matching" (the body's {@link JobSelection} re-reads fresh rows from them);
 * 3. enqueues the job on the site's queue (`site.jobQueue`: in this process, or on BullMQ job
 *    workers), creating its record (owner, action, description, cancellable, resumable, total =
 *    rows selected); whichever process runs it calls `body` with a `Progress` handle — unless the user already holds their cap of running or
 *    queued jobs (the store's `maxPerOwner`, default 3, and `maxPerAction`, default 2; set them
 *    in `new AdminSite({ jobs })`): then it refuses with HTTP 429 and {@link tooManyOfYourJobs};
 * 4. answers `{ redirect: "<prefix>/jobs/<id>/" }`: the browser goes to the progress page.
 *
 * @example
 * site.register(orders, {
 *   app: "shop",
 *   actions: [withProgress({ name: "refund", label: "Refund selected orders", permissions: ["orders.refund_order"] },
 *     async (ctx, selection, progress) => {
 *       let done = 0;
 *       for (const order of await selection.rows()) {
 *         if (progress.cancelled) break;
 *         refund(order);
 *         progress.update({ current: ++done, message: `Refunded ${order.number}` });
 *       }
 *     })],
 * });
 *
 * @typeParam Row - the table's row type, as the body's selection returns rows
 * @throws TypeError when `name` is not 1–100 letters, digits or `_`, `label` is empty, or a permission is not a non-empty string;
 *   WeftError `WEFT_ERR_JOB_RETRIES` when `retries` or `retryDelayMs` is not an integer ≥ 0 or `retryBackoff` is unknown
 */
export function withProgress<Row = Record<string, unknown>>(options: ProgressActionOptions, body: ProgressActionBody<Row>): AdminAction {
  const { name, label } = options;
  if (typeof name !== "string" || !NAME.test(name)) throw new TypeError(`weft admin: withProgress: name "${String(name)}" must be 1–100 letters, digits or _`);
  if (typeof label !== "string" || label.trim() === "") throw new TypeError(`weft admin: withProgress(${name}): label is required`);
  if (typeof body !== "function") throw new TypeError(`weft admin: withProgress(${name}): the body must be a function`);
  const permissions = options.permissions === undefined ? undefined : [...options.permissions];
  if (permissions?.some((p) => typeof p !== "string" || p === "")) throw new TypeError(`weft admin: withProgress(${name}): permissions must be non-empty strings`);
  const cancellable = options.cancellable ?? true;
  const resumable = options.resumable ?? false;
  const concurrency = options.concurrency ?? 2;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new TypeError(`weft admin: withProgress(${name}): concurrency must be an integer ≥ 1`);
  const retry = checkRetry({ retries: options.retries, delayMs: options.retryDelayMs, backoff: options.retryBackoff }, `weft admin: withProgress(${name})`);

  /** Runs the body for one job, in whichever process the queue runs it. */
  const execute = async (site: AdminSiteLike, admin: ModelAdmin<any, any>, data: unknown, progress: Progress): Promise<void> => {
    const { user, pinned, size } = data as ActionJobData;
    const layer = site.jobs.layer;
    const keys = pinned.kind === "snapshot" ? await loadKeys(layer, pinned) : undefined;
    const rows = jobSelection<Row>(site, admin, user, pinned.kind === "snapshot" ? { kind: "ids", ids: keys! } : pinned, size);
    const log = site.jobLog ?? SILENT;
    const jobCtx: ProgressActionContext = { site, admin, user, db: site.db, pubsub: site.jobs.layer, jobId: progress.jobId, log };
    // a failed attempt the runner retries (not cancelled, attempts left: see runJob) keeps the
    // snapshot for its retry, which reads the same keys; any other end drops it (a job cancelled
    // while it waits for its retry leaves it to the snapshot's expiry)
    let retried = false;
    try {
      await body(jobCtx, rows, progress);
    } catch (err) {
      retried = !progress.cancelled && progress.attempt <= retry.retries;
      throw err;
    } finally {
      if (pinned.kind === "snapshot" && !retried) await dropKeys(layer, pinned);
      // rows may have changed: this worker's cached counts and filter choices are stale
      forgetFullCount(site.query(admin));
      for (const a of site.all()) site.query(a).invalidateChoices();
    }
  };

  return {
    name,
    label,
    permissions,
    confirm: options.confirm,
    changesData: options.changesData ?? true,
    progress: Object.freeze({ cancellable, resumable, concurrency, retries: retry.retries, execute }),
    async run(ctx) {
      const { site, admin, user, selection } = ctx;
      if (!site || !selection) throw adminError("WEFT_ADMIN_ERR_PROGRESS_CONTEXT", `weft admin: progress action "${name}" runs from the change list or the action endpoint (it needs ctx.site and ctx.selection): list it in the ModelAdmin's \`actions\` instead of calling run() yourself`);
      // 1. every permission, on the server, whatever the page showed
      const needed = permissions ?? [admin.perm("change")];
      if (!admin.has(user, "view") || !needed.every((p) => site.hasPerm(user, p))) throw new ActionRefusedError(403, ACTION_DENIED);
      // 2. the selection, pinned before anything starts: picked keys, or every matching key now
      //    (stored in chunks beside the job: rows inserted after the click are not touched)
      //    (the change list leaves `ids` empty for "all matching": the filter is read here, once)
      const keys = selection.all && ctx.ids.length === 0 ? await jobSelection(site, admin, user, { kind: "filter", query: selection.query }, selection.count).ids() : [...ctx.ids];
      const size = keys.length;
      const at = Date.now();
      let pinned: PinnedSelection | KeySnapshot = { kind: "ids", ids: keys };
      let pinnedText: string | null = null;
      if (selection.all) {
        try {
          pinned = await storeKeys(site.jobs.layer, keys, site.jobs.retentionMs + SNAPSHOT_QUEUED_MS, at);
        } catch (err) {
          if (err instanceof ChannelLayerUnavailableError) throw new ActionRefusedError(503, JOBS_UNAVAILABLE);
          throw err;
        }
        pinnedText = `${counted(size, admin)} as of ${formatInZone(new Date(at), site.display.timeZone, true)}`;
      }
      const description =
        typeof options.description === "function"
          ? options.description({ count: size, all: selection.all, admin, user })
          : (options.description ?? `${label}: ${counted(size, admin)}`);
      // 3. the record, then the job on the site's queue (this process, or a job worker)
      const ref = jobActionRef(admin, name);
      const data: ActionJobData = { user, pinned, size };
      let id: string;
      try {
        const local = (d: unknown, progress: Progress) => execute(site, admin, d, progress);
        const record = await site.jobQueue.enqueue({ kind: ref, data, local, owner: String(user.id), ownerName: user.username, action: ref, description: String(description), cancellable, resumable, total: size, selection: pinnedText, retry });
        id = record.id;
      } catch (err) {
        if (pinned.kind === "snapshot") await dropKeys(site.jobs.layer, pinned);
        if (err instanceof JobQuotaError) throw new ActionRefusedError(429, tooManyOfYourJobs(err, label), { cause: err });
        if (err instanceof JobLimitError) throw new ActionRefusedError(503, TOO_MANY_JOBS);
        if (err instanceof ChannelLayerUnavailableError) throw new ActionRefusedError(503, JOBS_UNAVAILABLE);
        throw err;
      }
      // 4. the progress page
      return { redirect: jobUrl(site, id) };
    },
  };
}
