import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { ChannelLayer } from "../pubsub/channel-layer.js";
import {
  isFinished,
  isJobId,
  isLost,
  JOB_LOG_LINES,
  JOB_LOST_TEXT,
  JOB_TEXT_MAX,
  JobLimitError,
  type JobLogger,
  type JobPatch,
  type JobRecord,
  type NewJob,
  truncateText,
  validCount,
} from "./types.js";
import { weftError } from "../errors.js";
import { JobSlots } from "./slots.js";
import { checkRetry, type RetryOptions } from "./retry.js";

/** Options of {@link JobStore}. */
export interface JobStoreOptions {
  /** how long a record is kept after its last write (ms; default 3,600,000 = one hour) */
  retentionMs?: number;
  /** job records kept per site (default 500); the oldest finished ones are evicted first */
  maxRecords?: number;
  /** lease of a running job (ms; default 15,000): its runner writes at least every `renewMs` */
  leaseMs?: number;
  /**
   * how often a runner renews its job's lease (ms; default `leaseMs / 3`, at least 1); when set,
   * at least 1 and shorter than `leaseMs` (else the constructor throws a RangeError). A test
   * sets a lease that cannot expire during the test and a short `renewMs` to see renewals.
   */
  renewMs?: number;
  /**
   * running or queued jobs one owner may hold at once (default 3; `Infinity`: no cap); the next
   * {@link JobStore.create} is refused with {@link JobQuotaError}. Counted atomically across
   * every process sharing the layer (see {@link ChannelLayer.claim}).
   */
  maxPerOwner?: number;
  /** running or queued jobs of one action one owner may hold at once (default 2; `Infinity`: no cap) */
  maxPerAction?: number;
  /** where failed publishes are reported (default: nowhere) */
  logger?: Pick<JobLogger, "warn">;
  /**
   * called in this process after every write it stored, with the new record and the one it
   * replaced (`undefined`: just created), before the record is published. It must return at
   * once (do slow work, such as a database write, in the background); a throw is logged and
   * ignored. `@weft/admin` keeps its job history in the database with it.
   */
  onWrite?: (record: JobRecord, previous: JobRecord | undefined) => void;
}

/** Published on {@link JobStore.listTopic} when a job is created or changes status. */
export interface JobListEvent {
  id: string;
  owner: string;
  status: JobRecord["status"];
  rev: number;
}

const INDEX = "jobs:index";
const ownerIndex = (owner: string) => `jobs:owner:${owner}`;
const CAS_ATTEMPTS = 20;

/**
 * Job records in a {@link ChannelLayer}, shared by every process of a site.
 *
 * Each record lives under `job:<id>` and expires `retentionMs` after its last write (plus
 * `leaseMs` while unfinished); every change is written atomically (compare-and-set, retried
 * on conflict) and the new record is published on `job:<id>`. Sorted indexes (`jobs:index`,
 * `jobs:owner:<owner>`) list them newest first. Text fields are truncated to 4,096
 * characters and the log to its last 50 lines on every write.
 *
 * Every method rejects with the layer's error (e.g. `ChannelLayerUnavailableError`) when the
 * store is unreachable.
 */
export class JobStore {
  /** see {@link JobStoreOptions} */
  readonly retentionMs: number;
  /** see {@link JobStoreOptions} */
  readonly maxRecords: number;
  /** see {@link JobStoreOptions} */
  readonly leaseMs: number;
  /** see {@link JobStoreOptions} */
  readonly renewMs: number;
  /** see {@link JobStoreOptions} */
  readonly maxPerOwner: number;
  /** see {@link JobStoreOptions} */
  readonly maxPerAction: number;
  private readonly slots: JobSlots;
  private readonly logger?: Pick<JobLogger, "warn">;
  private readonly onWrite?: JobStoreOptions["onWrite"];

  constructor(
    readonly layer: ChannelLayer,
    options: JobStoreOptions = {},
  ) {
    this.retentionMs = options.retentionMs ?? 3_600_000;
    this.maxRecords = options.maxRecords ?? 500;
    this.leaseMs = options.leaseMs ?? 15_000;
    if (options.renewMs !== undefined && !(options.renewMs >= 1 && options.renewMs < this.leaseMs)) {
      throw new RangeError(`JobStore: renewMs (${options.renewMs}) must be at least 1 and shorter than leaseMs (${this.leaseMs})`);
    }
    this.renewMs = options.renewMs ?? Math.max(1, Math.floor(this.leaseMs / 3));
    this.logger = options.logger;
    this.onWrite = options.onWrite;
    this.maxPerOwner = options.maxPerOwner ?? 3;
    this.maxPerAction = options.maxPerAction ?? 2;
    this.slots = new JobSlots(layer, { perOwner: this.maxPerOwner, perAction: this.maxPerAction }, this.leaseMs);
  }

  /** The topic a job's records are published on: `job:<id>`. */
  topic(id: string): string {
    return `job:${id}`;
  }

  /** The topic of {@link JobListEvent}s: `jobs` for every job, `jobs:<owner>` for one owner's. */
  listTopic(owner?: string): string {
    return owner === undefined ? "jobs" : `jobs:${owner}`;
  }

  /**
   * Creates a `queued` record with a fresh random id: takes one of the owner's slots first (see
   * {@link JobStoreOptions.maxPerOwner}, {@link JobStoreOptions.maxPerAction}), then makes room
   * (see {@link JobStoreOptions.maxRecords}). The slots are given back when the job ends (done,
   * failed, cancelled or lost), or when the creation fails.
   * @throws (rejects) {@link JobQuotaError} when the owner holds their cap of running or queued
   *   jobs; {@link JobLimitError} when the site holds `maxRecords` unfinished jobs; a WeftError
   *   `WEFT_ERR_JOB_RETRIES` (thrown at once) for invalid `retry` options
   */
  async create(input: NewJob): Promise<JobRecord> {
    if (input.retry) checkRetry(input.retry, `job "${input.action}"`);
    const id = randomBytes(18).toString("base64url");
    await this.slots.take(input.owner, input.action, id, input.leaseMs);
    try {
      return await this.insert(id, input);
    } catch (err) {
      await this.slots.give({ id, owner: input.owner, action: input.action }).catch(() => {});
      throw err;
    }
  }

  private async insert(id: string, input: NewJob): Promise<JobRecord> {
    await this.makeRoom();
    const now = Date.now();
    const record: JobRecord = {
      id,
      rev: 0,
      owner: input.owner,
      ownerName: input.ownerName ?? input.owner,
      action: input.action,
      description: input.description,
      status: "queued",
      current: 0,
      total: validCount(input.total) ?? null,
      message: "",
      log: [],
      error: null,
      cancellable: input.cancellable ?? true,
      cancelRequested: false,
      cancelledBy: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      leaseUntil: now + (input.leaseMs ?? this.leaseMs),
      worker: input.worker ?? `${hostname()}:${process.pid}`,
      resumable: input.resumable ?? false,
      selection: input.selection == null ? null : truncateText(String(input.selection)),
      checkpoint: null,
      resumes: 0,
      resumedFrom: null,
      ...retryFields(input.retry),
    };
    const created = await this.mutate(record.id, (cur) => (cur ? undefined : record));
    if (!created || created.createdAt !== now || created.owner !== input.owner) throw weftError("WEFT_ERR_JOB_ID_COLLISION", `job ${record.id}: the id is taken by another job; start the job again`);
    return created;
  }

  /** The stored record, as is (`undefined` when missing, expired or `id` is not a job id). */
  async get(id: string): Promise<JobRecord | undefined> {
    if (!isJobId(id)) return undefined;
    return this.layer.get<JobRecord>(this.topic(id));
  }

  /** As {@link JobStore.get}, but a record whose lease expired is stored (once, atomically) and returned as `lost`. */
  async read(id: string): Promise<JobRecord | undefined> {
    const rec = await this.get(id);
    return rec && isLost(rec) ? this.markLost(id) : rec;
  }

  /**
   * The general write: `fn` gets the current record (or `undefined`) and returns the next one,
   * or `undefined` to leave it as is. Applied atomically (re-run on a concurrent change), then
   * normalised (truncation, `rev` + 1), stored with its TTL and published.
   * @returns the stored record, or the current one when `fn` declined (`undefined` when missing)
   * @throws (rejects) the layer's error when unreachable; a WeftError `WEFT_ERR_JOB_WRITE_CONFLICT` after 20 conflicting attempts
   */
  async mutate(id: string, fn: (current: JobRecord | undefined) => JobRecord | undefined): Promise<JobRecord | undefined> {
    if (!isJobId(id)) return undefined;
    const key = this.topic(id);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const cur = await this.layer.get<JobRecord>(key);
      const proposed = fn(cur);
      if (!proposed) return cur;
      const next = normalise({ ...proposed, id, rev: Math.max(cur?.rev ?? 0, proposed.rev ?? 0) + 1 });
      // an unfinished record outlives its lease (a job waiting for a retry may hold a long one)
      const ttl = isFinished(next.status) ? this.retentionMs : this.retentionMs + Math.max(this.leaseMs, next.leaseUntil - Date.now());
      if (!(await this.layer.compareAndSet(key, cur, next, ttl))) continue;
      if (!cur) await this.index(next);
      await this.keepSlots(cur, next);
      this.observe(next, cur);
      await this.announce(next, !cur || cur.status !== next.status);
      return next;
    }
    throw weftError("WEFT_ERR_JOB_WRITE_CONFLICT", `job ${id}: ${CAS_ATTEMPTS} conflicting writes in a row; something rewrites the record in a loop (retry the write later)`);
  }

  /** Patches a record (see {@link JobStore.mutate}); `undefined` when it does not exist. */
  async update(id: string, patch: JobPatch): Promise<JobRecord | undefined> {
    return this.mutate(id, (cur) => (cur ? { ...cur, ...patch } : undefined));
  }

  /**
   * Records newest first: one owner's (`owner`) or the site's; `limit` (default 50) from `offset`
   * (default 0). Expired entries are dropped from the index; expired leases come back `lost`.
   */
  async list(opts: { owner?: string; limit?: number; offset?: number } = {}): Promise<JobRecord[]> {
    const index = opts.owner === undefined ? INDEX : ownerIndex(opts.owner);
    const ids = await this.layer.zrange(index, { reverse: true, offset: opts.offset ?? 0, count: opts.limit ?? 50 });
    const recs = await this.layer.mget<JobRecord>(ids.map((id) => this.topic(id)));
    const gone = ids.filter((_, i) => !recs[i]);
    if (gone.length) await this.layer.zrem(index, gone);
    const out: JobRecord[] = [];
    for (const rec of recs) {
      if (!rec) continue;
      out.push(isLost(rec) ? ((await this.markLost(rec.id)) ?? rec) : rec);
    }
    return out;
  }

  /** Calls `handler` with every record published for job `id`; returns the unsubscriber. */
  subscribe(id: string, handler: (record: JobRecord) => void): () => void {
    return this.layer.subscribe(this.topic(id), (msg) => {
      if (isRecord(msg) && msg.id === id) handler(msg);
    });
  }

  /** Calls `handler` on every creation or status change of a job (one owner's, or all); returns the unsubscriber. */
  subscribeList(owner: string | undefined, handler: (event: JobListEvent) => void): () => void {
    return this.layer.subscribe(this.listTopic(owner), (msg) => handler(msg as JobListEvent));
  }

  private async markLost(id: string): Promise<JobRecord | undefined> {
    return this.mutate(id, (cur) => {
      const now = Date.now();
      return cur && isLost(cur, now) ? { ...cur, status: "lost", finishedAt: now, error: JOB_LOST_TEXT } : undefined;
    });
  }

  private observe(next: JobRecord, cur: JobRecord | undefined): void {
    try {
      this.onWrite?.(next, cur);
    } catch (err) {
      this.logger?.warn({ err, jobId: next.id }, "weft: job write observer failed");
    }
  }

  /** An ended job gives its slots back; a renewed lease renews theirs. A failure only logs: the slot's own lease ends it. */
  private async keepSlots(cur: JobRecord | undefined, next: JobRecord): Promise<void> {
    try {
      if (isFinished(next.status)) {
        if (cur && !isFinished(cur.status)) await this.slots.give(next);
      } else if (cur && next.leaseUntil > cur.leaseUntil) await this.slots.renew(next, Math.max(this.leaseMs, next.leaseUntil - Date.now()));
    } catch (err) {
      this.logger?.warn({ err, jobId: next.id }, "weft: job slot not renewed or released");
    }
  }

  private async index(rec: JobRecord): Promise<void> {
    await this.layer.zadd(INDEX, rec.createdAt, rec.id);
    const own = ownerIndex(rec.owner);
    await this.layer.zadd(own, rec.createdAt, rec.id);
    const excess = (await this.layer.zcard(own)) - this.maxRecords;
    if (excess > 0) await this.layer.zrem(own, await this.layer.zrange(own, { count: excess }));
  }

  private async announce(rec: JobRecord, statusChanged: boolean): Promise<void> {
    const sends = [this.layer.publish(this.topic(rec.id), rec)];
    if (statusChanged) {
      const event: JobListEvent = { id: rec.id, owner: rec.owner, status: rec.status, rev: rec.rev };
      sends.push(this.layer.publish(this.listTopic(), event), this.layer.publish(this.listTopic(rec.owner), event));
    }
    // The write is done: a lost publish only delays pages until the next one (or their lease check).
    for (const r of await Promise.allSettled(sends)) {
      if (r.status === "rejected") this.logger?.warn({ err: r.reason, jobId: rec.id }, "weft: job update not published");
    }
  }

  /** Evicts finished (or lost) records, oldest first, until one more fits. */
  private async makeRoom(): Promise<void> {
    if ((await this.layer.zcard(INDEX)) < this.maxRecords) return;
    const ids = await this.layer.zrange(INDEX);
    const recs = await this.layer.mget<JobRecord>(ids.map((id) => this.topic(id)));
    const gone = ids.filter((_, i) => !recs[i]);
    let count = ids.length - gone.length;
    const now = Date.now();
    const evicted: JobRecord[] = [];
    for (const rec of recs) {
      if (count < this.maxRecords) break;
      if (rec && (isFinished(rec.status) || isLost(rec, now))) {
        evicted.push(rec);
        count--;
      }
    }
    for (const rec of evicted) {
      await this.layer.delete(this.topic(rec.id));
      await this.layer.zrem(ownerIndex(rec.owner), [rec.id]);
    }
    await this.layer.zrem(INDEX, [...gone, ...evicted.map((r) => r.id)]);
    if (count >= this.maxRecords) throw new JobLimitError(this.maxRecords);
  }
}

function isRecord(msg: unknown): msg is JobRecord {
  return typeof msg === "object" && msg !== null && typeof (msg as JobRecord).id === "string" && typeof (msg as JobRecord).rev === "number";
}

/** The retry fields of a new record: attempt 1 of 1 + retries. */
function retryFields(options: RetryOptions | undefined): Pick<JobRecord, "attempt" | "attempts" | "retry" | "attemptError"> {
  const retry = options ? checkRetry(options) : null;
  return { attempt: 1, attempts: 1 + (retry?.retries ?? 0), retry: retry && retry.retries > 0 ? retry : null, attemptError: null };
}

function normalise(rec: JobRecord): JobRecord {
  return {
    ...rec,
    description: truncateText(String(rec.description)),
    message: truncateText(String(rec.message ?? "")),
    error: rec.error == null ? null : truncateText(String(rec.error)),
    log: (rec.log ?? []).slice(-JOB_LOG_LINES).map((l) => truncateText(String(l), JOB_TEXT_MAX)),
  };
}
