/**
 * A private Redis server for one test file: `redis-server` on a free loopback port, no
 * persistence (`--save "" --appendonly no`), its working directory a temporary one removed
 * after. When `REDIS_URL` is set, that server is used instead (never flushed: every test uses
 * its own key prefix) and the tests that stop/restart Redis are skipped.
 *
 * The system Redis on 6379 is never used unless REDIS_URL points at it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** True when the tests run against `REDIS_URL` (and cannot stop or restart it). */
export const externalRedis = !!process.env.REDIS_URL;

export interface TestRedis {
  url: string;
  /** SIGKILLs the private server (no-op when external). */
  kill(): Promise<void>;
  /** Starts the private server again on the same port (empty: nothing was saved). */
  restart(): Promise<void>;
  /** Kills the server and removes its directory. */
  stop(): Promise<void>;
}

/** A key prefix no other test (or process) uses. */
export function uniquePrefix(): string {
  return `weft-test:${randomBytes(6).toString("hex")}:`;
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

/** Starts the private server (or wraps REDIS_URL). Throws when `redis-server` cannot start. */
export async function startTestRedis(): Promise<TestRedis> {
  if (process.env.REDIS_URL) {
    const url = process.env.REDIS_URL;
    return { url, kill: async () => {}, restart: async () => {}, stop: async () => {} };
  }
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
    if (spawnError) throw new Error(`cannot start redis-server (is it installed? Debian: apt-get install redis-server): ${String(spawnError)}`);
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
    if (attempt === 4) throw new Error("redis-server did not start on a free port after 5 attempts");
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    async restart() {
      await kill();
      for (let attempt = 0; ; attempt++) {
        if (await launch()) return;
        if (attempt === 20) throw new Error(`redis-server did not restart on port ${port}`);
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
