/**
 * Worker A of the jobs bench: the process that runs the jobs. It holds what a worker running a
 * progress action holds — a `RedisChannelLayer` (one publisher, one subscriber connection) and
 * the admin's `JobStore` on it with the site's defaults — and starts jobs with `startJob`, the
 * runner `withProgress` uses, with bench bodies that take timestamps where the figures start
 * or end (see protocol.ts). It serves no pages: the progress pages are worker B's.
 *
 * Usage: `fork(worker-a.js, [redisUrl])` with an IPC channel.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { RedisChannelLayer } from "@weft/server/pubsub";
import { JobStore, startJob, type JobBody, type JobStatus } from "@weft/server/jobs";
import { marker, now, type ChildMessage, type JobKind, type Request } from "./protocol.js";

const [redisUrl] = process.argv.slice(2);
if (!redisUrl || !process.send) {
  console.error("usage: fork(worker-a.js, [redisUrl]) with an IPC channel");
  process.exit(2);
}
const send = (m: ChildMessage) => process.send!(m);

const layer = new RedisChannelLayer(redisUrl, { onError: (err) => console.error("worker A: channel layer:", err) });
const store = new JobStore(layer);
const go = new Map<string, () => void>();
const finished = new Map<string, Promise<JobStatus>>();

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
        let release!: () => void;
        const ready = new Promise<void>((r) => (release = r));
        const started = await startJob(
          store,
          { owner: "bench", ownerName: "bench", action: `bench.jobs.${req.job.kind}`, description: `jobs bench: ${req.job.kind}`, cancellable: true },
          body(req.job, ready),
        );
        go.set(started.id, release);
        finished.set(started.id, started.finished);
        return send({ type: "reply", id: req.id, jobId: started.id });
      }
      case "go":
        go.get(req.jobId)?.();
        go.delete(req.jobId);
        return send({ type: "reply", id: req.id });
      case "finished": {
        const status = await finished.get(req.jobId);
        finished.delete(req.jobId);
        return send({ type: "reply", id: req.id, status });
      }
      case "cpu":
        return send({ type: "reply", id: req.id, cpu: process.cpuUsage() });
      case "stop":
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
