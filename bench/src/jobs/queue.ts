/**
 * The jobs bench's queue phases, on BullMQ with two job worker processes (queue-worker.ts):
 * jobs per second with empty bodies, the web worker's p99 with and without a CPU-bound job
 * running on a job worker, and crash → resumed (a job worker killed with SIGKILL mid-job, the
 * time until another worker has resumed its job).
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RedisChannelLayer } from "@weft/server/pubsub";
import { JobStore, type JobRecord } from "@weft/server/jobs";
import { BullJobQueue } from "@weft/admin/jobs";
import { percentile, sorted } from "../stats.js";
import { log } from "./figures.js";

/** What the queue phases measured. */
export interface QueueFigures {
  jobs: number;
  jobsPerSecond: number;
  web: { idle: { p50: number; p99: number }; cpuJob: { p50: number; p99: number }; requests: number; url: string };
  crash: { lockMs: number; stalledMs: number; resumedS: number; resumedFrom: number; total: number };
}

const LOCK_MS = 1_500;
const STALLED_MS = 1_500;

function start(url: string, name: string): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL("./queue-worker.js", import.meta.url)), [url, name, String(LOCK_MS), String(STALLED_MS)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`queue worker ${name} exited (${code})`)));
  });
}

async function until<T>(cond: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`bench:jobs: ${what} not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function webLatency(url: string, cookie: string, n: number): Promise<{ p50: number; p99: number }> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers: { cookie } });
    await res.arrayBuffer();
    xs.push(performance.now() - t);
  }
  const s = sorted(xs);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
}

/** Runs the phases against the Redis at `url`; `page` is a web worker's page (B), fetched with `cookie`. */
export async function measureQueue(url: string, page: string, cookie: string): Promise<QueueFigures> {
  const children = await Promise.all([start(url, "jw1"), start(url, "jw2")]);
  const layer = new RedisChannelLayer(url, { keyPrefix: "bq:" });
  const store = new JobStore(layer, { leaseMs: 3 * (LOCK_MS + STALLED_MS), maxPerOwner: Infinity, maxPerAction: Infinity });
  const queue = new BullJobQueue(store, { url, prefix: "bench-q" });
  const job = (kind: string, data: unknown, resumable = false) => ({ kind, data, owner: "bench", action: kind, description: kind, resumable });
  try {
    // jobs per second: enqueue N empty jobs, wait for every one to be done
    const N = 300;
    let done = 0;
    const off = store.subscribeList(undefined, (e) => void (e.status === "done" && done++));
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await queue.enqueue(job("empty", null));
    await until(async () => (done >= N ? true : undefined), `${N} empty jobs done`);
    const jobsPerSecond = N / ((performance.now() - t0) / 1000);
    off();
    log(`queue: ${N} empty jobs at ${jobsPerSecond.toFixed(0)} jobs/s (enqueue → done, 2 job workers)`);

    // the web worker's latency, idle and with a CPU-bound job running on a job worker
    const requests = 200;
    const idle = await webLatency(page, cookie, requests);
    const cpu = await queue.enqueue(job("cpu", { ms: 60_000 }));
    await until(async () => ((await store.get(cpu.id))?.status === "running" ? true : undefined), "cpu job running");
    const cpuJob = await webLatency(page, cookie, requests);
    await queue.cancel(cpu.id, "bench");
    log(`queue: web p50/p99 ${idle.p50.toFixed(1)}/${idle.p99.toFixed(1)} ms idle, ${cpuJob.p50.toFixed(1)}/${cpuJob.p99.toFixed(1)} ms with a CPU-bound job on a job worker`);

    // crash → resumed
    const steps = await queue.enqueue(job("steps", { steps: 3_000, stepMs: 10 }, true));
    const running = await until(async () => {
      const r = await store.get(steps.id);
      return r?.status === "running" && r.current > 50 ? r : undefined;
    }, "steps job running");
    const victim = children[running.worker === "jw1" ? 0 : 1]!;
    const killedAt = performance.now();
    victim.kill("SIGKILL");
    const resumed: JobRecord = await new Promise((resolve) => {
      const stop = store.subscribe(steps.id, (r) => {
        if ((r.resumes ?? 0) > 0) {
          stop();
          resolve(r);
        }
      });
    });
    const resumedS = (performance.now() - killedAt) / 1000;
    log(`queue: crash → resumed on ${resumed.worker} in ${resumedS.toFixed(2)} s (lock ${LOCK_MS} ms, stalled interval ${STALLED_MS} ms), from ${resumed.resumedFrom?.current} of ${resumed.total}`);
    await queue.cancel(steps.id, "bench");
    return {
      jobs: N,
      jobsPerSecond,
      web: { idle, cpuJob, requests, url: new URL(page).pathname },
      crash: { lockMs: LOCK_MS, stalledMs: STALLED_MS, resumedS, resumedFrom: resumed.resumedFrom?.current ?? 0, total: resumed.total ?? 0 },
    };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await queue.close();
    await layer.close();
  }
}
