/**
 * The IPC between the jobs bench (the parent, which also holds the WebSocket clients) and its
 * two worker processes: A runs the jobs, B serves the progress pages. Requests carry an id and
 * get one reply; A also sends unsolicited events (timestamps taken inside the job bodies).
 *
 * Every timestamp is `performance.timeOrigin + performance.now()` (ms since the epoch, from the
 * process's monotonic clock): comparable across processes of one machine, see {@link now}.
 */
import { fork, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

/** Milliseconds since the epoch on this process's monotonic clock, comparable across processes of the machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** The job bodies process A can run (see worker-a.ts). */
export type JobKind =
  /** `count` updates `spacingMs` apart, each with a unique message, after "go" */
  | { kind: "latency"; count: number; spacingMs: number }
  /** waits for its signal to abort and reports when it did */
  | { kind: "cancel" }
  /** `rate` updates a second for `seconds`, after "go" */
  | { kind: "flood"; rate: number; seconds: number };

/** Requests from the parent. */
export type Request =
  | { id: number; cmd: "clock" }
  | { id: number; cmd: "start"; job: JobKind }
  | { id: number; cmd: "go"; jobId: string }
  | { id: number; cmd: "finished"; jobId: string }
  | { id: number; cmd: "cpu" }
  | { id: number; cmd: "stop" };

/** Events A sends from inside job bodies. */
export type JobEvent =
  /** latency body: the time taken just before each `progress.update` (index i carries marker i) */
  | { type: "stamps"; jobId: string; stamps: number[] }
  /** cancel body: when the 'abort' listener of `progress.signal` ran */
  | { type: "aborted"; jobId: string; at: number }
  /** flood body: its window, the updates it made and the records A published for the job meanwhile */
  | { type: "flood"; jobId: string; start: number; end: number; updates: number; published: number };

/** Messages from a child. */
export type ChildMessage =
  | { type: "ready"; port?: number }
  | { type: "reply"; id: number; error?: string; t?: number; jobId?: string; status?: string; cpu?: NodeJS.CpuUsage }
  | JobEvent;

type Reply = Extract<ChildMessage, { type: "reply" }>;
type Without<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

/** A forked worker (A or B) and its IPC. */
export class Child {
  private nextId = 1;
  private waiting = new Map<number, (r: Reply) => void>();
  private eventWaiters: Array<{ pred: (e: JobEvent) => boolean; resolve: (e: JobEvent) => void }> = [];

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
    /** the port B listens on (A: undefined) */
    readonly port: number | undefined,
  ) {
    proc.on("message", (m: ChildMessage) => {
      if (m.type === "ready") return;
      if (m.type === "reply") {
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        w?.(m);
        return;
      }
      const i = this.eventWaiters.findIndex((w) => w.pred(m));
      if (i >= 0) this.eventWaiters.splice(i, 1)[0]!.resolve(m);
    });
  }

  /** Forks `script` (a sibling of this file) with `args` and resolves once it says it is ready. */
  static start(name: string, script: string, args: string[]): Promise<Child> {
    const proc = fork(fileURLToPath(new URL(script, import.meta.url)), args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`worker ${name} exited with ${code} before it was ready`));
      proc.once("exit", onExit);
      proc.once("error", reject);
      proc.on("message", function ready(m: ChildMessage) {
        if (m.type !== "ready") return;
        proc.off("message", ready);
        proc.off("exit", onExit);
        resolve(new Child(name, proc, m.port));
      });
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Sends a request; resolves with its reply (rejects on an error reply or after `timeoutMs`). */
  request(req: Without<Request, "id">, timeoutMs = 30_000): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`worker ${this.name}: no answer to ${req.cmd}`)), timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(t);
        if (r.error) reject(new Error(`worker ${this.name}: ${req.cmd}: ${r.error}`));
        else resolve(r);
      });
      this.proc.send({ ...req, id } as Request);
    });
  }

  /** Resolves with the next event satisfying `pred` (rejects after `timeoutMs`). Register before causing it. */
  event<E extends JobEvent>(pred: (e: JobEvent) => e is E, what: string, timeoutMs = 30_000): Promise<E> {
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (e: JobEvent) => {
          clearTimeout(t);
          resolve(e as E);
        },
      };
      const t = setTimeout(() => {
        this.eventWaiters = this.eventWaiters.filter((x) => x !== w);
        reject(new Error(`worker ${this.name}: timed out waiting for ${what}`));
      }, timeoutMs);
      this.eventWaiters.push(w);
    });
  }

  /**
   * The offset of this child's clock from the parent's (child − parent, ms), NTP-style: over
   * `samples` IPC round trips, the one with the shortest round trip; `uncertainty` is half of it.
   */
  async clockOffset(samples = 40): Promise<{ offset: number; uncertainty: number }> {
    let best = { offset: Number.NaN, uncertainty: Infinity };
    for (let i = 0; i < samples; i++) {
      const t0 = now();
      const r = await this.request({ cmd: "clock" });
      const t2 = now();
      const half = (t2 - t0) / 2;
      if (half < best.uncertainty) best = { offset: r.t! - (t0 + half), uncertainty: half };
    }
    return best;
  }

  /** Asks the child to close and exit; kills it after 5 s. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once("exit", () => r()));
    const kill = setTimeout(() => this.proc.kill("SIGKILL"), 5_000);
    await this.request({ cmd: "stop" }, 5_000).catch(() => this.proc.kill("SIGKILL"));
    await exited;
    clearTimeout(kill);
  }

  /** Last resort (watchdog, failure): kill now. */
  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
  }
}

/** The marker the latency body puts in the message of update `i`, as the page shows it. */
export function marker(i: number): string {
  return `bench-update-${String(i).padStart(6, "0")}`;
}
