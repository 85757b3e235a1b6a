/**
 * A job worker of the jobs bench's queue phases (queue.ts): BullMQ workers for "empty" (no
 * body), "cpu" (burns the CPU for `ms`, yielding every 20 ms so BullMQ can renew its lock) and
 * "steps" (resumable: `steps` steps of `stepMs`, a checkpoint after each).
 *
 * Usage: `fork(queue-worker.js, [redisUrl, name, lockMs, stalledMs])` with an IPC channel; sends `{ ready }`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { RedisChannelLayer } from "@weft/server/pubsub";
import { JobStore } from "@weft/server/jobs";
import { BullJobQueue } from "@weft/admin/jobs";

const [url, name, lockMs, stalledMs] = process.argv.slice(2);
if (!url || !name || !process.send) {
  console.error("usage: fork(queue-worker.js, [redisUrl, name, lockMs, stalledMs]) with an IPC channel");
  process.exit(2);
}
const layer = new RedisChannelLayer(url, { keyPrefix: "bq:" });
const store = new JobStore(layer, { leaseMs: 3 * (Number(lockMs) + Number(stalledMs)), maxPerOwner: Infinity, maxPerAction: Infinity });
const queue = new BullJobQueue(store, { url, prefix: "bench-q", runJobs: true, worker: name, lockDurationMs: Number(lockMs), stalledIntervalMs: Number(stalledMs) });
queue.handle("empty", () => undefined, { concurrency: 8 });
queue.handle("cpu", async (data) => {
  const end = Date.now() + (data as { ms: number }).ms;
  while (Date.now() < end) {
    const slice = Date.now() + 20;
    while (Date.now() < slice); // burn
    await sleep(0);
  }
});
queue.handle("steps", async (data, progress) => {
  const { steps, stepMs } = data as { steps: number; stepMs: number };
  let i = (progress.lastCheckpoint as { step?: number } | undefined)?.step ?? 0;
  for (; i < steps; i++) {
    await sleep(stepMs);
    progress.checkpoint({ step: i + 1 });
    progress.update({ current: i + 1, total: steps });
  }
});
await layer.whenSubscribed();
process.send({ ready: name });
process.on("message", (m: { stop?: boolean }) => {
  if (m.stop) void queue.close().then(() => layer.close()).then(() => process.exit(0));
});
