/**
 * A private Redis server for tests and benchmarks.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { weftError } from "../errors.js";

/** A private Redis server started by {@link startRedisServer}. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** the server's pid, while it runs */
  readonly pid: number | undefined;
  /** SIGKILLs the server (an outage: clients see it gone). */
  kill(): Promise<void>;
  /** Starts the private server again on the same port (empty: nothing was saved). */
  restart(): Promise<void>;
  /** Kills the server and removes its directory. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, found by binding port 0 and closing again (another process may take it before the caller binds it: retry on EADDRINUSE). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host: "127.0.0.1" });
    let buf = "";
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once("error", () => done(false));
    sock.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("\r\n")) done(buf.startsWith("+PONG"));
    });
    sock.once("connect", () => sock.write("PING\r\n"));
  });
}

/**
 * Starts a private `redis-server` (it must be on the PATH; Debian: `apt-get install
 * redis-server`) on a free port of 127.0.0.1, with no persistence (`--save "" --appendonly no`)
 * and a temporary working directory removed by `stop`. For testing code that uses
 * `RedisChannelLayer` — several processes, Redis outages (`kill` / `restart`) — without
 * touching any Redis the machine already runs.
 *
 * @returns once the server answers PING
 * @throws Error when `redis-server` is missing or does not start after 5 attempts
 */
export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "weft-redis-"));
  let child: ChildProcess | undefined;
  let port = 0;
  const killOnExit = () => child?.kill("SIGKILL");
  process.on("exit", killOnExit);

  async function launch(): Promise<boolean> {
    const c = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--protected-mode", "no", "--loglevel", "warning"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    child = c;
    let exited = false;
    let spawnError: unknown;
    c.once("error", (err) => {
      spawnError = err;
      exited = true;
    });
    c.once("exit", () => void (exited = true));
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      if (exited) break;
      if (await ping(port)) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    c.kill("SIGKILL");
    if (spawnError) throw weftError("WEFT_ERR_TEST_REDIS", `cannot start redis-server (is it installed? Debian: apt-get install redis-server): ${String(spawnError)}`);
    return false;
  }

  async function kill(): Promise<void> {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
  }

  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    if (await launch()) break;
    if (attempt === 4) throw weftError("WEFT_ERR_TEST_REDIS", "redis-server did not start on a free port after 5 attempts (is another test holding many ports? see its log)");
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    kill,
    async restart() {
      await kill();
      for (let attempt = 0; ; attempt++) {
        if (await launch()) return;
        if (attempt === 20) throw weftError("WEFT_ERR_TEST_REDIS", `redis-server did not restart on port ${port} (another process may have taken the port)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      await kill();
      process.off("exit", killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
