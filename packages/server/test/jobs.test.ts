// The jobs core, one body run on the in-memory layer and on a private Redis server. "Another
// process" is another layer instance on the same site (separate Redis connections).
import { afterEach, describe, expect, it } from "vitest";
import {
  cancelJob,
  canAccessJob,
  isJobId,
  isLost,
  JOB_FAILED_TEXT,
  JOB_LOST_TEXT,
  JobLimitError,
  JobQuotaError,
  type JobRecord,
  JobStore,
  type Progress,
  runJob,
  startJob,
  watchJob,
} from "../src/jobs/index.js";
import { type LayerKind, memoryKind, redisKind, type Site } from "./support/layers.js";
import { waitFor } from "./support/wait.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const spec = (over: Partial<Parameters<typeof runJob>[1]> = {}) => ({ owner: "u1", ownerName: "Ann", action: "refund", description: "Refund 3 orders", ...over });
/** A promise and its resolver. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}
const untilAborted = (signal: AbortSignal) => new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener("abort", () => r())));
/**
 * The lease of every store here but the lease test's: an hour, so no job turns lost (and no
 * renewal write lands) however slowly a loaded machine runs the test.
 */
const LEASE = { leaseMs: 3_600_000 };

for (const kind of [memoryKind, redisKind()] as LayerKind[]) {
  describe(`jobs: ${kind.name}`, () => {
    let site: Site;
    const stops: Array<() => void> = [];
    afterEach(async () => {
      for (const s of stops.splice(0)) s();
      await site?.close();
    });

    it("creates records with unguessable ids, reads and lists them newest first, per owner", async () => {
      site = kind.newSite();
      const store = new JobStore(site.open(), LEASE);
      const other = new JobStore(site.open(), LEASE);
      const a = await store.create(spec());
      await sleep(2);
      const b = await store.create(spec({ owner: "u2", ownerName: "Bob", cancellable: false, total: 7 }));
      await sleep(2);
      const c = await store.create(spec());
      expect(a.id).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(new Set([a.id, b.id, c.id]).size).toBe(3);
      expect(isJobId(a.id)).toBe(true);
      expect(a).toMatchObject({ status: "queued", owner: "u1", ownerName: "Ann", action: "refund", current: 0, total: null, cancellable: true, cancelRequested: false, log: [], error: null, startedAt: null, finishedAt: null });
      expect(b).toMatchObject({ total: 7, cancellable: false });
      expect(a.leaseUntil).toBeGreaterThan(a.createdAt);
      expect(await other.get(a.id)).toEqual(a);
      expect(await other.get("nope")).toBeUndefined();
      expect(await other.get("../../etc/passwd-like-key-000000")).toBeUndefined();
      expect(await other.get("A".repeat(24))).toBeUndefined();
      expect((await other.list()).map((r) => r.id)).toEqual([c.id, b.id, a.id]);
      expect((await other.list({ owner: "u1" })).map((r) => r.id)).toEqual([c.id, a.id]);
      expect((await other.list({ owner: "u1", limit: 1, offset: 1 })).map((r) => r.id)).toEqual([a.id]);
      expect(await other.list({ owner: "nobody" })).toEqual([]);
      expect(canAccessJob(a, { id: "u1" })).toBe(true);
      expect(canAccessJob(a, { id: "u2" })).toBe(false);
      expect(canAccessJob(a, { id: "u2", isSuperuser: true })).toBe(true);
      expect(canAccessJob(a, null)).toBe(false);
    });

    it("updates atomically, truncates text to 4,096 characters, keeps the last 50 log lines, and publishes every change", async () => {
      site = kind.newSite();
      const store = new JobStore(site.open(), LEASE);
      const watcher = new JobStore(site.open(), LEASE);
      const rec = await store.create(spec());
      const seen: JobRecord[] = [];
      stops.push(watcher.subscribe(rec.id, (r) => seen.push(r)));
      await site.settle();
      const long = "x".repeat(10_000);
      const lines = Array.from({ length: 80 }, (_, i) => `line ${i} ` + "y".repeat(5_000));
      const updated = await store.update(rec.id, { message: long, error: long, description: long, log: lines, current: 3 });
      expect(updated!.rev).toBe(rec.rev + 1);
      expect(updated!.message).toHaveLength(4_096);
      expect(updated!.message.endsWith("…")).toBe(true);
      expect(updated!.error).toHaveLength(4_096);
      expect(updated!.description).toHaveLength(4_096);
      expect(updated!.log).toHaveLength(50);
      expect(updated!.log[0].startsWith("line 30 ")).toBe(true);
      expect(updated!.log.every((l) => l.length === 4_096)).toBe(true);
      // a surrogate pair is never split
      const emoji = await store.update(rec.id, { message: "a" + "😀".repeat(3_000) });
      expect(emoji!.message.length).toBeLessThanOrEqual(4_096);
      expect(emoji!.message).not.toMatch(/[\ud800-\udbff]…$/);
      expect(await watcher.get(rec.id)).toEqual(emoji);
      await waitFor(() => seen.length === 2, "two publishes");
      expect(seen.map((r) => r.rev)).toEqual([rec.rev + 1, rec.rev + 2]);
      expect(seen[1]).toEqual(emoji);
      expect(await store.update("A".repeat(24), { current: 1 })).toBeUndefined();

      // concurrent writers from two "processes" never lose each other's changes
      const shared = await store.create(spec());
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => store.mutate(shared.id, (cur) => cur && { ...cur, log: [...cur.log, `a${i}`] })),
        ...Array.from({ length: 10 }, (_, i) => watcher.mutate(shared.id, (cur) => cur && { ...cur, log: [...cur.log, `b${i}`] })),
      ]);
      const final = (await store.get(shared.id))!;
      expect([...final.log].sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `a${i}`), ...Array.from({ length: 10 }, (_, i) => `b${i}`)].sort());
      expect(final.rev).toBe(shared.rev + 20);
    });

    it("expires records retentionMs after their last write, and drops them from the lists", async () => {
      site = kind.newSite();
      // run and check under a retention that cannot pass during the test; then one last write
      // through a store with a short retention, and wait for its expiry (a condition, not a time)
      const store = new JobStore(site.open(), LEASE);
      const job = await startJob(store, spec(), async () => {});
      expect(await job.finished).toBe("done");
      expect((await store.get(job.id))!.status).toBe("done");
      expect((await store.list()).map((r) => r.id)).toEqual([job.id]);
      const short = new JobStore(site.open(), { ...LEASE, retentionMs: 150 });
      expect((await short.update(job.id, { message: "last write" }))!.status).toBe("done");
      await waitFor(async () => (await store.get(job.id)) === undefined, "retention expiry");
      expect(await store.list()).toEqual([]);
      expect(await store.list({ owner: "u1" })).toEqual([]);
    });

    it("keeps at most maxRecords, evicting the oldest finished first; refuses when none is finished", async () => {
      site = kind.newSite();
      // no per-owner caps: one owner fills the site here
      const store = new JobStore(site.open(), { ...LEASE, maxRecords: 4, maxPerOwner: Infinity, maxPerAction: Infinity });
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        ids.push((await store.create(spec({ description: `job ${i}` }))).id);
        await sleep(2);
      }
      await store.update(ids[3], { status: "done", finishedAt: Date.now() });
      await store.update(ids[1], { status: "failed", finishedAt: Date.now() });
      const e = (await store.create(spec({ description: "job 4" }))).id;
      await sleep(2);
      let listed = (await store.list()).map((r) => r.id);
      expect(listed).toEqual([e, ids[3], ids[2], ids[0]]);
      const f = (await store.create(spec({ owner: "u2", description: "job 5" }))).id;
      await sleep(2);
      listed = (await store.list()).map((r) => r.id);
      expect(listed).toEqual([f, e, ids[2], ids[0]]);
      expect(await store.get(ids[3])).toBeUndefined();
      expect((await store.list({ owner: "u1" })).map((r) => r.id)).toEqual([e, ids[2], ids[0]]);
      await expect(store.create(spec())).rejects.toBeInstanceOf(JobLimitError);
      // a job whose lease expired counts as finished
      await store.update(ids[0], { leaseUntil: Date.now() - 1 });
      const g = (await store.create(spec())).id;
      expect((await store.list()).map((r) => r.id)).toEqual([g, f, e, ids[2]]);
    });

    it("caps one owner's running or queued jobs (3 in all, 2 per action) atomically across processes; an ended job gives its slot back", async () => {
      site = kind.newSite();
      const a = new JobStore(site.open(), LEASE);
      const b = new JobStore(site.open(), LEASE); // another process on the same layer
      await Promise.all([a.list(), b.list()]); // both connected before the burst
      expect([a.maxPerOwner, a.maxPerAction]).toEqual([3, 2]);
      const gates = Array.from({ length: 20 }, () => gate());
      // 20 at once from one owner, two actions, half through each process
      const tries = await Promise.allSettled(
        gates.map((g, i) => startJob(i % 2 ? a : b, spec({ action: i % 4 < 2 ? "refund" : "export" }), () => g.p)),
      );
      const started = tries.flatMap((t) => (t.status === "fulfilled" ? [t.value] : []));
      const refused = tries.flatMap((t) => (t.status === "rejected" ? [t.reason as JobQuotaError] : []));
      expect(started).toHaveLength(3);
      expect(refused).toHaveLength(17);
      for (const err of refused) {
        expect(err).toBeInstanceOf(JobQuotaError);
        expect(err.code).toBe("WEFT_ERR_JOB_QUOTA");
      }
      const byAction = started.map((j) => j.record.action);
      expect(byAction.filter((x) => x === "refund").length).toBeLessThanOrEqual(2);
      expect(byAction.filter((x) => x === "export").length).toBeLessThanOrEqual(2);
      // refusals created nothing
      expect(await a.list({ owner: "u1" })).toHaveLength(3);
      // another owner is not affected
      const other = await b.create(spec({ owner: "u2" }));
      // the per-action cap alone: u2's third "refund" is refused, an "export" is not
      await a.create(spec({ owner: "u2" }));
      await expect(a.create(spec({ owner: "u2" }))).rejects.toMatchObject({ code: "WEFT_ERR_JOB_QUOTA", scope: "action", limit: 2 });
      await a.create(spec({ owner: "u2", action: "export" }));
      await expect(b.create(spec({ owner: "u2", action: "x" }))).rejects.toMatchObject({ scope: "owner", limit: 3 });

      // done, failed, cancelled and lost each give the slot back
      const next = () => a.create(spec({ action: "other" }));
      await expect(next()).rejects.toBeInstanceOf(JobQuotaError);
      const done = started[0]!;
      gates[tries.findIndex((t) => t.status === "fulfilled" && t.value === done)]!.open();
      expect(await done.finished).toBe("done");
      const x = await next(); // a queued record holds its slot too
      await expect(next()).rejects.toBeInstanceOf(JobQuotaError);
      await b.update(x.id, { status: "failed", finishedAt: Date.now() });
      const y = await next();
      expect(await cancelJob(a, started[1]!.id, "u1")).toBe(true);
      await b.update(started[1]!.id, { status: "cancelled", finishedAt: Date.now() });
      const z = await next();
      await expect(next()).rejects.toBeInstanceOf(JobQuotaError);
      await b.update(other.id, { leaseUntil: Date.now() - 1 }); // u2's worker died: read as lost
      expect((await a.read(other.id))!.status).toBe("lost");
      await a.create(spec({ owner: "u2", action: "x" }));
      expect(new Set([x.id, y.id, z.id]).size).toBe(3);
      for (const g of gates) g.open();
      await Promise.all(started.map((j) => j.finished));
    });

    it("one owner cannot exhaust the site's maxRecords: the per-owner cap refuses first, another owner still gets a record", async () => {
      site = kind.newSite();
      const store = new JobStore(site.open(), { ...LEASE, maxRecords: 4 });
      for (const action of ["a", "a", "b"]) await store.create(spec({ action }));
      await expect(store.create(spec({ action: "c" }))).rejects.toBeInstanceOf(JobQuotaError);
      await expect(store.create(spec({ owner: "u2" }))).resolves.toMatchObject({ owner: "u2", status: "queued" });
    });

    it("refuses bad caps", () => {
      site = kind.newSite();
      const layer = site.open();
      for (const bad of [0, -1, 1.5, Number.NaN]) {
        expect(() => new JobStore(layer, { maxPerOwner: bad })).toThrow(RangeError);
        expect(() => new JobStore(layer, { maxPerAction: bad })).toThrow(RangeError);
      }
    });

    it("coalesces 10,000 progress updates into few writes and publishes, and stores the exact final state", async () => {
      site = kind.newSite();
      const store = new JobStore(site.open(), LEASE);
      const watcher = new JobStore(site.open(), LEASE);
      const published: JobRecord[] = [];
      let started = 0;
      const job = await startJob(store, spec({ total: 10_000 }), async (p) => {
        started = Date.now();
        for (let i = 1; i <= 10_000; i++) {
          p.update({ current: i, message: `row ${i}` });
          if (i % 100 === 0) p.log(`done ${i}`);
          if (i % 1_000 === 0) await sleep(20);
        }
      });
      stops.push(watcher.subscribe(job.id, (r) => published.push(r)));
      expect(await job.finished).toBe("done");
      const elapsed = Date.now() - started;
      const final = (await watcher.get(job.id))!;
      expect(final).toMatchObject({ status: "done", current: 10_000, total: 10_000, message: "row 10000", error: null });
      expect(final.log).toHaveLength(50);
      expect(final.log.at(-1)).toBe("done 10000");
      expect(final.finishedAt).toBeGreaterThanOrEqual(final.startedAt!);
      await waitFor(() => published.at(-1)?.status === "done", "final publish");
      // one write per 50 ms at most, plus the start and the final state
      expect(published.length).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 4);
      expect(final.rev).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 5);
      expect(published.at(-1)).toEqual(final);
    });

    it("cancels from another process: the runner's signal aborts and the job ends cancelled", async () => {
      site = kind.newSite();
      const store = new JobStore(site.open(), LEASE);
      const remote = new JobStore(site.open(), LEASE);
      let sawSignal = false;
      const aborted = gate();
      const release = gate();
      const job = await startJob(store, spec(), async (p) => {
        p.update({ total: 100, current: 1 });
        await untilAborted(p.signal);
        sawSignal = p.cancelled && p.signal.reason instanceof Error && p.signal.reason.name === "AbortError";
        aborted.open();
        await release.p;
        p.signal.throwIfAborted();
      });
      await waitFor(async () => (await remote.get(job.id))?.status === "running", "running");
      await site.settle();
      expect(await cancelJob(remote, job.id, "admin7")).toBe(true);
      await aborted.p;
      expect(await cancelJob(remote, job.id, "admin7")).toBe(true); // already cancelling
      release.open();
      expect(await job.finished).toBe("cancelled");
      expect(sawSignal).toBe(true);
      const rec = (await remote.get(job.id))!;
      expect(rec).toMatchObject({ status: "cancelled", cancelRequested: true, cancelledBy: "admin7", error: null, current: 1 });
      expect(await cancelJob(remote, job.id, "admin7")).toBe(false); // finished
      expect(await cancelJob(remote, "A".repeat(24), "admin7")).toBe(false);
    });

    it("marks a cancelled body that keeps going cancelled when it finishes; refuses to cancel a non-cancellable job", async () => {
      site = kind.newSite();
      const store = new JobStore(site.open(), LEASE);
      const remote = new JobStore(site.open(), LEASE);
      const keepGoing = gate();
      let cancelledSeen = false;
      const stubborn = await startJob(store, spec(), async (p: Progress) => {
        await keepGoing.p;
        cancelledSeen = p.cancelled;
        p.update({ current: 5 });
      });
      const fixed = await startJob(store, spec({ cancellable: false }), async () => keepGoing.p);
      await waitFor(async () => (await remote.get(stubborn.id))?.status === "running", "running");
      await site.settle();
      expect(await cancelJob(remote, stubborn.id, "u1")).toBe(true);
      expect(await cancelJob(remote, fixed.id, "u1")).toBe(false);
      await waitFor(async () => (await store.get(stubborn.id))?.cancelRequested, "cancel flag stored");
      await sleep(20);
      keepGoing.open();
      expect(await stubborn.finished).toBe("cancelled");
      expect(cancelledSeen).toBe(true);
      expect(await fixed.finished).toBe("done");
      expect((await remote.get(stubborn.id))!).toMatchObject({ status: "cancelled", current: 5 });
      expect((await remote.get(fixed.id))!).toMatchObject({ status: "done", cancelRequested: false });
    });

    it("marks a failing body failed with a generic error; the error and its stack go to the logger only", async () => {
      site = kind.newSite();
      const logged: Array<{ obj: unknown; msg?: string }> = [];
      const logger = { error: (obj: unknown, msg?: string) => logged.push({ obj, msg }), warn: () => {} };
      const store = new JobStore(site.open(), LEASE);
      const job = await startJob(store, { ...spec(), logger }, async (p) => {
        p.update({ current: 2, message: "working" });
        throw new Error("db password is hunter2");
      });
      expect(await job.finished).toBe("failed");
      const rec = (await store.get(job.id))!;
      expect(rec).toMatchObject({ status: "failed", error: JOB_FAILED_TEXT, current: 2, message: "working" });
      expect(JSON.stringify(rec)).not.toMatch(/hunter2|at .*\.ts/);
      expect(logged).toHaveLength(1);
      expect(((logged[0].obj as { err: Error }).err as Error).message).toBe("db password is hunter2");
      expect((logged[0].obj as { jobId: string }).jobId).toBe(job.id);
      // a synchronous throw too
      const sync = await startJob(store, { ...spec(), logger }, () => {
        throw new TypeError("boom");
      });
      expect(await sync.finished).toBe("failed");
    });

    it("renews the lease while running; a job whose lease expires reads as lost, stored once", async () => {
      site = kind.newSite();
      // renewals every 20 ms of a lease no slow run outlasts: the renewal is seen, never an expiry
      const store = new JobStore(site.open(), { ...LEASE, renewMs: 20 });
      const reader = new JobStore(site.open(), LEASE);
      const slow = gate();
      const job = await startJob(store, spec(), () => slow.p);
      const first = await waitFor(async () => {
        const r = await reader.get(job.id);
        return r?.status === "running" && r;
      }, "running");
      // renewed: the lease moves forward and the job never reads as lost while its runner lives
      await waitFor(async () => (await reader.get(job.id))!.leaseUntil > first.leaseUntil, "lease renewed");
      expect((await reader.read(job.id))!.status).toBe("running");
      slow.open();
      expect(await job.finished).toBe("done");

      // an orphan: created, never run (its runner "died" before starting), with a short lease
      // set here; its expiry is waited for as a condition
      const orphan = await new JobStore(site.open(), { leaseMs: 300 }).create(spec());
      const watched: Array<JobRecord | undefined> = [];
      stops.push(watchJob(reader, orphan.id, (r) => watched.push(r)));
      await waitFor(() => isLost(orphan), "lease expiry");
      const lost = (await reader.read(orphan.id))!;
      expect(lost).toMatchObject({ status: "lost", error: JOB_LOST_TEXT });
      expect(lost.finishedAt).not.toBeNull();
      expect((await store.get(orphan.id))!.rev).toBe(lost.rev);
      expect((await reader.read(orphan.id))!.rev).toBe(lost.rev); // stored once
      expect((await reader.list()).find((r) => r.id === orphan.id)!.status).toBe("lost");
      await waitFor(() => watched.at(-1)?.status === "lost", "watcher sees lost");
      expect(await cancelJob(reader, orphan.id, "u1")).toBe(false);
    });

    it("watchJob delivers the record, then every newer one, coalesced; undefined for a missing job", async () => {
      site = kind.newSite();
      const store = new JobStore(site.open(), LEASE);
      const pageStore = new JobStore(site.open(), LEASE);
      const go = gate();
      const job = await startJob(store, spec(), async (p) => {
        await go.p;
        for (let i = 1; i <= 2_000; i++) {
          p.update({ current: i });
          if (i % 200 === 0) await sleep(10);
        }
      });
      const frames: JobRecord[] = [];
      stops.push(watchJob(pageStore, job.id, (r) => r && frames.push(r), { minIntervalMs: 50 }));
      await waitFor(() => frames.length >= 1, "first frame");
      await site.settle();
      go.open();
      await job.finished;
      await waitFor(() => frames.at(-1)?.status === "done", "final frame");
      expect(frames.at(-1)!.current).toBe(2_000);
      for (let i = 1; i < frames.length; i++) expect(frames[i].rev).toBeGreaterThan(frames[i - 1].rev);
      const missing: Array<JobRecord | undefined | "none"> = ["none"];
      stops.push(watchJob(pageStore, "B".repeat(24), (r) => missing.push(r)));
      await waitFor(() => missing.length === 2, "missing delivered");
      expect(missing[1]).toBeUndefined();
    });
  });
}
