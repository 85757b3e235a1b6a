// Retries of failed jobs on the in-process engine (and startJob), as BullMQ's attempts and
// backoff: a body failing twice then succeeding, one always failing, a resumable retry from its
// checkpoint, a cancel between attempts, and the options' checks. The BullMQ engine's are in
// packages/admin/test/jobs-retry-bullmq.test.ts.
import { describe, expect, it } from "vitest";
import { checkRetry, InProcessJobQueue, JobStore, retryDelay, startJob, type JobRecord, type Progress } from "../src/jobs/index.js";
import { MemoryChannelLayer } from "../src/pubsub/index.js";
import { waitFor, within } from "./support/wait.js";

const store = () => new JobStore(new MemoryChannelLayer(), { leaseMs: 60_000, maxPerOwner: 3, maxPerAction: 2 });
const spec = (retries: number, extra: Record<string, unknown> = {}) => ({ owner: "u1", action: "shop.order.refund", description: "Refund", total: 10, retry: { retries, delayMs: 1 }, ...extra });

/** A body that throws on its first `failures` attempts, recording what each attempt saw. */
function flaky(failures: number) {
  const seen: Array<Pick<Progress, "attempt" | "resumed" | "lastCheckpoint">> = [];
  const body = (p: Progress) => {
    seen.push({ attempt: p.attempt, resumed: p.resumed, lastCheckpoint: p.lastCheckpoint });
    const from = (p.lastCheckpoint as { lastId?: number } | undefined)?.lastId ?? 0;
    p.update({ current: from + 2 });
    p.checkpoint({ lastId: from + 2 });
    if (seen.length <= failures) throw new Error(`boom ${seen.length}\nat a stack line`);
  };
  return { seen, body };
}

const final = (s: JobStore, id: string) => waitFor(async () => ((r) => (r && ["done", "failed", "cancelled"].includes(r.status) ? r : undefined))(await s.get(id)), "a final status");

describe("retries on the in-process engine", () => {
  it("runs a body that fails twice again, and it ends done on its third attempt; the log tells each retry", async () => {
    const s = store();
    const q = new InProcessJobQueue(s);
    const { seen, body } = flaky(2);
    q.handle("k", (_d, p) => body(p));
    const rec = await q.enqueue({ ...spec(2), kind: "k", data: null });
    expect(rec).toMatchObject({ attempt: 1, attempts: 3, retry: { retries: 2, delayMs: 1, backoff: "exponential" } });
    const done = await final(s, rec.id);
    expect(done).toMatchObject({ status: "done", attempt: 3, attempts: 3, attemptError: "boom 2", error: null });
    expect(seen.map((x) => x.attempt)).toEqual([1, 2, 3]);
    // not resumable: each retry starts over, without the failed attempt's checkpoint
    expect(seen.map((x) => x.resumed)).toEqual([false, false, false]);
    expect(seen.map((x) => x.lastCheckpoint)).toEqual([undefined, undefined, undefined]);
    expect(done.current).toBe(2);
    expect(done.log).toEqual(["Attempt 2 of 3 after: boom 1", "Attempt 3 of 3 after: boom 2"]);
    // the slots were held across the retries and given back at the end
    const again = await Promise.all([q.enqueue({ ...spec(0), kind: "k", data: null }), q.enqueue({ ...spec(0), kind: "k", data: null })]);
    expect(again).toHaveLength(2);
  });

  it("continues a resumable job's retry after the failed attempt's last checkpoint, with its counts", async () => {
    const s = store();
    const { seen, body } = flaky(2);
    const started = await startJob(s, spec(2, { resumable: true }), body);
    expect(await within(started.finished, 10_000, "finished")).toBe("done");
    expect(seen).toEqual([
      { attempt: 1, resumed: false, lastCheckpoint: undefined },
      { attempt: 2, resumed: true, lastCheckpoint: { lastId: 2 } },
      { attempt: 3, resumed: true, lastCheckpoint: { lastId: 4 } },
    ]);
    expect(await s.get(started.id)).toMatchObject({ status: "done", current: 6, checkpoint: { lastId: 6 } });
  });

  it("ends a job failing every attempt failed, with its last error (first line of the message, never the stack)", async () => {
    const s = store();
    const { seen, body } = flaky(99);
    const started = await startJob(s, spec(2), body);
    expect(await within(started.finished, 10_000, "finished")).toBe("failed");
    expect(seen).toHaveLength(3);
    const rec = (await s.get(started.id))!;
    expect(rec).toMatchObject({ status: "failed", attempt: 3, attempts: 3, attemptError: "boom 3" });
    expect(rec.error).toBe("The job failed on all 3 attempts. The last error: boom 3");
    expect(JSON.stringify(rec)).not.toContain("stack line");
    expect(rec.finishedAt).not.toBeNull();
  });

  it("waits for the backoff queued, and a cancel then stops the retries at once (the body does not run again)", async () => {
    const s = store();
    const q = new InProcessJobQueue(s);
    const { seen, body } = flaky(99);
    q.handle("k", (_d, p) => body(p));
    const before = Date.now();
    const rec = await q.enqueue({ ...spec(3, { retry: { retries: 3, delayMs: 600_000 } }), kind: "k", data: null });
    const waiting = await waitFor(async () => ((r) => (r?.status === "queued" && r.attempt === 2 ? r : undefined))(await s.get(rec.id)), "queued for attempt 2");
    expect(waiting.attemptError).toBe("boom 1");
    // its record (and slots) last past the 10-minute backoff, so it does not read as lost meanwhile
    expect(waiting.leaseUntil).toBeGreaterThanOrEqual(before + 600_000);
    expect(await q.cancel(rec.id, "admin")).toBe(true);
    const ended: JobRecord = await final(s, rec.id);
    expect(ended).toMatchObject({ status: "cancelled", cancelledBy: "admin", attempt: 2 });
    expect(seen).toHaveLength(1);
  });

  it("does not retry a job that is not declared with retries, nor a cancelled one", async () => {
    const s = store();
    const { seen, body } = flaky(99);
    const started = await startJob(s, spec(0), body);
    expect(await within(started.finished, 10_000, "finished")).toBe("failed");
    expect(seen).toHaveLength(1);
    expect(await s.get(started.id)).toMatchObject({ attempts: 1, retry: null, error: "The job failed. The details are in the server log." });
    let runs = 0;
    const cancelled = await startJob(s, spec(2), async (p) => {
      runs++;
      await new Promise((r) => p.signal.addEventListener("abort", r));
      throw new Error("aborted");
    });
    await waitFor(async () => (await s.get(cancelled.id))?.status === "running", "running");
    expect(await (await import("../src/jobs/index.js")).cancelJob(s, cancelled.id, "u1")).toBe(true);
    expect(await within(cancelled.finished, 10_000, "finished")).toBe("cancelled");
    expect(runs).toBe(1);
  });
});

describe("retry options", () => {
  it("computes BullMQ's backoffs: exponential doubles from the delay, fixed stays", () => {
    expect([1, 2, 3, 4].map((n) => retryDelay({ delayMs: 100, backoff: "exponential" }, n))).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3].map((n) => retryDelay({ delayMs: 100, backoff: "fixed" }, n))).toEqual([100, 100, 100]);
    expect(checkRetry()).toEqual({ retries: 0, delayMs: 1_000, backoff: "exponential" });
  });

  it.each([{ retries: -1 }, { retries: 1.5 }, { retries: Number.NaN }, { delayMs: -5 }, { delayMs: 0.5 }, { backoff: "linear" as "fixed" }])("refuses %j with WEFT_ERR_JOB_RETRIES, creating nothing", async (bad) => {
    expect(() => checkRetry(bad, "withProgress(refund)")).toThrow(expect.objectContaining({ code: "WEFT_ERR_JOB_RETRIES", message: expect.stringContaining("withProgress(refund)") }));
    const s = store();
    await expect(s.create({ ...spec(1), retry: bad })).rejects.toMatchObject({ code: "WEFT_ERR_JOB_RETRIES" });
    expect(await s.list()).toEqual([]);
  });
});
