/**
 * Worker A of the jobs bench: a job worker. It holds what `weft worker` holds — a
 * `RedisChannelLayer` (one publisher, one subscriber connection), the admin's `JobStore` on it
 * with the site's defaults and the BullMQ engine (`BullJobQueue`, `runJobs`) — and enqueues
 * jobs on BullMQ, which hands them to its own BullMQ worker, with bench bodies that take timestamps where the figures start
 * or end (see protocol.ts). It serves no pages: the progress pages are worker B's.
 *
 * Usage: `fork(worker-a.js, [redisUrl])` with an IPC channel.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { RedisChannelLayer } from "@weft/server/pubsub";
import { isFinished, JobStore, type JobBody, type JobStatus } from "@weft/server/jobs";
import { BullJobQueue } from "@weft/admin/jobs";
import { marker, now, type ChildMessage, type JobKind, type Request } from "./protocol.js";

const [redisUrl] = process.argv.slice(2);
if (!redisUrl || !process.send) {
  console.error("usage: fork(worker-a.js, [redisUrl]) with an IPC channel");
  process.exit(2);
}
const send = (m: ChildMessage) => process.send!(m);

const layer = new RedisChannelLayer(redisUrl, { onError: (err) => console.error("worker A: channel layer:", err) });
const store = new JobStore(layer);
// the BullMQ engine, running jobs in this process (a job worker); the jobs are enqueued here too
const queue = new BullJobQueue(store, { url: redisUrl, prefix: "bench-bull", runJobs: true, logger: { error: (o, m) => console.error("worker A:", m, o), warn: () => {} } });
for (const kind of ["latency", "cancel", "flood"] as const) queue.handle(kind, (data, progress) => body(data as JobKind, readyFor(progress.jobId))(progress), { concurrency: 4 });
const go = new Map<string, { ready: Promise<void>; release: () => void }>();
function gate(jobId: string) {
  let g = go.get(jobId);
  if (!g) {
    let release!: () => void;
    const ready = new Promise<void>((r) => (release = r));
    go.set(jobId, (g = { ready, release }));
  }
  return g;
}
const readyFor = (jobId: string) => gate(jobId).ready;
async function finished(jobId: string): Promise<JobStatus | undefined> {
  for (;;) {
    const rec = await store.get(jobId);
    if (!rec || isFinished(rec.status)) return rec?.status;
    await sleep(20);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The body of each kind; `ready` resolves when the parent says "go". */
function body(job: JobKind, ready: Promise<void>): JobBody {
  switch (job.kind) {
    case "latency":
      return async (progress) => {
        await ready;
        const stamps: number[] = [];
        for (let i = 0; i < job.count; i++) {
          await sleep(job.spacingMs);
          stamps.push(now());
          progress.update({ current: i + 1, total: job.count, message: marker(i) });
        }
        send({ type: "stamps", jobId: progress.jobId, stamps });
      };
    case "cancel":
      return (progress) =>
        new Promise<void>((resolve) => {
          progress.signal.addEventListener("abort", () => {
            const at = now();
            send({ type: "aborted", jobId: progress.jobId, at });
            resolve();
          });
        });
    case "flood":
      return async (progress) => {
        await ready;
        let published = 0;
        const off = store.subscribe(progress.jobId, () => void published++);
        const total = job.rate * job.seconds;
        const start = now();
        let updates = 0;
        for (;;) {
          const elapsed = now() - start;
          if (elapsed >= job.seconds * 1000) break;
          // as many updates as the rate asks for by now, then let the loop breathe (I/O, timers)
          const due = Math.min(total, Math.floor((elapsed * job.rate) / 1000));
          for (; updates < due; updates++) progress.update({ current: updates + 1, total, message: `row ${updates + 1}` });
          await yieldToLoop();
        }
        const end = now();
        off();
        send({ type: "flood", jobId: progress.jobId, start, end, updates, published });
      };
  }
}

process.on("message", async (req: Request) => {
  try {
    switch (req.cmd) {
      case "clock":
        return send({ type: "reply", id: req.id, t: now() });
      case "start": {
        const rec = await queue.enqueue({ kind: req.job.kind, data: req.job, owner: "bench", ownerName: "bench", action: `bench.jobs.${req.job.kind}`, description: `jobs bench: ${req.job.kind}`, cancellable: true });
        return send({ type: "reply", id: req.id, jobId: rec.id });
      }
      case "go":
        gate(req.jobId).release();
        return send({ type: "reply", id: req.id });
      case "finished": {
        const status = await finished(req.jobId);
        go.delete(req.jobId);
        return send({ type: "reply", id: req.id, status });
      }
      case "cpu":
        return send({ type: "reply", id: req.id, cpu: process.cpuUsage() });
      case "stop":
        await queue.close();
        await layer.close();
        send({ type: "reply", id: req.id });
        return process.exit(0);
    }
  } catch (err) {
    send({ type: "reply", id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});

await layer.whenSubscribed(); // waits for the first connection
send({ type: "ready" });
