/**
 * "My jobs", `<prefix>/jobs/`: the user's recent jobs (a superuser's: everyone's), newest
 * first, re-listed whenever one is created or changes status (store.subscribeList).
 */
import type { JobStore } from "@weft/server/jobs";
import { ChannelLayerUnavailableError } from "@weft/server/pubsub";
import { AdminView } from "../shell/base.js";
import { presentJob, type JobModel } from "./present.js";

/** How many jobs the page lists. */
export const JOBS_PAGE_SIZE = 50;
/** Shortest interval between two re-lists (ms): a burst of status changes costs one read. */
const RELIST_MS = 250;

/** The assigns of "My jobs". */
export interface JobsAssigns {
  /** the newest jobs first */
  jobs: JobModel[];
  /** superuser: every user's jobs (the owner column is shown) */
  everyone: boolean;
  /** false while the channel layer cannot be read */
  available: boolean;
  prefix: string;
}

/** "My jobs": a LiveView listing recent jobs with live status. */
export class JobsView extends AdminView<JobsAssigns> {
  static template = new URL("../../src/jobs/job-list.eta", import.meta.url);
  static title = "My jobs";

  private unsubscribe: Array<() => void> = [];
  private pending = false;

  async mount(): Promise<JobsAssigns> {
    const store = this.site.jobs;
    if (this.ctx.connected) {
      const relist = () => this.relistSoon();
      this.unsubscribe.push(store.subscribeList(this.owner(), relist), store.layer.onHealthChange((up) => up && relist()));
    }
    return { ...(await this.load(store)), everyone: this.user.isSuperuser, prefix: this.site.prefix };
  }

  handleInfo(msg: unknown): Promise<void> | void {
    if ((msg as { kind?: string })?.kind !== "relist") return;
    this.pending = false;
    return this.load(this.site.jobs).then((a) => this.assign(a));
  }

  terminate(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** A superuser sees every job; anyone else their own. */
  private owner(): string | undefined {
    return this.user.isSuperuser ? undefined : String(this.user.id);
  }

  private async load(store: JobStore): Promise<Pick<JobsAssigns, "jobs" | "available">> {
    try {
      const recs = await store.list({ owner: this.owner(), limit: JOBS_PAGE_SIZE });
      const now = Date.now();
      return { jobs: recs.map((r) => presentJob(this.site, r, now)), available: true };
    } catch (err) {
      if (!(err instanceof ChannelLayerUnavailableError)) throw err;
      return { jobs: this.assigns.jobs ?? [], available: false };
    }
  }

  private relistSoon(): void {
    if (this.pending) return;
    this.pending = true;
    this.sendInfo({ kind: "relist" }, RELIST_MS);
  }
}
