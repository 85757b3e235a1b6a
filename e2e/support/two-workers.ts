// Two real demo processes on different ports sharing one copy of the seeded SQLite file and a
// private Redis (REDIS_URL when set), plus a headless Chromium: the set-up of the multi-worker
// admin specs.
import { constants as fsc } from "node:fs";
import { copyFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rm } from "node:fs/promises";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { startTestRedis, type TestRedis } from "../../packages/server/test/support/redis.js";
import { launchBrowser } from "./browser.js";
import { seededTemplate } from "./demo.js";
import { startWorker, stopWorker, type Worker } from "./faults-workers.js";

export interface TwoWorkers {
  redis: TestRedis;
  /** the temp folder holding the database copy (remove it after) */
  dir: string;
  A: Worker;
  B: Worker;
  browser: Browser;
}

/**
 * Starts Redis, Chromium and the two workers; A first (it writes the secret and the demo users).
 * @param prefix - the temp folder's name prefix
 * @param env - extra environment for both workers (e.g. the actions' pace)
 */
export async function startTwoWorkers(prefix: string, env: Record<string, string>): Promise<TwoWorkers> {
  const [template, redis, browser] = await Promise.all([seededTemplate(), startTestRedis(), launchBrowser()]);
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const dbFile = join(dir, "demo.db");
  await copyFile(template, dbFile, fsc.COPYFILE_FICLONE);
  const A = await startWorker("A", dbFile, redis.url, env);
  const B = await startWorker("B", dbFile, redis.url, env);
  return { redis, dir, A, B, browser };
}

/**
 * The two workers for the calling spec file: registers a beforeAll that starts them
 * ({@link startTwoWorkers}) and an afterAll that closes the browser, stops both workers (SIGTERM,
 * or SIGKILL with `kill`: when jobs never end there is no graceful stop to wait for), stops Redis
 * and removes the temp folder. Read the result in hooks and tests (it is set in beforeAll).
 */
export function useTwoWorkers(prefix: string, env: Record<string, string>, o: { kill?: boolean } = {}): TwoWorkers {
  let t: TwoWorkers | undefined;
  beforeAll(async () => {
    t = await startTwoWorkers(prefix, env);
  });
  afterAll(async () => {
    await t?.browser.close();
    const workers = [t?.A, t?.B];
    if (o.kill) {
      for (const w of workers) if (w?.alive()) w.proc.kill("SIGKILL");
      await Promise.all(workers.map((w) => w?.exited));
    } else await Promise.all(workers.map(stopWorker));
    await t?.redis.stop();
    if (t?.dir) await rm(t.dir, { recursive: true, force: true });
  });
  const started = (): TwoWorkers => {
    if (!t) throw new Error("useTwoWorkers: read it in a hook or a test");
    return t;
  };
  const session = {} as TwoWorkers;
  for (const key of ["redis", "dir", "A", "B", "browser"] as const) Object.defineProperty(session, key, { get: () => started()[key] });
  return session;
}
