// Two real demo processes on different ports sharing one copy of the seeded SQLite file and a
// private Redis (REDIS_URL when set), plus a headless Chromium: the set-up of the multi-worker
// admin specs.
import { constants as fsc } from "node:fs";
import { copyFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { startTestRedis, type TestRedis } from "../../packages/server/test/support/redis.js";
import { launchBrowser } from "./browser.js";
import { seededTemplate } from "./demo.js";
import { startWorker, type Worker } from "./faults-workers.js";

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
