/**
 * "My jobs" (`<prefix>/jobs/`, the user's own jobs) and "All jobs" (`<prefix>/jobs/all/`,
 * superusers only: everyone's, filtered by owner too): pages of the job history (the database,
 * kept `jobs.retentionDays`), newest first, with filters in the URL as the change list's, and
 * re-listed whenever a job is created or changes status (on any worker).
 */
import type { Params, Session } from "@weft/server";
import { UnauthorizedError } from "@weft/server";
import { JOB_STATUSES, historyTopic } from "../jobhistory/index.js";
import { pageLinks, type PageLink } from "../changelist/pagination.js";
import { AdminView, staffUser } from "../shell/base.js";
import { JobListParamError, jobListSearch, loadJobPage, parseJobListState, JOBS_PAGE_SIZE, type JobListState } from "./history-list.js";
import { jobActionLabel, presentJob, type JobModel } from "./present.js";
import { allJobsUrl, jobsUrl } from "./refs.js";

export { JOBS_PAGE_SIZE };

/** Shortest interval between two re-lists (ms): a burst of status changes costs one read. */
const RELIST_MS = 250;

/** A filter of the sidebar, in the change list's shape (changelist-filters.eta). */
interface FilterModel {
  field: string;
  title: string;
  active: boolean;
  choices: Array<{ label: string; href: string; selected: boolean }>;
}

/** The assigns of "My jobs" and "All jobs". */
export interface JobsAssigns {
  /** the page's jobs, newest first */
  jobs: JobModel[];
  /** "All jobs": every user's (the owner column and filter are shown) */
  everyone: boolean;
  /** false while the channel layer cannot be read (running jobs show their last stored state) */
  available: boolean;
  prefix: string;
  title: string;
  filters: FilterModel[];
  activeFilters: number;
  clearFiltersUrl: string;
  /** "124 jobs" */
  countText: string;
  pager: PageLink[];
  page: number;
  pages: number;
  /** "All jobs" for a superuser on "My jobs", "My jobs" on "All jobs" */
  otherList: { url: string; label: string } | null;
  /** the history's retention, for the empty state ("kept 30 days") */
  retentionDays: number;
}

/** "My jobs": the user's own jobs from the job history, with live status. */
export class JobsView extends AdminView<JobsAssigns> {
  static template = new URL("../../src/jobs/job-list.eta", import.meta.url);
  static title = "My jobs";
  /** whether the list is everyone's ("All jobs") */
  static everyone = false;

  private unsubscribe: Array<() => void> = [];
  private pending = false;
  private state: JobListState = { filter: {}, page: 1 };

  private get everyone(): boolean {
    return (this.constructor as typeof JobsView).everyone;
  }

  /** The user whose jobs are listed; undefined on "All jobs". */
  private owner(): string | undefined {
    return this.everyone ? undefined : String(this.user.id);
  }

  mount(): void {
    if (this.everyone && !this.user.isSuperuser) throw new UnauthorizedError("all jobs: superusers only");
    if (!this.ctx.connected) return;
    const relist = () => this.relistSoon();
    const store = this.site.jobs;
    this.unsubscribe.push(
      // the channel layer's status events are heard first; the history's say the row is written
      store.subscribeList(this.owner(), relist),
      store.layer.subscribe(historyTopic(this.owner()), relist),
      store.layer.onHealthChange((up) => up && relist()),
    );
  }

  async handleParams(_params: Params, url: URL): Promise<void> {
    this.flash = {};
    try {
      this.state = parseJobListState(url.searchParams, this.everyone);
    } catch (err) {
      if (!(err instanceof JobListParamError)) throw err;
      this.state = { filter: {}, page: 1 };
      this.putFlash("error", `${err.message}. Showing all ${this.everyone ? "jobs" : "your jobs"} instead.`);
    }
    await this.load();
  }

  handleInfo(msg: unknown): Promise<void> | void {
    if ((msg as { kind?: string })?.kind !== "relist") return;
    this.pending = false;
    if (this.everyone && !this.user.isSuperuser) return;
    return this.load();
  }

  terminate(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private base(): string {
    return this.everyone ? allJobsUrl(this.site) : jobsUrl(this.site);
  }

  private href(state: JobListState): string {
    return this.base() + jobListSearch(state);
  }

  private async load(): Promise<void> {
    const owner = this.owner();
    const filter = { ...this.state.filter, ...(owner === undefined ? {} : { owner }) };
    const { records, total, live } = await loadJobPage(this.site, filter, this.state.page);
    const now = Date.now();
    const pages = Math.max(1, Math.ceil(total / JOBS_PAGE_SIZE));
    this.assign({
      jobs: records.map((r) => presentJob(this.site, r, now)),
      everyone: this.everyone,
      available: live,
      prefix: this.site.prefix,
      title: this.everyone ? "All jobs" : "My jobs",
      ...(await this.filters(owner)),
      countText: `${total.toLocaleString("en-US")} ${total === 1 ? "job" : "jobs"}`,
      pager: pageLinks(this.state.page, pages, (n) => this.href({ ...this.state, page: n })),
      page: this.state.page,
      pages,
      otherList: this.everyone ? { url: jobsUrl(this.site), label: "My jobs" } : this.user.isSuperuser ? { url: allJobsUrl(this.site), label: "All jobs" } : null,
      retentionDays: this.site.jobHistory.retentionDays,
    });
  }

  /** The sidebar: status, action and (All jobs) owner, each choice a link to the filtered list. */
  private async filters(owner: string | undefined): Promise<Pick<JobsAssigns, "filters" | "activeFilters" | "clearFiltersUrl">> {
    const f = this.state.filter;
    const choices = await this.site.jobHistory.choices(owner);
    const link = (key: "status" | "action" | "owner", value: string | undefined, label: string) => ({
      label,
      href: this.href({ filter: { ...f, [key]: value }, page: 1 }),
      selected: f[key] === value,
    });
    const filters: FilterModel[] = [
      { field: "status", title: "Status", active: !!f.status, choices: [link("status", undefined, "All"), ...JOB_STATUSES.map((s) => link("status", s, s.charAt(0).toUpperCase() + s.slice(1)))] },
    ];
    const actions = f.action && !choices.actions.includes(f.action) ? [...choices.actions, f.action] : choices.actions;
    if (actions.length > 0) filters.push({ field: "action", title: "Action", active: !!f.action, choices: [link("action", undefined, "All"), ...actions.map((a) => link("action", a, jobActionLabel(this.site, a)))] });
    if (this.everyone) {
      filters.push({ field: "owner", title: "Started by", active: !!f.owner, choices: [link("owner", undefined, "All"), ...choices.owners.map((o) => link("owner", o.id, o.name))] });
    }
    return { filters, activeFilters: filters.filter((x) => x.active).length, clearFiltersUrl: this.href({ filter: {}, page: 1 }) };
  }

  private relistSoon(): void {
    if (this.pending) return;
    this.pending = true;
    this.sendInfo({ kind: "relist" }, RELIST_MS);
  }
}

/** "All jobs": every user's jobs, for superusers only (403 for anyone else). */
export class AllJobsView extends JobsView {
  static title = "All jobs";
  static everyone = true;

  /** Staff superusers only (HTTP 403, a refused join otherwise). */
  static authorize(this: { site?: never }, session: Session): boolean {
    return staffUser(session)?.isSuperuser === true;
  }
}
