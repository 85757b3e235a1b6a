/**
 * The job history's statements on `weft_jobs` (both dialects): write a record (never over a
 * newer one), read one, list a page with filters, the filters' choices, prune old rows.
 */
import { and, count, desc, eq, inArray, isNotNull, lt, lte, sql, type SQL } from "drizzle-orm";
import { isFinished, type JobRecord, type JobStatus } from "@weft/server/jobs";
import { adminTablesFor } from "../auth/tables.js";
import { qb, type AdminDatabase } from "../query/dialect/index.js";
import { adminError } from "../errors.js";
import { toRecord, toRow } from "./rows.js";

/** Days a finished job is kept by default. */
export const DEFAULT_RETENTION_DAYS = 30;
/** Rows one prune statement deletes at most (a prune repeats it until done). */
export const PRUNE_BATCH = 1_000;
const DAY_MS = 86_400_000;
const FINISHED: JobStatus[] = ["done", "failed", "cancelled", "lost"];

/** What a history list is narrowed to (all optional; `owner` is a user id as text). */
export interface JobHistoryFilter {
  owner?: string;
  status?: JobStatus;
  /** a qualified action name, `<app>.<model>.<action>` */
  action?: string;
}

/** A job as the history holds it: its record (as of the last write) and its result file. */
export interface JobHistoryEntry {
  record: JobRecord;
  /** the result file's name (a CSV export's `<id>.csv`), or null */
  resultFile: string | null;
}

/** Options of {@link JobHistory}. */
export interface JobHistoryOptions {
  /** days a finished job is kept after it finished (default 30; a positive number) */
  retentionDays?: number;
  /** the clock (ms epoch; default `Date.now`): tests inject one */
  now?: () => number;
}

/**
 * The durable record of background jobs, in the admin's `weft_jobs` table, as Django keeps its
 * `LogEntry`: the channel layer's record is the live one (progress pages), this one lasts
 * `retentionDays` after the job finished. Every method rejects with the driver's error when the
 * database fails.
 */
export class JobHistory {
  /** see {@link JobHistoryOptions.retentionDays} */
  readonly retentionDays: number;
  /** see {@link JobHistoryOptions.now} */
  readonly now: () => number;

  /** @throws WeftAdminError `WEFT_ADMIN_ERR_JOB_HISTORY` when `retentionDays` is not a positive number */
  constructor(
    private readonly db: AdminDatabase,
    options: JobHistoryOptions = {},
  ) {
    const days = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!(typeof days === "number" && days > 0 && Number.isFinite(days))) {
      throw adminError("WEFT_ADMIN_ERR_JOB_HISTORY", `weft admin: jobs.retentionDays must be a positive number of days (got ${String(days)})`);
    }
    this.retentionDays = days;
    this.now = options.now ?? Date.now;
  }

  private get t() {
    return adminTablesFor(this.db).weftJobs;
  }

  /**
   * Stores `rec` (insert, or update of the row) unless the row already holds the same or a
   * newer revision (`rev`): writes from several processes may arrive out of order.
   * @param resultFile - the job's result file name, or null
   */
  async write(rec: JobRecord, resultFile: string | null = null): Promise<void> {
    const t = this.t;
    const row = toRow(rec, resultFile, this.now());
    const { id: _id, createdAt: _c, owner: _o, ...changed } = row;
    const set: Record<string, SQL> = {};
    for (const key of Object.keys(changed) as Array<keyof typeof changed>) set[key] = sql.raw(`excluded."${t[key].name}"`);
    await qb(this.db)
      .insert(t)
      .values(row)
      .onConflictDoUpdate({ target: t.id, set, setWhere: sql`${t.rev} < excluded."rev"` });
  }

  /** The job `id`, or undefined. */
  async get(id: string): Promise<JobHistoryEntry | undefined> {
    const t = this.t;
    const [row] = await qb(this.db).select().from(t).where(eq(t.id, id)).limit(1);
    return row ? { record: toRecord(row), resultFile: row.resultFile } : undefined;
  }

  /** Which of `ids` the history holds (one statement; pass at most a few hundred). */
  async existing(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const t = this.t;
    const rows = await qb(this.db).select({ id: t.id }).from(t).where(inArray(t.id, [...ids]));
    return new Set(rows.map((r) => r.id));
  }

  /**
   * One page of jobs matching `filter`, newest first, and how many match in all.
   * @param page - `limit` rows (default 50) from `offset` (default 0)
   */
  async list(filter: JobHistoryFilter = {}, page: { limit?: number; offset?: number } = {}): Promise<{ entries: JobHistoryEntry[]; total: number }> {
    const t = this.t;
    const where = and(
      filter.owner === undefined ? undefined : eq(t.owner, filter.owner),
      filter.status === undefined ? undefined : eq(t.status, filter.status),
      filter.action === undefined ? undefined : eq(t.action, filter.action),
    );
    const rows = await qb(this.db)
      .select()
      .from(t)
      .where(where)
      .orderBy(desc(t.createdAt), desc(t.id))
      .limit(page.limit ?? 50)
      .offset(page.offset ?? 0);
    const [n] = await qb(this.db).select({ n: count() }).from(t).where(where);
    return { entries: rows.map((r) => ({ record: toRecord(r), resultFile: r.resultFile })), total: Number(n?.n ?? 0) };
  }

  /**
   * The actions and owners found in the history (the filters' choices), sorted.
   * @param owner - only this user's jobs' actions (a user id as text)
   */
  async choices(owner?: string): Promise<{ actions: string[]; owners: Array<{ id: string; name: string }> }> {
    const t = this.t;
    const actions = await qb(this.db).selectDistinct({ action: t.action }).from(t).where(owner === undefined ? undefined : eq(t.owner, owner)).orderBy(t.action);
    if (owner !== undefined) return { actions: actions.map((a) => a.action), owners: [] };
    const owners = await qb(this.db).selectDistinct({ id: t.owner, name: t.ownerName }).from(t).orderBy(t.ownerName, t.owner);
    const seen = new Set<string>();
    return { actions: actions.map((a) => a.action), owners: owners.filter((o) => !seen.has(o.id) && seen.add(o.id)) };
  }

  /**
   * Stores an unfinished job whose live record is gone (its worker stopped and the channel
   * layer forgot it) as `lost`, with `error` as its text; a finished row is left as it is, and so
   * is a row written less than `quietMs` ago (pass the job lease: a channel layer restarted empty
   * loses a running job's record until its next write, which is no sign the job stopped).
   * @param quietMs - how long (ms) the row must have gone unwritten; default 0
   * @returns the row as now stored, or undefined when missing
   */
  async markLost(id: string, error: string, quietMs = 0): Promise<JobHistoryEntry | undefined> {
    const t = this.t;
    const now = new Date(this.now());
    await qb(this.db)
      .update(t)
      .set({ status: "lost", error, finishedAt: now, updatedAt: now, rev: sql`${t.rev} + 1` })
      .where(and(eq(t.id, id), inArray(t.status, ["queued", "running"]), lte(t.updatedAt, new Date(now.getTime() - quietMs))));
    return this.get(id);
  }

  /**
   * Deletes the jobs that finished (done, failed, cancelled, lost) more than `retentionDays`
   * before `now`, {@link PRUNE_BATCH} rows per statement; never an unfinished one. Safe to run
   * in several processes at once: each statement deletes only rows still there.
   * @returns how many rows this call deleted
   */
  async prune(now = this.now()): Promise<number> {
    const t = this.t;
    const cutoff = new Date(now - this.retentionDays * DAY_MS);
    const old = and(inArray(t.status, FINISHED), isNotNull(t.finishedAt), lt(t.finishedAt, cutoff));
    let deleted = 0;
    for (;;) {
      const batch = qb(this.db).select({ id: t.id }).from(t).where(old).limit(PRUNE_BATCH);
      const gone = await qb(this.db).delete(t).where(inArray(t.id, batch)).returning({ id: t.id });
      deleted += gone.length;
      if (gone.length < PRUNE_BATCH) return deleted;
    }
  }
}

/** Whether a history row is final (a finished job, or one stored as lost). */
export function isFinal(entry: JobHistoryEntry): boolean {
  return isFinished(entry.record.status);
}
