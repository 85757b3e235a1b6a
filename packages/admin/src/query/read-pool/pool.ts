/**
 * `SqliteReadPool`: the admin's SQLite reads, off the event loop and under a time budget.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { sql, type SQLWrapper } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { drizzle, type SqliteRemoteDatabase } from "drizzle-orm/sqlite-proxy";
import { adminError } from "../../errors.js";
import { QueryTimeoutError, queryBudget } from "../budget.js";
import type { ReaderReply, ReaderRequest, ReadMethod } from "./protocol.js";

// the compiled reader, from src/ (tests) and dist/ alike: packages/admin/dist/query/read-pool/reader.js
const SQLITE = new SQLiteAsyncDialect();
const READER = fileURLToPath(new URL("../../../dist/query/read-pool/reader.js", import.meta.url));

/** Options of a {@link SqliteReadPool}. */
export interface SqliteReadPoolOptions {
  /** the SQLite database file the site writes (in WAL mode, so readers never wait for the writer) */
  file: string;
  /** reader processes, at most (default 2); started on demand, kept while the pool lives */
  size?: number;
  /**
   * the budget of one statement in milliseconds, from the moment a reader takes it (default
   * 2,000); a statement waiting for a reader waits at most for the running ones' budgets
   */
  timeoutMs?: number;
  /**
   * how much lower the readers' CPU priority is than the web process's (Unix `nice`, 0–19;
   * default 10): a long search yields the CPU to the clicks of everyone else
   */
  nice?: number;
  /**
   * the site's own better-sqlite3 connection, answering what the query code asks the connection
   * rather than the data (`$client.pragma("foreign_keys")`); default: none
   */
  client?: object;
  /** where stopped statements are reported (budget, SQL); default: nowhere */
  onTimeout?: (err: QueryTimeoutError) => void;
}

/** The pools reading through each site connection (`client`), for {@link readPoolsOf}. */
const byClient = new WeakMap<object, Set<SqliteReadPool>>();

/**
 * The read pools made for a better-sqlite3 connection (`SqliteReadPoolOptions.client`), so that
 * `countStatements` on that connection counts their statements too.
 * @internal
 */
export function readPoolsOf(client: object): ReadonlySet<SqliteReadPool> {
  return byClient.get(client) ?? new Set();
}

interface Task {
  readonly req: ReaderRequest;
  readonly budgetMs: number;
  readonly resolve: (rows: unknown) => void;
  readonly reject: (err: unknown) => void;
  timer?: NodeJS.Timeout;
  slot?: Slot;
}

interface Slot {
  child: ChildProcess;
  ready: boolean;
  task: Task | null;
}

/**
 * A small pool of reader processes, each with its own read-only better-sqlite3 connection on
 * the site's WAL file, exposed as a drizzle database ({@link SqliteReadPool.db}, drizzle's
 * `sqlite-proxy`): the admin builds its reads with drizzle as before, and each one runs in a
 * reader while the event loop keeps serving everyone else (as the issue's "No query stalls a
 * worker" asks). Writes stay on the site's own connection, as short transactions.
 *
 * Every statement has a budget ({@link SqliteReadPoolOptions.timeoutMs}, counted from the moment
 * a reader takes it). Past it the statement's reader is killed (SIGKILL: the only way to stop
 * SQLite mid-statement from outside, better-sqlite3 having no `sqlite3_interrupt` and a worker
 * thread's `terminate()` waiting for the native call to return) and replaced, and the call
 * rejects with {@link QueryTimeoutError} (`WEFT_ADMIN_ERR_QUERY_TIMEOUT`).
 *
 * Readers are child processes rather than worker threads for that reason (the issue names
 * piscina or tinypool; measured: a thread's terminate() waited 10 s for a 10 s statement).
 *
 * @example
 * const pool = new SqliteReadPool({ file: "shop.db", timeoutMs: 2000 });
 * const rows = await pool.db.select().from(orders).where(like(orders.number, "%a%")).limit(100);
 * await pool.close();
 */
export class SqliteReadPool {
  /** the reads as a drizzle database (SELECTs only: a write rejects) */
  readonly db: SqliteRemoteDatabase<Record<string, never>>;
  /** the budget of one statement, in milliseconds */
  readonly timeoutMs: number;
  readonly file: string;
  private readonly size: number;
  private readonly nice: number;
  private readonly onTimeout: ((err: QueryTimeoutError) => void) | undefined;
  private readonly client: object | undefined;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private keepAlive: NodeJS.Timeout | undefined;
  /** readers killed for outliving a budget, since the pool started */
  killed = 0;
  /** called with the SQL of every statement sent to the pool (see `countStatements`) */
  readonly observers = new Set<(sql: string) => void>();

  /**
   * @throws WeftAdminError `WEFT_ADMIN_ERR_READ_POOL` when `file` does not exist; TypeError for a
   *   bad `size` (1–64) or `timeoutMs`
   */
  constructor(opts: SqliteReadPoolOptions) {
    if (typeof opts.file !== "string" || opts.file === "" || opts.file === ":memory:" || !existsSync(opts.file)) {
      throw adminError("WEFT_ADMIN_ERR_READ_POOL", `weft admin: the read pool reads a database file, and "${String(opts.file)}" is none: pass the path of the SQLite file the site writes (not ":memory:")`);
    }
    const size = opts.size ?? 2;
    if (!Number.isInteger(size) || size < 1 || size > 64) throw new TypeError(`weft admin: SqliteReadPool size must be a whole number from 1 to 64 (got ${String(size)})`);
    this.file = opts.file;
    this.size = size;
    this.nice = opts.nice ?? 10;
    if (!Number.isInteger(this.nice) || this.nice < 0 || this.nice > 19) throw new TypeError(`weft admin: SqliteReadPool nice must be a whole number from 0 to 19 (got ${String(opts.nice)})`);
    this.timeoutMs = queryBudget(opts.timeoutMs, "SqliteReadPool timeoutMs");
    this.onTimeout = opts.onTimeout;
    if (opts.client) {
      if (!byClient.has(opts.client)) byClient.set(opts.client, new Set());
      byClient.get(opts.client)!.add(this);
    }
    this.client = opts.client;
    this.db = this.database();
  }

  /**
   * The pool's reads as a drizzle database whose every statement goes through `through` (e.g. a
   * user's fair share: `(run) => share.run(user.id, run)`), still under the pool's budget.
   * {@link SqliteReadPool.db} is the one without.
   * @param through - runs one statement (`run`) and resolves to its result; default: runs it at once
   * @returns a drizzle database over the pool (SELECTs only: a write rejects with `WEFT_ADMIN_ERR_READ_POOL`)
   */
  database(through: <T>(run: () => Promise<T>) => Promise<T> = (run) => run()): SqliteRemoteDatabase<Record<string, never>> {
    const db = drizzle(async (sql, params, method) => {
      if (method === "run") throw adminError("WEFT_ADMIN_ERR_READ_POOL", "weft admin: the read pool only reads: run writes on the site's own database (`site.db`)");
      return { rows: (await through(() => this.query(sql, params, method))) as unknown[] };
    });
    // raw SQL reads as better-sqlite3's `db.all(sql)` does: objects keyed by column name
    // (sqlite-proxy would hand back the callback's arrays as they are)
    Object.defineProperty(db, "all", {
      value: (query: SQLWrapper | string) => {
        const built = SQLITE.sqlToQuery(typeof query === "string" ? sql.raw(query) : query.getSQL());
        return through(() => this.query(built.sql, built.params, "objects"));
      },
    });
    // what the query code asks the connection (e.g. `PRAGMA foreign_keys`) is answered by the site's own
    if (this.client) Object.defineProperty(db, "$client", { value: this.client });
    return db;
  }

  /**
   * Runs one statement in a reader.
   * @param method - "all" / "values": every row, as arrays of values; "get": the first row or undefined
   * @param budgetMs - this statement's budget (default the pool's)
   * @throws QueryTimeoutError past the budget; WeftAdminError `WEFT_ADMIN_ERR_READ_POOL` when the pool is closed under it;
   *   SQLite's error (with its `code`) for a bad statement
   */
  query(sql: string, params: unknown[], method: ReadMethod, budgetMs = this.timeoutMs): Promise<unknown> {
    for (const observe of this.observers) observe(sql);
    // the readers do not keep the process alive; a statement waiting for its answer does
    this.keepAlive ??= setInterval(() => {}, 2 ** 30);
    return new Promise((resolve, reject) => {
      const task: Task = { req: { id: this.nextId++, sql, params, method }, budgetMs, resolve, reject };
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Readers started, readers busy, statements waiting. */
  stats(): { readers: number; busy: number; queued: number; killed: number } {
    return { readers: this.slots.length, busy: this.slots.filter((s) => s.task).length, queued: this.queue.length, killed: this.killed };
  }

  /** Stops every reader; waiting and running statements reject. A later query starts readers again. */
  async close(): Promise<void> {
    const gone = adminError("WEFT_ADMIN_ERR_READ_POOL", "weft admin: the read pool was closed");
    for (const task of this.queue.splice(0)) this.settle(task, gone);
    await Promise.all(
      this.slots.splice(0).map((slot) => {
        if (slot.task) this.settle(slot.task, gone);
        return this.kill(slot);
      }),
    );
  }


  // ---- internals ----

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.ready && !s.task);
      if (!slot) {
        if (this.slots.length < this.size) this.slots.push(this.spawn());
        return;
      }
      const task = this.queue.shift()!;
      slot.task = task;
      task.slot = slot;
      // the budget runs from here: starting a reader (slow on a loaded machine) is not the statement's
      task.timer = setTimeout(() => this.expire(task), task.budgetMs);
      slot.child.send(task.req);
    }
  }

  private spawn(): Slot {
    const child = fork(READER, [this.file], { serialization: "advanced", execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const slot: Slot = { child, ready: false, task: null };
    // a long read competes for the CPU with the web process it serves: the web process goes first
    try {
      if (child.pid !== undefined && this.nice !== 0) setPriority(child.pid, Math.min(19, getPriority() + this.nice));
    } catch {
      // not permitted here (a container without CAP_SYS_NICE lowers only): the readers keep the parent's priority
    }
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    child.on("message", (msg: ReaderReply) => {
      if (msg.ready) {
        slot.ready = true;
        return this.dispatch();
      }
      const task = slot.task;
      if (!task || task.req.id !== msg.id) return;
      slot.task = null;
      if (msg.error) this.settle(task, Object.assign(new Error(msg.error.message), { code: msg.error.code, query: task.req.sql }));
      else this.settle(task, undefined, msg.rows);
      this.dispatch();
    });
    child.on("exit", (code, signal) => this.lost(slot, code, signal));
    child.on("error", () => {}); // "exit" follows and reports it
    return slot;
  }

  /** A reader ended: its statement (if any) fails, and a new reader takes its place on demand. */
  private lost(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return; // killed on purpose: already replaced
    this.slots.splice(at, 1);
    const err = adminError("WEFT_ADMIN_ERR_READ_POOL", `weft admin: a read-pool reader of ${this.file} stopped (${signal ?? `exit code ${code}`})`);
    if (slot.task) this.settle(slot.task, err);
    // a reader that never started (the file vanished, no permission…): fail what waits instead of looping
    if (!slot.ready) for (const task of this.queue.splice(0)) this.settle(task, err);
    this.dispatch();
  }

  /** A budget ran out: the statement's reader is killed (a new one starts on demand). */
  private expire(task: Task): void {
    const err = new QueryTimeoutError(task.budgetMs, task.req.sql);
    const slot = task.slot;
    if (slot && slot.task === task) {
      slot.task = null;
      this.slots.splice(this.slots.indexOf(slot), 1);
      this.killed++;
      void this.kill(slot);
    }
    this.settle(task, err);
    this.onTimeout?.(err);
    this.dispatch();
  }

  private kill(slot: Slot): Promise<void> {
    return new Promise((resolve) => {
      if (slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
      slot.child.once("exit", () => resolve());
      slot.child.ref(); // whoever awaits this waits for the exit
      slot.child.kill("SIGKILL");
    });
  }

  private settle(task: Task, err: unknown, rows?: unknown): void {
    clearTimeout(task.timer);
    if (this.keepAlive && this.queue.length === 0 && !this.slots.some((s) => s.task && s.task !== task)) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
    if (err) task.reject(err);
    else task.resolve(rows);
  }
}
