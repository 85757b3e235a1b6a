/**
 * The progress page of one job, `<prefix>/jobs/<id>/`: a LiveView that follows the record on
 * whichever worker it landed (watchJob: every publish on `job:<id>`, at most 20 renders a
 * second, no polling) and offers Cancel to the owner or a superuser.
 */
import { canAccessJob, isFinished, isJobId, JOB_LOST_TEXT, watchJob, type JobRecord } from "@weft/server/jobs";
import { NotFoundError, type Params } from "@weft/server";
import { ChannelLayerUnavailableError } from "@weft/server/pubsub";
import { AdminView } from "../shell/base.js";
import { presentJob, type JobModel } from "./present.js";
import { jobsUrl } from "./refs.js";
import { isFinishedExport } from "./csv/export.js";
import { exportStored } from "./csv/stored.js";

/** What the page shows: the job, or why it cannot. */
export type JobPageState = "ok" | "gone" | "unavailable";

/** The progress page's assigns (the template's `it`). */
export interface JobAssigns {
  state: JobPageState;
  job: JobModel | null;
  /** the "My jobs" page */
  jobsUrl: string;
  prefix: string;
  /** whether the job is shown from the job history (the channel layer's live record expired) */
  archived: boolean;
}

/** Shown when the job is gone (expired, evicted) or no longer the user's to see. */
export const JOB_GONE_TEXT = "This job is no longer available.";
/** Shown while the channel layer cannot be read. */
export const JOB_UNAVAILABLE_TEXT = "The job service is unreachable right now. This page updates by itself when it is back.";
/** The refusal of a crafted cancel of a job declared not cancellable. */
export const NOT_CANCELLABLE_TEXT = "This action cannot be cancelled.";

/** Messages the view sends itself. @internal */
type JobInfo = { kind: "job"; record: JobRecord | null } | { kind: "tick" };

/**
 * The progress page. 404 (NotFoundError, on the HTTP render and on every join) unless the id has
 * a job id's shape, the record exists and the user may access it (its owner or a superuser;
 * anyone else gets the same 404 as a missing job, never a 403). Shows the status, a progress bar
 * (indeterminate while the total is unknown), "current of total", percent, message, elapsed
 * time, the log, and Cancel for cancellable unfinished jobs (checked again when clicked).
 */
export class JobView extends AdminView<JobAssigns> {
  static template = new URL("../../src/jobs/job.eta", import.meta.url);
  static title = "Job";

  private jobId = "";
  private record: JobRecord | undefined;
  private stopWatch: (() => void) | undefined;
  private ticking = false;
  /** the record comes from the job history (the database), not the channel layer */
  private archived = false;
  /** when a render last showed the elapsed time (ms) */
  private renderedAt = 0;
  /** a finished export's file is stored (true), deleted (false) or not asked (see {@link checkExport}) */
  private stored: boolean | undefined;

  async mount(params: Params): Promise<JobAssigns> {
    const id = String(params.id ?? "");
    if (!isJobId(id)) throw new NotFoundError("no such job");
    this.jobId = id;
    let state: JobPageState = "ok";
    try {
      const rec = (await this.site.jobs.read(id)) ?? (await this.fromHistory(id, true));
      if (!rec || !this.mayAccess(rec)) throw new NotFoundError("no such job");
      this.record = rec;
    } catch (err) {
      if (!(err instanceof ChannelLayerUnavailableError)) throw err;
      // a finished job's stored record still shows; of any other nothing is known (not even
      // whose it is): say only that the store is away
      const rec = await this.fromHistory(id, false);
      if (rec && !this.mayAccess(rec)) throw new NotFoundError("no such job");
      if (rec) this.record = rec;
      else state = "unavailable";
    }
    if (this.ctx.connected && !this.archived) {
      this.stopWatch = watchJob(this.site.jobs, id, (record) => this.sendInfo({ kind: "job", record: record ?? null } satisfies JobInfo));
      this.tick();
    }
    await this.checkExport();
    return this.model(state);
  }

  async handleInfo(msg: unknown): Promise<void> {
    const info = msg as JobInfo;
    if (info?.kind === "tick") {
      this.ticking = false;
      if (this.assigns.state !== "ok") return;
      // a job update rendered the elapsed time less than a second ago: no extra frame (the
      // page stays within the 20 frames/s of watchJob)
      if (Date.now() - this.renderedAt >= 1_000) this.render_();
      return this.tick();
    }
    if (info?.kind !== "job") return;
    let rec = info.record;
    if (!rec && this.record) {
      // the live record expired (or was evicted) while shown: a finished job's stored record
      // shows; an unfinished one may still be running (a channel layer restarted empty gets its
      // record back on the job's next write), so the last state stays and the watch goes on
      const stored = await this.fromHistory(this.jobId, false).catch(() => undefined);
      if (stored) {
        this.stop();
        rec = stored;
      } else if (!isFinished(this.record.status)) return;
      else rec = null;
    }
    if (!rec || !this.mayAccess(rec)) {
      // expired, evicted, or (after an outage at mount) never this user's: say as little as a 404
      this.record = undefined;
      if (rec) this.stop();
      return this.assign(this.model("gone"));
    }
    this.record = rec;
    await this.checkExport();
    this.render_();
    this.tick();
  }

  /** Renders the job as it is now (elapsed time included). */
  private render_(): void {
    this.renderedAt = Date.now();
    this.assign(this.model("ok"));
  }

  events = {
    /** Cancel (with lv-confirm): access and cancellability are checked again, on a fresh read. */
    cancel: async () => {
      this.flash = {};
      if (this.archived) return this.putFlash("info", "The job has already finished.");
      const store = this.site.jobs;
      let rec: JobRecord | undefined;
      try {
        rec = await store.read(this.jobId);
      } catch (err) {
        if (!(err instanceof ChannelLayerUnavailableError)) throw err;
        return this.putFlash("error", "The job service is unreachable right now; the job was not cancelled. Try again in a moment.");
      }
      if (!rec || !this.mayAccess(rec)) {
        this.record = undefined;
        return this.assign(this.model("gone"));
      }
      this.record = rec;
      await this.checkExport();
      if (!rec.cancellable) {
        this.assign(this.model("ok"));
        return this.putFlash("error", NOT_CANCELLABLE_TEXT);
      }
      if (isFinished(rec.status)) {
        this.assign(this.model("ok"));
        return this.putFlash("info", "The job has already finished.");
      }
      if (await this.site.jobQueue.cancel(this.jobId, String(this.user.id))) {
        // the publish follows through watchJob; show "Cancelling…" now
        if (!this.record.cancelRequested) this.record = { ...this.record, cancelRequested: true, cancelledBy: String(this.user.id) };
      }
      this.assign(this.model("ok"));
    },
  };

  terminate(): void {
    this.stop();
  }

  // ---- internals ----

  /**
   * The job's record from the job history, when it has one: a finished job as stored (the page
   * is then archived); an unfinished one, when `settle`, stored and shown as lost once unwritten
   * for a job lease (its worker stopped), else shown as stored and watched; without `settle`,
   * an unfinished one is not shown.
   */
  private async fromHistory(id: string, settle: boolean): Promise<JobRecord | undefined> {
    const entry = await this.site.jobHistory.get(id);
    if (!entry) return undefined;
    let rec = entry.record;
    if (!isFinished(rec.status)) {
      if (!settle) return undefined;
      rec = (await this.site.jobHistory.markLost(id, JOB_LOST_TEXT, this.site.jobs.leaseMs))?.record ?? rec;
      // written within a lease: it may still be running (its live record comes back on its next write)
      if (!isFinished(rec.status)) return rec;
    }
    this.archived = true;
    return rec;
  }

  /**
   * Asks whether a finished export's file is stored in the database (one statement reading no
   * data), until it is; any other job: not asked. A failed statement offers neither the download
   * nor "deleted".
   */
  private async checkExport(): Promise<void> {
    const rec = this.record;
    if (!rec || !isFinishedExport(rec)) this.stored = undefined;
    else if (this.stored !== true) this.stored = await exportStored(this.site, rec.id).catch(() => undefined);
  }

  private mayAccess(rec: JobRecord): boolean {
    const user = this.user;
    return canAccessJob(rec, { id: String(user.id), isSuperuser: user.isSuperuser });
  }

  private model(state: JobPageState): JobAssigns {
    const job = state === "ok" && this.record ? presentJob(this.site, this.record, Date.now(), this.stored) : null;
    return { state: job || state !== "ok" ? state : "gone", job, jobsUrl: jobsUrl(this.site), prefix: this.site.prefix, archived: this.archived };
  }

  /** Re-renders the elapsed time once a second while the job is unfinished (a local clock; the job itself is pushed). */
  private tick(): void {
    if (this.ticking || !this.record || isFinished(this.record.status)) return;
    this.ticking = true;
    this.sendInfo({ kind: "tick" } satisfies JobInfo, 1_000);
  }

  private stop(): void {
    this.stopWatch?.();
    this.stopWatch = undefined;
  }
}
