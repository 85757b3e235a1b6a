/**
 * The BullMQ engine of `JobQueue` (`@weft/server/jobs`): jobs wait in Redis and any job worker
 * runs them. It lives in `@weft/admin` because the admin is what brings BullMQ (DESIGN.md: "the
 * admin brings … (for many workers) BullMQ"); `@weft/server` keeps the interface, the records
 * and the runner, with no queue library.
 */
import { hostname } from "node:os";
import { Queue, Worker, type ConnectionOptions, type Job } from "bullmq";
import { cancelJob, checkRetry, executeJob, JOB_FAILED_TEXT, type EnqueueJob, type HandlerOptions, type JobHandler, type JobLogger, type JobQueue, type JobRecord, type JobStore } from "@weft/server/jobs";
import { createRedisClient } from "@weft/server/pubsub";
import { adminError } from "../errors.js";

/** Options of {@link BullJobQueue}. */
export interface BullJobQueueOptions {
  /** the Redis BullMQ keeps its queues in (`redis://[user:password@]host:port[/db]`) */
  url: string;
  /** BullMQ's key prefix (default `"weft-bull"`; a test gives its own) */
  prefix?: string;
  /** whether this process runs jobs (a job worker, default `false`: it only enqueues) */
  runJobs?: boolean;
  /** jobs of one kind this process runs at once (default: the kind's concurrency, see `HandlerOptions`) */
  workerConcurrency?: number;
  /**
   * how long a running job's lock lasts without renewal (ms; default half the store's `leaseMs`);
   * with `stalledIntervalMs`, how soon a crashed worker's job is handed to another. Keep
   * `lockDurationMs + stalledIntervalMs` below the store's `leaseMs`, or the page shows the job
   * as lost before it resumes.
   */
  lockDurationMs?: number;
  /** how often each worker looks for stalled jobs (ms; default a third of the store's `leaseMs`) */
  stalledIntervalMs?: number;
  /** how long a queued job holds its record and its owner's slots before it must have started (ms; default 24 h) */
  queuedLeaseMs?: number;
  /** where failures are logged */
  logger?: JobLogger;
  /** see `JobSpec.coalesceMs` */
  coalesceMs?: number;
  /** this process's name in job records (default `host:pid`) */
  worker?: string;
}

/** The data of a BullMQ job: the weft job's id and the handler's data. */
interface BullData {
  id: string;
  data: unknown;
}

/** `redis://user:pw@host:port/db` → BullMQ's connection options. */
function connection(url: string): ConnectionOptions {
  const u = new URL(url);
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw adminError("WEFT_ADMIN_ERR_JOB_QUEUE", `BullJobQueue: url must be redis:// or rediss:// (got ${u.protocol})`);
  return {
    host: u.hostname || "127.0.0.1",
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === "rediss:" ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** BullMQ's queue name of a kind (no `:`, BullMQ's separator). */
const queueName = (kind: string) => `weft-jobs.${kind.replace(/[^A-Za-z0-9_.-]/g, "_")}`;

/**
 * Jobs on BullMQ (Redis), one BullMQ queue per kind (per action): `enqueue` creates the record
 * (claiming the owner's caps) and adds the job; in a job worker (`runJobs: true`), a BullMQ
 * `Worker` per kind runs at most the kind's `concurrency` jobs at once across every worker
 * (BullMQ's global concurrency) and `workerConcurrency` in this process. Cancel sets the
 * record's flag (published through the channel layer); the process running the job relays it
 * to BullMQ's own cancellation (`worker.cancelJob`), which aborts the processor's signal and so
 * `progress.signal`. A crashed worker's job is found by BullMQ's stalled-job check and run by
 * another worker, which resumes it (`resumable`) or stores it as lost (see `executeJob`).
 */
export class BullJobQueue implements JobQueue {
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();
  private readonly ready = new Map<string, Promise<unknown>>();
  private readonly conn: ConnectionOptions;
  private readonly name: string;
  private closed = false;
  /** the one connection every queue and worker of this process shares (workers add their own blocking one) */
  private shared?: ReturnType<typeof createRedisClient>;

  /** @throws WeftAdminError `WEFT_ADMIN_ERR_JOB_QUEUE` for a URL that is not redis:// */
  constructor(
    readonly store: JobStore,
    private readonly options: BullJobQueueOptions,
  ) {
    this.conn = connection(options.url);
    this.name = options.worker ?? `${hostname()}:${process.pid}`;
  }

  /** Whether this process runs jobs. */
  get runsJobs(): boolean {
    return this.options.runJobs ?? false;
  }

  private queue(kind: string): Queue {
    let q = this.queues.get(kind);
    if (!q) {
      q = new Queue(queueName(kind), { connection: this.connection(), prefix: this.options.prefix ?? "weft-bull" });
      q.on("error", (err) => this.options.logger?.warn({ err, kind }, "weft: job queue error"));
      this.queues.set(kind, q);
    }
    return q;
  }

  /**
   * The shared connection, as BullMQ allows for queues: one per process instead of one per
   * queue (and one more per worker). A worker given it duplicates it for its blocking commands.
   */
  private connection(): ConnectionOptions {
    if (!this.shared) {
      this.shared = createRedisClient({ ...(this.conn as object), connectionName: `weft-bull:${this.name}` });
      this.shared.on("error", (err: Error) => this.options.logger?.warn({ err }, "weft: job queue connection error"));
    }
    return this.shared as unknown as ConnectionOptions;
  }

  handle(kind: string, handler: JobHandler, opts: HandlerOptions = {}): void {
    if (this.closed) return;
    const concurrency = opts.concurrency ?? 2;
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`BullJobQueue: concurrency of "${kind}" (${concurrency}) must be an integer ≥ 1`);
    const q = this.queue(kind);
    this.ready.set(kind, q.setGlobalConcurrency(concurrency).catch((err: unknown) => this.options.logger?.warn({ err, kind }, "weft: job queue concurrency not set")));
    if (!this.runsJobs) return;
    void this.workers.get(kind)?.close();
    const lease = this.store.leaseMs;
    const worker: Worker<BullData> = new Worker<BullData>(queueName(kind), (job: Job<BullData>, _token?: string, signal?: AbortSignal): Promise<void> => this.process(worker, job, handler, signal), {
      connection: this.connection(),
      prefix: this.options.prefix ?? "weft-bull",
      concurrency: Math.min(this.options.workerConcurrency ?? concurrency, concurrency),
      lockDuration: this.options.lockDurationMs ?? Math.max(1_000, Math.floor(lease / 2)),
      stalledInterval: this.options.stalledIntervalMs ?? Math.max(500, Math.floor(lease / 3)),
      maxStalledCount: 5,
    });
    worker.on("error", (err: Error) => this.options.logger?.warn({ err, kind }, "weft: job worker error"));
    this.workers.set(kind, worker);
  }

  private async process(worker: Worker<BullData>, job: Job<BullData>, handler: JobHandler, signal: AbortSignal | undefined): Promise<void> {
    const { id, data } = job.data;
    const status = await executeJob(this.store, id, { logger: this.options.logger, coalesceMs: this.options.coalesceMs }, (progress) => handler(data, progress), {
      ...(signal ? { signal } : {}),
      worker: this.name,
      onCancelRequested: () => !!signal && worker.cancelJob(job.id!, "cancelled"),
      queuedLeaseMs: this.queuedLeaseMs,
    });
    // the attempt failed and the record waits for a retry: BullMQ's attempts and backoff schedule it
    if (status === "queued") throw new Error(`weft: job ${id} failed; BullMQ retries it`);
  }

  private get queuedLeaseMs(): number {
    return this.options.queuedLeaseMs ?? 86_400_000;
  }

  async enqueue(job: EnqueueJob): Promise<JobRecord> {
    const { kind, data, local: _local, ...spec } = job;
    const q = this.queue(kind);
    await this.ready.get(kind);
    const retry = spec.retry ? checkRetry(spec.retry, `job "${spec.action}"`) : undefined;
    const record = await this.store.create({ ...spec, leaseMs: this.queuedLeaseMs });
    // the record counts the attempts; BullMQ's own attempts and backoff time them
    const attempts = retry && retry.retries > 0 ? { attempts: retry.retries + 1, backoff: { type: retry.backoff, delay: retry.delayMs } } : {};
    try {
      await q.add(kind, { id: record.id, data } satisfies BullData, { jobId: record.id, removeOnComplete: true, removeOnFail: true, ...attempts });
    } catch (err) {
      const now = Date.now();
      await this.store.update(record.id, { status: "failed", error: JOB_FAILED_TEXT, finishedAt: now, leaseUntil: now }).catch(() => {});
      throw err;
    }
    return record;
  }

  async cancel(id: string, by: string): Promise<boolean> {
    if (!(await cancelJob(this.store, id, by))) return false;
    const rec = await this.store.get(id);
    if (rec?.status !== "queued") return true;
    // still waiting: take it out of the queue and end it now (a job a worker took meanwhile is locked: its runner cancels it)
    try {
      const job = await this.queue(rec.action).getJob(id);
      // waiting for a worker, or for its retry's backoff (BullMQ's delayed set)
      if (job && ((await job.isWaiting()) || (await job.isDelayed()))) await job.remove();
      else return true;
    } catch {
      return true;
    }
    const now = Date.now();
    await this.store.mutate(id, (cur) => (cur?.status === "queued" ? { ...cur, status: "cancelled", finishedAt: now, leaseUntil: now } : undefined));
    return true;
  }

  /** Closes the workers (waiting for the jobs they run), the queues and the shared connection. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.workers.values()].map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.workers.clear();
    this.queues.clear();
    // BullMQ leaves a shared connection open: it is ours to close, after everything using it
    await this.shared?.quit().catch(() => this.shared?.disconnect());
    this.shared = undefined;
  }
}
