// The real demo server (examples/admin-demo/dist/main.js) as a child process, for the e2e specs.
//
// Seeding 400k orders takes several seconds, so the seeded file is made once and cached in the
// OS temp dir, keyed by a hash of the code that shapes it (seed, schema, migrations); a lock
// directory keeps two vitest workers from seeding at the same time. Every server gets its own
// copy of that file in its own temp dir, so the simulator's inserts never leak between files.
//
// Clean-up: `stop()` sends SIGTERM (SIGKILL after a grace period); `dispose()` also deletes the
// temp dir. A process "exit" hook SIGKILLs whatever is still running if a spec dies early.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { constants as fsc, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { freePort } from "@weft/server/testing";
import { launchBrowser } from "./browser.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DEMO = join(ROOT, "examples/admin-demo");
export const MAIN = join(DEMO, "dist/main.js");
const SEED_CLI = join(DEMO, "dist/db/seed-cli.js");

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * How long `stop()` lets a server close after SIGTERM before it SIGKILLs it (ms). A bound, not a
 * wait: `stop()` returns as soon as the process exits. A graceful close of a few hundred sockets
 * takes 2-3 s on a loaded machine (two CPU hogs beside the suite) and once passed the old
 * 10 s, so "SIGTERM ends the server by itself" failed with a SIGKILL.
 */
export const STOP_GRACE_MS = 60_000;

/** Hash of everything that decides what a seeded file holds. */
function seedKey(): string {
  const h = createHash("sha256");
  const files = [
    ...["seed.js", "seed-cli.js", "schema.js", "open.js", "rng.js"].map((f) => join(DEMO, "dist/db", f)),
    ...readdirSync(join(DEMO, "drizzle"))
      .filter((f) => f.endsWith(".sql"))
      .sort()
      .map((f) => join(DEMO, "drizzle", f)),
  ];
  for (const f of files) {
    h.update(f);
    h.update(readFileSync(f));
  }
  return h.digest("hex").slice(0, 16);
}

/**
 * The path of a seeded demo database to copy from (seeds it on first use, shared by every
 * worker and run while the seed code is unchanged). Never serve this file directly.
 */
export async function seededTemplate(): Promise<string> {
  const dir = join(tmpdir(), `weft-e2e-seed-${seedKey()}`);
  const file = join(dir, "demo.db");
  const done = join(dir, "ok");
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 170_000;
  while (!existsSync(done)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the seed in ${dir}`);
    try {
      await mkdir(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      // another worker is seeding; a lock older than 3 minutes belongs to a dead run
      try {
        if (Date.now() - statSync(lock).mtimeMs > 180_000) await rmdir(lock);
      } catch {}
      await sleep(250);
      continue;
    }
    try {
      if (existsSync(done)) break;
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, "seeding.db");
      await promisify(execFile)(process.execPath, [SEED_CLI, tmp], { cwd: ROOT, maxBuffer: 1 << 24 });
      // the CLI closes its connection (WAL checkpointed); only the main file is needed
      await rename(tmp, file);
      await rm(`${tmp}-wal`, { force: true });
      await rm(`${tmp}-shm`, { force: true });
      await writeFile(done, new Date().toISOString());
    } finally {
      await rmdir(lock).catch(() => {});
    }
  }
  return file;
}

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** SIMULATE_MS: an order every this many ms; 0 (default) turns the simulator off */
  simulateMs?: number;
  /** more environment for the server process (e.g. `ACTION_ROW_DELAY_MS`) */
  env?: Record<string, string>;
}

/** How a server process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** true when it ignored SIGTERM and had to be killed */
  killed: boolean;
  /** ms from the signal to the exit (a failure message's clue: the demo exits 1 after 10 s) */
  ms: number;
}

/** A running (or stopped, restartable) demo server. */
export interface Demo {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** the server's own copy of the database (its secret sits beside it) */
  readonly dbFile: string;
  /** true between start and stop */
  readonly running: boolean;
  /** everything the current process printed (stdout + stderr) */
  output(): string;
  /**
   * SIGTERM, waits for the exit (SIGKILL after `graceMs`, default {@link STOP_GRACE_MS}). No-op
   * when stopped.
   */
  stop(graceMs?: number): Promise<Exit | undefined>;
  /** Starts the server again on the same port and database. */
  start(): Promise<void>;
  /** Sends `sig` to the running server (`SIGSTOP` freezes it with its sockets open). No-op when stopped. */
  signal(sig: NodeJS.Signals): void;
  /** stop() and delete the temp dir. */
  dispose(): Promise<void>;
}

/**
 * Starts the demo on a free port with a fresh copy of the seeded database in a temp dir, and
 * resolves once it printed its "Weft demo:" line.
 */
export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  const template = await seededTemplate();
  const dir = await mkdtemp(join(tmpdir(), "weft-e2e-"));
  const dbFile = join(dir, "demo.db");
  await copyFile(template, dbFile, fsc.COPYFILE_FICLONE);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let out = "";

  const start = async () => {
    if (child) throw new Error("demo server already running");
    out = "";
    const env: NodeJS.ProcessEnv = { ...process.env, STOP_GRACE_MS: "60000", DATABASE_URL: "", ...opts.env, PORT: String(port), HOST: "127.0.0.1", DEMO_DB: dbFile, SIMULATE_MS: String(opts.simulateMs ?? 0) };
    delete env.WEFT_SECRET; // the secret must come from <DEMO_DB>.secret, as in a real restart
    delete env.REDIS_URL;
    const c = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    live.add(c);
    c.once("exit", () => {
      live.delete(c);
      if (child === c) child = undefined;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error("no \"Weft demo:\" line within 60 s")), 60_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("Weft demo:")) {
          clearTimeout(timer);
          c.off("exit", onExit);
          resolve();
        }
      };
      const onExit = (code: number | null, signal: string | null) =>
        fail(new Error(`demo server exited (code ${code}, signal ${signal}) before listening`));
      const fail = (err: Error) => {
        clearTimeout(timer);
        c.off("exit", onExit);
        c.kill("SIGKILL");
        reject(new Error(`${err.message}\n--- output ---\n${out}`));
      };
      c.stdout!.on("data", onData);
      c.stderr!.on("data", (chunk: Buffer) => void (out += chunk.toString()));
      c.once("exit", onExit);
    });
  };

  const stop = async (graceMs = STOP_GRACE_MS): Promise<Exit | undefined> => {
    const c = child;
    if (!c) return undefined;
    let sent = 0;
    const exited = new Promise<Exit>((resolve) =>
      c.once("exit", (code, signal) => resolve({ code, signal, killed: false, ms: Date.now() - sent })),
    );
    sent = Date.now();
    c.kill("SIGTERM");
    const timer = sleep(graceMs).then(() => "timeout" as const);
    const first = await Promise.race([exited, timer]);
    if (first !== "timeout") return first;
    c.kill("SIGKILL");
    return { ...(await exited), killed: true };
  };

  await start();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    dbFile,
    get running() {
      return child !== undefined;
    },
    output: () => out,
    stop,
    start,
    signal: (sig) => void child?.kill(sig),
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What {@link useDemo} gives a spec file; read it in hooks and tests (it is set in beforeAll). */
export interface DemoSession {
  /** the file's demo server */
  readonly demo: Demo;
  /** the file's headless Chromium */
  readonly browser: Browser;
}

/**
 * One demo server and one Chromium for the calling spec file: registers a beforeAll that starts
 * both (in parallel) and an afterAll that closes the browser and disposes of the server. Call it
 * at the top level of the file, before the file's own hooks that use it.
 */
export function useDemo(opts: DemoOptions = {}): DemoSession {
  let demo: Demo | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDemo(opts), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.dispose();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useDemo: no ${what} yet (read it in a hook or a test)`);
    return value;
  };
  return {
    get demo() {
      return started(demo, "demo server");
    },
    get browser() {
      return started(browser, "browser");
    },
  };
}
