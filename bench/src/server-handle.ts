/**
 * Parent side of the bench server: forks `server.js` and wraps its IPC requests.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { GcStats, ServerMessage, ServerRequest } from "./server.js";

type Reply = Extract<ServerMessage, { type: "reply" }>;
type Without<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

/** A running server child. */
export class ServerHandle {
  private nextId = 1;
  private waiting = new Map<number, (r: Reply) => void>();

  private constructor(
    private child: ChildProcess,
    /** `http://127.0.0.1:<port>` */
    readonly base: string,
    /** the limits the server runs with (defaults merged with the bench's overrides) */
    readonly limits: Record<string, number>,
  ) {
    child.on("message", (m: ServerMessage) => {
      if (m.type !== "reply") return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.(m);
    });
  }

  /**
   * Forks the server on `dbFile` with `--expose-gc` and resolves once it listens.
   * @param limits - overrides merged into the server's per-socket limits
   * @param script - the child to fork (default the Weft demo, `server.js`; the peer bench
   *   forks LiveViewJS, `peers/lvjs-server.js`, which answers the same requests)
   */
  static start(dbFile: string, secret: string, limits: Record<string, number> = {}, script = new URL("./server.js", import.meta.url)): Promise<ServerHandle> {
    const child = fork(fileURLToPath(script), [dbFile, secret, JSON.stringify(limits)], {
      // BENCH_SERVER_FLAGS: extra node flags for the server child, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
      execArgv: ["--expose-gc", ...(process.env.BENCH_SERVER_FLAGS?.split(" ").filter(Boolean) ?? [])],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new Promise((resolve, reject) => {
      const fail = (why: string) => reject(new Error(`bench server: ${why}`));
      child.once("exit", (code) => fail(`exited with ${code} before listening`));
      child.once("error", (err) => fail(err.message));
      child.on("message", (m: ServerMessage) => {
        if (m.type === "ready") {
          child.removeAllListeners("exit");
          resolve(new ServerHandle(child, `http://127.0.0.1:${m.port}`, m.limits));
        }
      });
    });
  }

  /** Sends a request and resolves with its answer (rejects on an error answer or after 30 s). */
  request(req: Without<ServerRequest, "id">): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`bench server: no answer to ${req.cmd}`)), 30_000);
      this.waiting.set(id, (r) => {
        clearTimeout(t);
        if (r.error) reject(new Error(`bench server: ${req.cmd}: ${r.error}`));
        else resolve(r);
      });
      this.child.send({ ...req, id } as ServerRequest);
    });
  }

  /** CPU time (user + system, µs) the server process has used so far, its event-loop utilization and GC pauses. */
  async cpu(): Promise<{ user: number; system: number; elu: { idle: number; active: number }; gc: GcStats }> {
    const r = await this.request({ cmd: "cpu" });
    return { user: r.cpu!.user, system: r.cpu!.system, elu: r.elu!, gc: r.gc! };
  }

  /** Memory after forced full GCs, and the number of connected views. */
  async memory(): Promise<{ mem: NodeJS.MemoryUsage; views: number }> {
    const r = await this.request({ cmd: "mem" });
    return { mem: r.mem!, views: r.views! };
  }

  /** Bytes the server has read from all its TCP connections so far, and how many it accepted. */
  async read(): Promise<{ bytes: number; connections: number }> {
    return (await this.request({ cmd: "read" })).read!;
  }

  async views(): Promise<number> {
    return (await this.request({ cmd: "views" })).views!;
  }

  async publish(topic: string, msg: unknown): Promise<void> {
    await this.request({ cmd: "publish", topic, msg });
  }

  /** Closes the app and waits for the process to exit (kills it after 5 s). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once("exit", () => r()));
    const kill = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.request({ cmd: "stop" }).catch(() => this.child.kill("SIGKILL"));
    await exited;
    clearTimeout(kill);
  }

  /** Last resort (watchdog): kill the child now. */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}
