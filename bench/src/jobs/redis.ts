/**
 * A private Redis for the jobs bench: `redis-server` on a free loopback port, no persistence
 * (`--save "" --appendonly no`), its working directory a temporary one removed afterwards.
 * The same approach as the server's integration tests (packages/server/test/support/redis.ts),
 * copied so the bench does not import test files. The system Redis is never used.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running private Redis. */
export interface BenchRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** the server's pid (for its CPU time in /proc) */
  pid: number;
  /** Kills the server and removes its directory. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
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
 * Starts `redis-server` on a free port of 127.0.0.1 and resolves once it answers PING.
 * @throws when `redis-server` is missing or does not start after 5 attempts
 */
export async function startRedis(): Promise<BenchRedis> {
  const dir = mkdtempSync(join(tmpdir(), "weft-bench-redis-"));
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill("SIGKILL");
  process.on("exit", killOnExit);

  async function launch(port: number): Promise<boolean> {
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
    if (spawnError) throw new Error(`cannot start redis-server (is it installed? Debian: apt-get install redis-server): ${String(spawnError)}`);
    return false;
  }

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    if (await launch(port)) {
      const c = child!;
      return {
        url: `redis://127.0.0.1:${port}`,
        pid: c.pid!,
        async stop() {
          if (c.exitCode === null && c.signalCode === null) {
            await new Promise<void>((resolve) => {
              c.once("exit", () => resolve());
              c.kill("SIGKILL");
            });
          }
          process.off("exit", killOnExit);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (attempt === 4) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error("redis-server did not start on a free port after 5 attempts");
    }
  }
}
