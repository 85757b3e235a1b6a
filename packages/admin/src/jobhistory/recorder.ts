/**
 * Keeps the job history in step with the channel layer's records, in the process that writes
 * them: `observe` is the job store's `onWrite` hook. A creation or a status change is written at
 * once; progress at most every `progressIntervalMs` (default 5 s), the latest state winning; a
 * lease renewal (nothing shown changed) is not written at all. Once a write of a creation or a
 * status change is stored, a {@link JobHistoryEvent} is published (the lists re-read then, and so
 * see the row).
 */
import { isFinished, type JobLogger, type JobRecord } from "@weft/server/jobs";
import type { ChannelLayer } from "@weft/server/pubsub";
import type { JobHistory } from "./store.js";
import { toRow } from "./rows.js";

/** Published on {@link historyTopic} once a job's creation or status change is in the database. */
export interface JobHistoryEvent {
  id: string;
  owner: string;
  status: JobRecord["status"];
}

/** The topic of {@link JobHistoryEvent}s: `jobhistory` for every job, `jobhistory:<owner>` for one owner's. */
export function historyTopic(owner?: string): string {
  return owner === undefined ? "jobhistory" : `jobhistory:${owner}`;
}

/** Options of {@link JobHistoryRecorder}. */
export interface JobHistoryRecorderOptions {
  /** shortest interval between two progress writes of one job (ms; default 5,000) */
  progressIntervalMs?: number;
  /** where the {@link JobHistoryEvent}s are published (default: nowhere) */
  layer?: ChannelLayer;
  /** the result file of a job as it is now (default: none) */
  resultFile?: (record: JobRecord) => string | null;
  /** where failed writes are reported */
  logger?: Pick<JobLogger, "warn">;
}

/** A failed write is tried again this many times (each after `progressIntervalMs`). */
const RETRIES = 10;

interface Pending {
  rec: JobRecord;
  /** a creation or status change not yet stored */
  announce: boolean;
  timer: NodeJS.Timeout | undefined;
  lastWrite: number;
  /** what the last stored write held, without its time and revision */
  shown: string;
  failures: number;
  tail: Promise<void>;
}

/** See the module's comment. */
export class JobHistoryRecorder {
  private readonly jobs = new Map<string, Pending>();
  private readonly intervalMs: number;
  private closed = false;
  private lastSweep = Date.now();

  constructor(
    readonly history: JobHistory,
    private readonly options: JobHistoryRecorderOptions = {},
  ) {
    this.intervalMs = options.progressIntervalMs ?? 5_000;
  }

  /** The job store's `onWrite`: schedules the write of `next` (see the module's comment). Never throws. */
  observe(next: JobRecord, previous: JobRecord | undefined): void {
    if (this.closed) return;
    this.sweep();
    let p = this.jobs.get(next.id);
    if (!p) {
      p = { rec: next, announce: false, timer: undefined, lastWrite: 0, shown: "", failures: 0, tail: Promise.resolve() };
      this.jobs.set(next.id, p);
    }
    if (next.rev < p.rec.rev) return;
    p.rec = next;
    if (!previous || previous.status !== next.status) {
      p.announce = true;
      return this.flush(p);
    }
    if (p.timer || shownOf(next, this.resultFile(next)) === p.shown) return;
    this.arm(p, Math.max(0, p.lastWrite + this.intervalMs - Date.now()));
  }

  /** Writes every pending state now and waits for the writes (call before the process stops). */
  async close(): Promise<void> {
    for (const p of this.jobs.values()) if (p.timer) this.flush(p);
    this.closed = true;
    await Promise.all([...this.jobs.values()].map((p) => p.tail));
  }

  /** Waits until every write scheduled so far is stored (or given up). For tests. */
  async settled(): Promise<void> {
    for (;;) {
      const pending = [...this.jobs.values()];
      if (!pending.some((p) => p.timer)) return void (await Promise.all(pending.map((p) => p.tail)));
      for (const p of pending) if (p.timer) this.flush(p);
    }
  }

  /**
   * Forgets idle jobs (nothing pending, last write long ago): e.g. one created here and run by
   * a job worker, whose end this process never sees. At most once a minute.
   */
  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [id, p] of this.jobs) if (!p.timer && !p.announce && now - p.lastWrite > 10 * this.intervalMs) this.jobs.delete(id);
  }

  private resultFile(rec: JobRecord): string | null {
    return this.options.resultFile?.(rec) ?? null;
  }

  private arm(p: Pending, ms: number): void {
    p.timer = setTimeout(() => this.flush(p), ms);
    p.timer.unref();
  }

  private flush(p: Pending): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    p.tail = p.tail.then(() => this.write(p));
  }

  private async write(p: Pending): Promise<void> {
    const rec = p.rec;
    const announce = p.announce;
    const file = this.resultFile(rec);
    const shown = shownOf(rec, file);
    if (shown === p.shown && !announce) return;
    p.announce = false;
    p.lastWrite = Date.now();
    try {
      await this.history.write(rec, file);
      p.shown = shown;
      p.failures = 0;
    } catch (err) {
      p.announce ||= announce;
      if (++p.failures <= RETRIES && !this.closed) {
        if (p.failures === 1) this.options.logger?.warn({ err, jobId: rec.id }, "weft: job history not written; retrying");
        if (!p.timer) this.arm(p, this.intervalMs);
      } else {
        this.options.logger?.warn({ err, jobId: rec.id }, "weft: job history not written; giving up");
        this.jobs.delete(rec.id);
      }
      return;
    }
    if (announce) await this.publish(rec);
    if (isFinished(rec.status) && p.rec === rec && !p.timer) this.jobs.delete(rec.id);
  }

  private async publish(rec: JobRecord): Promise<void> {
    const layer = this.options.layer;
    if (!layer) return;
    const event: JobHistoryEvent = { id: rec.id, owner: rec.owner, status: rec.status };
    const sent = await Promise.allSettled([layer.publish(historyTopic(), event), layer.publish(historyTopic(rec.owner), event)]);
    for (const r of sent) if (r.status === "rejected") this.options.logger?.warn({ err: r.reason, jobId: rec.id }, "weft: job history event not published");
  }
}

/** What a write would store, minus its time and revision (equal: nothing to write). */
function shownOf(rec: JobRecord, resultFile: string | null): string {
  const { updatedAt: _u, rev: _r, ...row } = toRow(rec, resultFile, 0);
  return JSON.stringify(row);
}
