// Jobs across real processes on Redis: cancel a job running in a child process, kill the child
// and see the job turn lost, and lose Redis in the middle of a job.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cancelJob, JOB_LOST_TEXT, type JobRecord, JobStore, startJob, watchJob } from "../src/jobs/index.js";
import { RedisChannelLayer } from "../src/pubsub/redis.js";
import { type Child, spawnChild } from "./support/node-child.js";
import { externalRedis, startTestRedis, type TestRedis, uniquePrefix } from "./support/redis.js";
import { waitFor } from "./support/wait.js";

let server: TestRedis;
const layers: RedisChannelLayer[] = [];
const children: Child[] = [];
const stops: Array<() => void> = [];
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => void unhandled.push(err);

beforeAll(async () => {
  server = await startTestRedis();
  process.on("unhandledRejection", onUnhandled);
});
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await Promise.all(children.splice(0).map((c) => c.kill("SIGKILL")));
  await Promise.all(layers.splice(0).map((l) => l.close()));
  expect(unhandled).toEqual([]);
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await server?.stop();
});

function layer(prefix: string): RedisChannelLayer {
  const l = new RedisChannelLayer(server.url, { keyPrefix: prefix });
  layers.push(l);
  return l;
}

describe("jobs across processes on Redis", () => {
  it("cancels a job running in another process: its signal aborts and it ends cancelled", async () => {
    const prefix = uniquePrefix();
    // a lease no slow run outlasts: this job ends by its cancellation, never as lost
    const child = spawnChild("job", { url: server.url, prefix, leaseMs: 3_600_000 });
    children.push(child);
    const { id } = (await child.next((m) => typeof m.id === "string", "job id")) as { id: string };
    const store = new JobStore(layer(prefix), { leaseMs: 3_600_000 });
    const frames: JobRecord[] = [];
    stops.push(watchJob(store, id, (r) => r && frames.push(r)));
    await waitFor(() => (frames.at(-1)?.current ?? 0) > 5, "progress from the child");
    expect(frames.at(-1)!.status).toBe("running");
    expect(await cancelJob(store, id, "admin")).toBe(true);
    await child.next((m) => m.aborted === true, "signal aborted in the child");
    await child.next((m) => m.finished === "cancelled", "child job cancelled");
    await waitFor(() => frames.at(-1)?.status === "cancelled", "page sees cancelled");
    expect(frames.at(-1)).toMatchObject({ cancelRequested: true, cancelledBy: "admin" });
  });

  it("shows a job as lost once its lease expires after its process was killed", async () => {
    const prefix = uniquePrefix();
    const child = spawnChild("job", { url: server.url, prefix, leaseMs: 1_000 });
    children.push(child);
    const { id } = (await child.next((m) => typeof m.id === "string", "job id")) as { id: string };
    const store = new JobStore(layer(prefix), { leaseMs: 1_000 });
    const frames: JobRecord[] = [];
    stops.push(watchJob(store, id, (r) => r && frames.push(r)));
    await waitFor(() => (frames.at(-1)?.current ?? 0) > 3, "progress from the child");
    await child.kill("SIGKILL");
    await waitFor(() => frames.at(-1)?.status === "lost", "page sees lost", 15_000);
    const lost = frames.at(-1)!;
    expect(lost.leaseUntil).toBeLessThan(lost.finishedAt!);
    expect(lost.error).toBe(JOB_LOST_TEXT);
    expect(await store.read(id)).toEqual(lost); // stays lost: nobody renews it
    expect((await store.list()).map((r) => [r.id, r.status])).toEqual([[id, "lost"]]);
  });
});

describe.skipIf(externalRedis)("jobs while Redis goes away", () => {
  it("keeps running through a Redis outage and stores its final state once Redis is back", async () => {
    const prefix = uniquePrefix();
    const warnings: unknown[] = [];
    const logger = { warn: (o: unknown) => warnings.push(o), error: (o: unknown) => warnings.push(o) };
    const runnerLayer = layer(prefix);
    // a lease no outage or slow run outlasts: the page must see the final state through the
    // layer's health (its re-read once Redis is back), never through a lease that expired
    const store = new JobStore(runnerLayer, { leaseMs: 3_600_000, logger });
    const page = new JobStore(layer(prefix), { leaseMs: 3_600_000 });
    let count = 0;
    let finishNow = false;
    let bodyDone = false;
    const job = await startJob(store, { owner: "u1", action: "sync", description: "sync", logger }, async (p) => {
      while (!finishNow) {
        p.update({ current: ++count, message: `at ${count}` });
        await new Promise((r) => setTimeout(r, 5));
      }
      p.update({ current: count, total: count, message: "final" });
      p.log("all done");
      bodyDone = true;
    });
    let settled = false;
    void job.finished.then(() => (settled = true));
    const frames: JobRecord[] = [];
    stops.push(watchJob(page, job.id, (r) => r && frames.push(r)));
    await waitFor(() => (frames.at(-1)?.current ?? 0) > 3, "progress before the outage");

    await server.kill();
    await waitFor(() => !runnerLayer.healthy, "runner sees Redis down");
    const atKill = count;
    await waitFor(() => count > atKill + 20, "the body keeps running during the outage");
    finishNow = true;
    await waitFor(() => bodyDone, "body finished during the outage");
    expect(settled).toBe(false); // its final state cannot be stored yet
    expect(warnings.length).toBeGreaterThanOrEqual(1);

    await server.restart(); // an empty Redis: nothing was saved
    expect(await job.finished).toBe("done");
    const rec = (await page.get(job.id))!;
    expect(rec).toMatchObject({ status: "done", current: count, total: count, message: "final", error: null });
    expect(rec.log.at(-1)).toBe("all done");
    expect((await page.list({ owner: "u1" })).map((r) => r.id)).toEqual([job.id]);
    // the page re-reads once the layer is healthy again, without a publish it could have missed
    await waitFor(() => frames.at(-1)?.status === "done", "page sees the final state", 15_000);
    expect(frames.at(-1)!.current).toBe(count);
  });
});
