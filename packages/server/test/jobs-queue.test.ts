// The JobQueue interface's in-process engine and executeJob, the runner a queue engine calls
// for a record it created: fresh runs, resumes after a crash (from the last checkpoint), lost
// non-resumable jobs, jobs cancelled while queued.
import { describe, expect, it } from "vitest";
import { executeJob, InProcessJobQueue, JOB_LOST_TEXT, JobStore, type Progress } from "../src/jobs/index.js";
import { MemoryChannelLayer } from "../src/pubsub/index.js";
import { waitFor } from "./support/wait.js";

const store = () => new JobStore(new MemoryChannelLayer(), { leaseMs: 60_000, maxPerOwner: Infinity, maxPerAction: Infinity });
const spec = (resumable = false) => ({ owner: "u1", action: "shop.order.refund", description: "Refund", resumable, total: 10 });

describe("InProcessJobQueue", () => {
  it("runs the handler registered for the kind with the job's data, in this process", async () => {
    const s = store();
    const q = new InProcessJobQueue(s);
    const seen: unknown[] = [];
    q.handle("k", (data, p) => {
      seen.push(data);
      p.update({ current: 10 });
    });
    const rec = await q.enqueue({ ...spec(), kind: "k", data: { ids: [1, 2] } });
    await waitFor(async () => (await s.get(rec.id))?.status === "done", "done");
    expect(seen).toEqual([{ ids: [1, 2] }]);
    expect((await s.get(rec.id))!.current).toBe(10);
  });

  it("refuses a kind without a handler (WEFT_ERR_JOB_KIND) and creates nothing; uses the job's own handler when given", async () => {
    const s = store();
    const q = new InProcessJobQueue(s);
    await expect(q.enqueue({ ...spec(), kind: "nope", data: null })).rejects.toMatchObject({ code: "WEFT_ERR_JOB_KIND" });
    expect(await s.list()).toEqual([]);
    let ran = false;
    const rec = await q.enqueue({ ...spec(), kind: "nope", data: null, local: () => void (ran = true) });
    await waitFor(async () => (await s.get(rec.id))?.status === "done", "done");
    expect(ran).toBe(true);
  });

  it("cancels through the record: the body's signal aborts and the job ends cancelled", async () => {
    const s = store();
    const q = new InProcessJobQueue(s);
    q.handle("k", (_d, p) => new Promise((resolve) => p.signal.addEventListener("abort", resolve)));
    const rec = await q.enqueue({ ...spec(), kind: "k", data: null });
    await waitFor(async () => (await s.get(rec.id))?.status === "running", "running");
    expect(await q.cancel(rec.id, "admin")).toBe(true);
    await waitFor(async () => (await s.get(rec.id))?.status === "cancelled", "cancelled");
  });
});

/** A record as a crashed worker left it: running, 4 of 10 done, checkpoint after id 4. */
async function crashed(s: JobStore, resumable: boolean) {
  const rec = await s.create(spec(resumable));
  await s.update(rec.id, { status: "running", startedAt: Date.now(), current: 4, checkpoint: { lastId: 4 }, log: ["row 4"], worker: "dead:1" });
  return rec.id;
}

describe("executeJob", () => {
  it("resumes a resumable job a crashed worker left running, from its last checkpoint", async () => {
    const s = store();
    const id = await crashed(s, true);
    let seen: Pick<Progress, "resumed" | "lastCheckpoint"> | undefined;
    const status = await executeJob(s, id, {}, (p) => {
      seen = { resumed: p.resumed, lastCheckpoint: p.lastCheckpoint };
      p.update({ current: 10 });
    }, { worker: "alive:2" });
    expect(status).toBe("done");
    expect(seen).toEqual({ resumed: true, lastCheckpoint: { lastId: 4 } });
    const rec = (await s.get(id))!;
    expect(rec).toMatchObject({ status: "done", current: 10, resumes: 1, resumedFrom: { current: 4, total: 10 }, worker: "alive:2" });
    expect(rec.log).toEqual(["row 4", "Resumed on another worker after a crash (4 of 10 done)."]);
  });

  it("stores a non-resumable job a crashed worker left running as lost, keeping its checkpoint, without running the body", async () => {
    const s = store();
    const id = await crashed(s, false);
    let ran = false;
    expect(await executeJob(s, id, {}, () => void (ran = true))).toBe("lost");
    expect(ran).toBe(false);
    expect(await s.get(id)).toMatchObject({ status: "lost", error: JOB_LOST_TEXT, checkpoint: { lastId: 4 }, current: 4 });
  });

  it("ends a job cancelled while queued without running it; runs nothing for a finished or missing job", async () => {
    const s = store();
    const rec = await s.create(spec());
    await s.update(rec.id, { cancelRequested: true, cancelledBy: "u1" });
    let ran = false;
    expect(await executeJob(s, rec.id, {}, () => void (ran = true))).toBe("cancelled");
    expect(await executeJob(s, rec.id, {}, () => void (ran = true))).toBe("cancelled");
    expect(await executeJob(s, "x".repeat(24), {}, () => void (ran = true))).toBeUndefined();
    expect(ran).toBe(false);
  });

  it("relays a cancellation to the engine (onCancelRequested) and aborts when the engine's signal aborts", async () => {
    const s = store();
    const rec = await s.create(spec());
    const engine = new AbortController();
    let relayed = 0;
    const done = executeJob(s, rec.id, {}, (p) => new Promise((resolve) => p.signal.addEventListener("abort", resolve)), {
      signal: engine.signal,
      onCancelRequested: () => {
        relayed++;
        setTimeout(() => engine.abort(), 5);
        return true;
      },
    });
    await waitFor(async () => (await s.get(rec.id))?.status === "running", "running");
    await s.update(rec.id, { cancelRequested: true, cancelledBy: "u1" });
    expect(await done).toBe("cancelled");
    expect(relayed).toBe(1);
  });

  it("checkpoint refuses a value that is not JSON or is too long, and keeps the last good one", async () => {
    const s = store();
    const rec = await s.create(spec());
    const errors: unknown[] = [];
    await executeJob(s, rec.id, {}, (p) => {
      p.checkpoint({ lastId: 1 });
      for (const bad of [undefined, "x".repeat(5_000)]) {
        try {
          p.checkpoint(bad);
        } catch (err) {
          errors.push(err);
        }
      }
    });
    expect(errors.map((e) => (e as Error).name)).toEqual(["TypeError", "TypeError"]);
    expect((await s.get(rec.id))!.checkpoint).toEqual({ lastId: 1 });
  });
});
