// What the BullMQ job-worker specs (job-workers on SQLite, job-workers-pg on PostgreSQL) share:
// condition polls with a bound, `weft worker` processes on the demo's config, logging in
// through the form without a browser, and starting an action on "all N matching" orders.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { JobRecord } from "../../packages/server/src/jobs/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WEFT = join(ROOT, "packages/admin/bin/weft.js");
const CONFIG = join(ROOT, "examples/admin-demo/weft.config.js");

/** Polls `cond` every 25 ms until it returns a truthy value; throws after `ms` (a bound, not a wait). */
export type Until = <T>(cond: () => T | undefined | Promise<T | undefined>, what: string, ms?: number) => Promise<T>;

/**
 * An {@link Until} whose bound defaults to `defaultMs`; its timeout error ends with `detail()`
 * (e.g. the processes' output).
 */
export function pollUntil(defaultMs: number, detail: () => string = () => ""): Until {
  return async <T>(cond: () => T | undefined | Promise<T | undefined>, what: string, ms = defaultMs): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await cond();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${detail()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
}

/** Where and how {@link startWeftWorker} runs `weft worker`. */
export interface WeftWorkerOptions {
  cwd: string;
  /** over `process.env` (DATABASE_URL, DEMO_DB, the actions' pace, …) */
  env: Record<string, string>;
  redisUrl: string;
  /** waits for the start line */
  until: Until;
  /** called with the process as soon as it is spawned (to kill it in `afterAll` even when its start fails) */
  onSpawn?: (proc: ChildProcess) => void;
  /** every chunk of its stdout and stderr */
  onOutput?: (chunk: string) => void;
}

/** `weft worker` on the demo's weft.config.js; resolves once it printed its start line. */
export async function startWeftWorker(o: WeftWorkerOptions): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [WEFT, "worker", "--config", CONFIG, "--redis", o.redisUrl], { cwd: o.cwd, env: { ...process.env, ...o.env }, stdio: ["ignore", "pipe", "pipe"] });
  o.onSpawn?.(proc);
  let out = "";
  const take = (d: Buffer) => {
    out += d.toString();
    o.onOutput?.(d.toString());
  };
  proc.stdout!.on("data", take);
  proc.stderr!.on("data", take);
  await o.until(() => out.includes("weft worker: pid") || proc.exitCode !== null, "weft worker started");
  if (proc.exitCode !== null) throw new Error(`weft worker exited ${proc.exitCode}: ${out}`);
  return proc;
}


/** Runs `action` on every order matching `query` through the web worker at `base`; returns the job id. */
export async function startAllMatching(base: string, cookie: string, action: string, query: string): Promise<string> {
  const page = await (await fetch(`${base}/admin/`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  const res = await fetch(`${base}/admin/shop/order/action/?${query}`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded", origin: base },
    body: new URLSearchParams({ _csrf: csrf, action, select_across: "1" }).toString(),
  });
  expect(res.status).toBe(303);
  return /\/admin\/jobs\/([^/]+)\//.exec(res.headers.get("location")!)![1]!;
}

/** The pid of the process a job record says runs it (`host:pid`). */
export const workerPid = (rec: JobRecord) => Number(rec.worker.split(":").pop());
