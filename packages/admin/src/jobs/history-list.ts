/**
 * What "My jobs" and "All jobs" list: a page of the job history (the database), its filters
 * from the URL (`status`, `action`, and on "All jobs" `owner`; `p` the page), and the live
 * state of its unfinished jobs from the channel layer.
 */
import { isFinished, JOB_LOST_TEXT, type JobRecord, type JobStatus } from "@weft/server/jobs";
import { ChannelLayerUnavailableError } from "@weft/server/pubsub";
import { JOB_STATUSES, type JobHistoryEntry, type JobHistoryFilter } from "../jobhistory/index.js";
import type { AdminSiteLike } from "../model/site-like.js";

/** Jobs per page. */
export const JOBS_PAGE_SIZE = 50;
/** The highest page number accepted in a URL. */
const MAX_PAGE = 100_000;

/** A list's state as its URL gives it. */
export interface JobListState {
  filter: JobHistoryFilter;
  /** 1-based */
  page: number;
}

/** A bad `status`, `action`, `owner` or `p` in a jobs list's URL (the message says which and why). */
export class JobListParamError extends Error {}

/** The URL parameters a jobs list reads. */
export const JOB_LIST_PARAMS = ["status", "action", "owner", "p"] as const;

/**
 * The state of a jobs list's URL.
 * @param everyone - whether the list is "All jobs" (`owner` is accepted)
 * @throws JobListParamError for a value that is not one the list offers the shape of
 */
export function parseJobListState(search: URLSearchParams, everyone: boolean): JobListState {
  const filter: JobHistoryFilter = {};
  const status = search.get("status");
  if (status !== null && status !== "") {
    if (!(JOB_STATUSES as readonly string[]).includes(status)) throw new JobListParamError(`Unknown status “${cut(status)}”: use one of ${JOB_STATUSES.join(", ")}`);
    filter.status = status as JobStatus;
  }
  const action = search.get("action");
  if (action !== null && action !== "") {
    if (!/^[A-Za-z0-9_]{1,64}\.[A-Za-z0-9_]{1,64}\.[A-Za-z0-9_]{1,64}$/.test(action)) throw new JobListParamError(`Unknown action “${cut(action)}”: pick one from the filters`);
    filter.action = action;
  }
  const owner = search.get("owner");
  if (owner !== null && owner !== "") {
    if (!everyone) throw new JobListParamError("This list shows only your own jobs: the owner filter is on “All jobs”");
    if (!/^[0-9]{1,15}$/.test(owner)) throw new JobListParamError(`Unknown owner “${cut(owner)}”: pick one from the filters`);
    filter.owner = owner;
  }
  const p = search.get("p");
  let page = 1;
  if (p !== null && p !== "") {
    if (!/^[0-9]{1,6}$/.test(p) || Number(p) < 1 || Number(p) > MAX_PAGE) throw new JobListParamError(`Bad page number “${cut(p)}”: use a whole number from 1`);
    page = Number(p);
  }
  return { filter, page };
}

const cut = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** The query string of a state (`?status=done&p=2`, or "" for none). */
export function jobListSearch(state: JobListState): string {
  const q = new URLSearchParams();
  if (state.filter.status) q.set("status", state.filter.status);
  if (state.filter.action) q.set("action", state.filter.action);
  if (state.filter.owner) q.set("owner", state.filter.owner);
  if (state.page > 1) q.set("p", String(state.page));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/**
 * One page of the history with its unfinished jobs brought up to date from the channel layer
 * (their counts, or `lost` once the live record is gone: stored so in the history too).
 * @returns the records, how many match in all, and whether the channel layer could be read
 * @throws (rejects) the database's error
 */
export async function loadJobPage(site: AdminSiteLike, filter: JobHistoryFilter, page: number): Promise<{ records: JobRecord[]; total: number; live: boolean }> {
  const { entries, total } = await site.jobHistory.list(filter, { limit: JOBS_PAGE_SIZE, offset: (page - 1) * JOBS_PAGE_SIZE });
  let live = true;
  const records: JobRecord[] = [];
  for (const entry of entries) {
    if (isFinished(entry.record.status) || !live) {
      records.push(entry.record);
      continue;
    }
    try {
      records.push(await liveRecord(site, entry));
    } catch (err) {
      if (!(err instanceof ChannelLayerUnavailableError)) throw err;
      live = false;
      records.push(entry.record);
    }
  }
  return { records, total, live };
}

/**
 * The current record of a job the history holds: the channel layer's while it has one (the
 * newer of the two), else the history's, stored as `lost` when it was unfinished and unwritten
 * for a job lease (its worker stopped and the live record expired meanwhile).
 * @throws (rejects) ChannelLayerUnavailableError, the database's error
 */
export async function liveRecord(site: AdminSiteLike, entry: JobHistoryEntry): Promise<JobRecord> {
  const rec = await site.jobs.read(entry.record.id);
  if (rec) return rec.rev >= entry.record.rev || !isFinished(entry.record.status) ? rec : entry.record;
  if (isFinished(entry.record.status)) return entry.record;
  return (await site.jobHistory.markLost(entry.record.id, JOB_LOST_TEXT, site.jobs.leaseMs))?.record ?? entry.record;
}
