/**
 * The job bell of the admin shell's top bar: how many of the user's jobs run, a dropdown of their
 * ten newest jobs (running and finished, newest first, each with its status and a link to its
 * page), and a toast when one of them ends (done, failed, cancelled, lost) while the user is on
 * any admin page, as Django admin's messages framework shows "… was changed successfully", but
 * pushed live.
 *
 * It is a small LiveView nested in the shell (like the health banner). It follows
 * `jobs:<user id>` (store.subscribeList: every creation and status change of the user's jobs,
 * published through the channel layer, so it hears jobs run on any worker) and re-reads the
 * user's own index (`jobs:owner:<id>`): only the user's own jobs, a superuser's too.
 */
import type { JobRecord, JobStore } from "@weft/server/jobs";
import { JS } from "@weft/server";
import { ChannelLayerUnavailableError } from "@weft/server/pubsub";
import { AdminView } from "../shell/base.js";
import { presentJob } from "../jobs/present.js";

/** How many jobs the dropdown lists. */
export const BELL_SIZE = 10;
/** Shortest interval between two re-lists (ms): a burst of status changes costs one read. */
const RELIST_MS = 250;

/** One job of the dropdown or a toast. */
export interface BellJob {
  id: string;
  /** its progress page */
  url: string;
  /** "Refund selected orders" */
  label: string;
  /** "Running", "Done", … (in words) */
  status: string;
  /** the badge class suffix or "" */
  badge: string;
  finished: boolean;
}

/** The bell's assigns. */
export interface BellAssigns {
  /** the user's newest jobs, newest first (at most {@link BELL_SIZE}) */
  jobs: BellJob[];
  /** how many of them are queued or running */
  running: number;
  /** jobs that ended while this page was open, newest last, until dismissed */
  toasts: BellJob[];
}

type BellInfo = { kind: "relist" } | { kind: "dismiss"; id: string };

/** A bell outline (inline SVG: no icon font, no image request). */
const BELL_ICON = `<svg class="bell-icon" aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>`;
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const words = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The bell. Renders the count of running jobs (hidden at 0) and a `<details>` dropdown; a toast
 * per job seen unfinished that is now finished, removed after {@link JobBell.toastMs} ms or on
 * Close (a JS command: no round trip).
 */
export class JobBell extends AdminView<BellAssigns> {
  static title = "Jobs";
  /** how long a toast stays (ms; default 10,000) */
  static toastMs = 10_000;

  private off: Array<() => void> = [];
  private pending = false;
  /** ids of the user's jobs last seen unfinished */
  private unfinished = new Set<string>();

  async mount(): Promise<BellAssigns> {
    const store = this.site.jobs;
    if (this.ctx.connected) {
      const relist = () => this.relistSoon();
      this.off.push(store.subscribeList(this.owner(), relist), store.layer.onHealthChange((up) => up && relist()));
    }
    return { ...(await this.load(store)), toasts: [] };
  }

  handleInfo(msg: unknown): Promise<void> | void {
    const info = msg as BellInfo;
    if (info?.kind === "dismiss") {
      this.assign({ toasts: this.assigns.toasts.filter((t) => t.id !== info.id) });
      return;
    }
    if (info?.kind !== "relist") return;
    this.pending = false;
    const before = new Set(this.unfinished);
    return this.load(this.site.jobs).then((a) => {
      const ended = a.jobs.filter((j) => j.finished && before.has(j.id));
      for (const j of ended) this.sendInfo({ kind: "dismiss", id: j.id } satisfies BellInfo, (this.constructor as typeof JobBell).toastMs);
      this.assign({ ...a, toasts: [...this.assigns.toasts.filter((t) => !ended.some((e) => e.id === t.id)), ...ended] });
    });
  }

  terminate(): void {
    for (const u of this.off.splice(0)) u();
  }

  /** Always the user's own jobs, a superuser's too (the bell is about what *they* started). */
  private owner(): string {
    return String(this.user.id);
  }

  private async load(store: JobStore): Promise<Pick<BellAssigns, "jobs" | "running">> {
    let recs: JobRecord[];
    try {
      recs = await store.list({ owner: this.owner(), limit: BELL_SIZE });
    } catch (err) {
      if (!(err instanceof ChannelLayerUnavailableError)) throw err;
      return { jobs: this.assigns.jobs ?? [], running: this.assigns.running ?? 0 };
    }
    const now = Date.now();
    const jobs = recs.map((r): BellJob => {
      const m = presentJob(this.site, r, now);
      return { id: m.id, url: m.url, label: m.actionLabel, status: words(m.status), badge: m.badge, finished: m.finished };
    });
    this.unfinished = new Set(jobs.filter((j) => !j.finished).map((j) => j.id));
    return { jobs, running: this.unfinished.size };
  }

  private relistSoon(): void {
    if (this.pending) return;
    this.pending = true;
    this.sendInfo({ kind: "relist" } satisfies BellInfo, RELIST_MS);
  }

  render(it: Readonly<BellAssigns>): string {
    const badge = (j: BellJob) => `<span class="badge${j.badge ? " badge-" + j.badge : ""}">${esc(j.status)}</span>`;
    const items = it.jobs.length
      ? it.jobs.map((j) => `<li><a href="${esc(j.url)}">${esc(j.label)}</a> ${badge(j)}</li>`).join("")
      : `<li class="bell-empty">No jobs yet.</li>`;
    const count = it.running ? `<span class="bell-count badge badge-info">${it.running}</span>` : "";
    const title = it.running ? `${it.running} running job${it.running === 1 ? "" : "s"}` : "Jobs";
    const toasts = it.toasts
      .map((t) => {
        const id = `bell-toast-${esc(t.id)}`;
        return `<div class="bell-toast" id="${id}" role="status"><span>${esc(t.label)}: ${esc(t.status.toLowerCase())} — <a href="${esc(t.url)}">view</a></span><button type="button" class="link" aria-label="Close" lv-click="${esc(JS.hide({ to: "#" + id }).toString())}">×</button></div>`;
      })
      .join("");
    return `<details class="bell"><summary title="${title}" aria-label="${title}">${BELL_ICON}${count}</summary><div class="bell-panel"><ul class="bell-list">${items}</ul><a class="bell-all" href="${esc(this.site.prefix)}/jobs/">All my jobs</a></div></details><div class="bell-toasts" aria-live="polite">${toasts}</div>`;
  }
}
