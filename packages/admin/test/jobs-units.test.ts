/**
 * Units of the admin's progress actions: the page model of a record, withProgress's checks and
 * refusals (nothing is created when it refuses), and the pinned selection the body reads.
 */
import Database from "better-sqlite3";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterAll, describe, expect, it, vi } from "vitest";
import { ActionRefusedError, AdminSite, type ActionContext, type SessionUser, withProgress } from "../src/index.js";
import { JOB_FAILED_TEXT, JOB_LOST_TEXT } from "@weft/server/jobs";
import { formatElapsed, jobSelection, percentOf, presentJob } from "../src/jobs/index.js";
import { type ChannelLayer, ChannelLayerUnavailableError, MemoryChannelLayer } from "@weft/server/pubsub";
import { type JobRecord, JobQuotaError, JobStore } from "@weft/server/jobs";

const items = sqliteTable("items", { id: integer("id").primaryKey(), name: text("name").notNull(), owner: text("owner", { enum: ["ann", "bob"] }).notNull() });
const sqlite = new Database(":memory:");
sqlite.exec("create table items (id integer primary key, name text not null, owner text not null)");
const ins = sqlite.prepare("insert into items (id, name, owner) values (?, ?, ?)");
for (let i = 1; i <= 30; i++) ins.run(i, `item ${i}`, i % 3 === 0 ? "ann" : "bob");
const db = drizzle(sqlite);
const site = new AdminSite({ db, sqlite });
const admin = site.register(items, {
  app: "stock",
  listDisplay: ["name", "owner"],
  searchFields: ["name"],
  listFilter: ["owner"],
  // non-superusers only see their own items (the column's enum types its values; another
  // username, outside it, matches no row)
  getQueryset: (user) => (user.isSuperuser ? undefined : eq(items.owner, user.username as "ann" | "bob")),
});
const layer = new MemoryChannelLayer();
/** a lease no slow run outlasts: no job here turns lost by waiting */
const LEASE = { leaseMs: 3_600_000 };
site.attachJobs(new JobStore(layer, LEASE), { error() {}, warn() {}, info() {}, debug() {} });
afterAll(async () => {
  await layer.close();
  sqlite.close();
});

const user = (over: Partial<SessionUser> = {}): SessionUser => ({ id: 7, username: "ann", isStaff: true, isSuperuser: false, permissions: ["stock.view_item", "stock.change_item"], ...over });

function record(over: Partial<JobRecord> = {}): JobRecord {
  const now = Date.now();
  return {
    id: "A".repeat(24), rev: 3, owner: "7", ownerName: "ann", action: "stock.item.count", description: "Count 3 items", status: "running",
    current: 1, total: 4, message: "", log: [], error: null, cancellable: true, cancelRequested: false, cancelledBy: null,
    createdAt: now - 5_000, startedAt: now - 4_000, finishedAt: null, leaseUntil: now + 15_000, worker: "h:1", ...over,
  };
}

/** The context the change list builds for picked ids (or all matching). */
function ctxFor(u: SessionUser, ids: number[], all = false, query = ""): ActionContext {
  return { admin, user: u, ids, where: undefined, site, selection: { all, query, count: ids.length } };
}

describe("the page model", () => {
  it("formats elapsed time and percent", () => {
    expect([0, 999, 42_000, 65_000, 3_599_000, 3_600_000, 7_380_000].map(formatElapsed)).toEqual(["0 s", "0 s", "42 s", "1 min 05 s", "59 min 59 s", "1 h 00 min", "2 h 03 min"]);
    expect(formatElapsed(-5)).toBe("0 s");
    expect([percentOf(0, 4), percentOf(1, 3), percentOf(4, 4), percentOf(9, 4), percentOf(3, 0), percentOf(3, null)]).toEqual([0, 33, 100, 100, 100, null]);
  });

  it("shows generic texts for failed and lost jobs, never the stored error", () => {
    const failed = presentJob(site, record({ status: "failed", error: "TypeError: secret at x.js:1:2", finishedAt: Date.now() }));
    expect(failed).toMatchObject({ error: JOB_FAILED_TEXT, finished: true, canCancel: false, badge: "danger" });
    expect(presentJob(site, record({ status: "lost", error: "whatever" }))).toMatchObject({ error: JOB_LOST_TEXT, canCancel: false });
    expect(presentJob(site, record())).toMatchObject({ error: null, canCancel: true, cancelling: false, percent: 25, countText: "1 of 4", elapsed: "4 s", badge: "info" });
  });

  it("says which attempt runs after which error on a retry, and a job failing every attempt shows its last error", () => {
    const retrying = presentJob(site, record({ status: "queued", attempt: 2, attempts: 3, attemptError: "upstream said no" }));
    expect(retrying).toMatchObject({ attempt: "Attempt 2 of 3 after: upstream said no", error: null });
    expect(presentJob(site, record()).attempt).toBeNull();
    const last = "The job failed on all 3 attempts. The last error: upstream said no";
    expect(presentJob(site, record({ status: "failed", attempt: 3, attempts: 3, attemptError: "upstream said no", error: last, finishedAt: Date.now() }))).toMatchObject({ error: last, attempt: null });
  });

  it("offers Cancel only for cancellable unfinished jobs not already cancelling", () => {
    expect(presentJob(site, record({ cancellable: false })).canCancel).toBe(false);
    expect(presentJob(site, record({ cancelRequested: true }))).toMatchObject({ canCancel: false, cancelling: true });
    expect(presentJob(site, record({ status: "done", finishedAt: Date.now() })).canCancel).toBe(false);
  });

  it("an unknown total is an indeterminate bar; a done job without one is full", () => {
    expect(presentJob(site, record({ total: null, current: 12 }))).toMatchObject({ percent: null, countText: "12 done" });
    expect(presentJob(site, record({ total: null, status: "done", finishedAt: Date.now() })).percent).toBe(100);
  });

  it("shows the log newest first, and a finished job's summary line naming the count", () => {
    expect(presentJob(site, record({ log: ["one", "two", "three"] }))).toMatchObject({ log: ["three", "two", "one"], summary: null });
    const at = Date.now();
    expect(presentJob(site, record({ status: "cancelled", current: 84, total: 856, finishedAt: at })).summary).toBe("Cancelled after 84 of 856 items.");
    expect(presentJob(site, record({ status: "done", current: 4, total: 4, startedAt: at - 65_000, finishedAt: at })).summary).toBe("Done: 4 of 4 items in 1 min 05 s.");
    expect(presentJob(site, record({ status: "failed", current: 2, total: null, finishedAt: at })).summary).toBe("Failed after 2 items.");
    expect(presentJob(site, record({ status: "lost", current: 1, total: 1_945 })).summary).toBe("Stopped after 1 of 1,945 items.");
  });

  it("names the action and links back while it is registered", () => {
    const action = withProgress({ name: "count", label: "Count items" }, () => {});
    (admin.options as { actions?: unknown }).actions = [action];
    expect(presentJob(site, record())).toMatchObject({ actionLabel: "Count items", backUrl: "/admin/stock/item/", backLabel: "items" });
    expect(presentJob(site, record({ action: "gone.thing.do_it" }))).toMatchObject({ actionLabel: "do_it", backUrl: null });
    (admin.options as { actions?: unknown }).actions = undefined;
  });
});

describe("withProgress", () => {
  it("checks its declaration", () => {
    expect(() => withProgress({ name: "bad name", label: "x" }, () => {})).toThrow(TypeError);
    expect(() => withProgress({ name: "", label: "x" }, () => {})).toThrow(TypeError);
    expect(() => withProgress({ name: "ok", label: " " }, () => {})).toThrow(TypeError);
    expect(() => withProgress({ name: "ok", label: "x", permissions: ["a.b", ""] }, () => {})).toThrow(TypeError);
    expect(() => withProgress({ name: "ok", label: "x" }, "nope" as never)).toThrow(TypeError);
    // retries, as BullMQ's attempts: integers ≥ 0, a known backoff
    for (const bad of [{ retries: -1 }, { retries: 2.5 }, { retryDelayMs: -1 }, { retryBackoff: "linear" as "fixed" }]) {
      expect(() => withProgress({ name: "ok", label: "x", ...bad }, () => {})).toThrow(expect.objectContaining({ code: "WEFT_ERR_JOB_RETRIES", message: expect.stringContaining("withProgress(ok)") }));
    }
    expect((withProgress({ name: "ok", label: "x", retries: 2 }, () => {}).progress as { retries: number }).retries).toBe(2);
    const a = withProgress({ name: "ok", label: "OK", permissions: ["stock.ok_item"], confirm: "Sure?", cancellable: false }, () => {});
    expect(a).toMatchObject({ name: "ok", label: "OK", permissions: ["stock.ok_item"], confirm: "Sure?", progress: { cancellable: false } });
  });

  it("refuses (403) a user lacking ANY of its permissions, before creating anything", async () => {
    let ran = false;
    const a = withProgress({ name: "p", label: "P", permissions: ["stock.view_item", "stock.special_item"] }, () => void (ran = true));
    const before = (await site.jobs.list({ limit: 500 })).length;
    const err = await Promise.resolve(a.run(ctxFor(user(), [3, 6]))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionRefusedError);
    expect(err).toMatchObject({ status: 403, message: "You don't have permission to do that." });
    // the default is the change permission
    const d = withProgress({ name: "d", label: "D" }, () => void (ran = true));
    await expect(Promise.resolve(d.run(ctxFor(user({ permissions: ["stock.view_item"] }), [3])))).rejects.toMatchObject({ status: 403 });
    expect((await site.jobs.list({ limit: 500 })).length).toBe(before);
    expect(ran).toBe(false);
    // with all of them it starts and redirects to the job page
    const ok = await a.run(ctxFor(user({ permissions: ["stock.view_item", "stock.special_item"] }), [3, 6]));
    expect(ok).toMatchObject({ redirect: expect.stringMatching(/^\/admin\/jobs\/[A-Za-z0-9_-]{24}\/$/) });
  });

  it("needs the change list's context", async () => {
    const a = withProgress({ name: "x", label: "X" }, () => {});
    await expect(Promise.resolve(a.run({ admin, user: user(), ids: [], where: undefined }))).rejects.toThrow(/ctx\.site/);
  });

  it("answers 503 when the job store is full of unfinished jobs or unreachable", async () => {
    const full = new AdminSite({ db, sqlite, id: "full" });
    full.register(items, { app: "stock", listDisplay: ["name"] });
    const fullLayer = new MemoryChannelLayer();
    const store = new JobStore(fullLayer, { ...LEASE, maxRecords: 1 });
    await store.create({ owner: "1", action: "x", description: "blocking" });
    full.attachJobs(store, { error() {}, warn() {}, info() {}, debug() {} });
    const a = withProgress({ name: "x", label: "X" }, () => {});
    const c = { ...ctxFor(user({ isSuperuser: true }), [1]), site: full, admin: full.get("stock", "item")! };
    await expect(Promise.resolve(a.run(c))).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/^Too many jobs/) });
    const down = new Proxy(fullLayer, {
      get: (t, k) => (["get", "set", "compareAndSet", "zadd", "zcard", "zrange", "mget", "claim", "release"].includes(String(k)) ? () => Promise.reject(new ChannelLayerUnavailableError("down")) : Reflect.get(t, k)),
    }) as ChannelLayer;
    full.attachJobs(new JobStore(down, LEASE), { error() {}, warn() {}, info() {}, debug() {} });
    await expect(Promise.resolve(a.run(c))).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/unreachable/) });
    await fullLayer.close();
  });

  it("refuses (429) a user at their cap, naming the cap; the refusal carries the JobQuotaError", async () => {
    const capped = new AdminSite({ db, sqlite, id: "capped" });
    capped.register(items, { app: "stock", listDisplay: ["name"] });
    const capLayer = new MemoryChannelLayer();
    capped.attachJobs(new JobStore(capLayer, { ...LEASE, maxPerOwner: 2, maxPerAction: 1 }), { error() {}, warn() {}, info() {}, debug() {} });
    const gate = new Promise<void>(() => {}); // the bodies never end during the test
    const a = withProgress({ name: "slow", label: "Slow things" }, () => gate);
    const b = withProgress({ name: "other", label: "Other" }, () => gate);
    const c = { ...ctxFor(user({ isSuperuser: true }), [1]), site: capped, admin: capped.get("stock", "item")! };
    await a.run(c);
    const perAction = await Promise.resolve(a.run(c)).catch((e: unknown) => e);
    expect(perAction).toBeInstanceOf(ActionRefusedError);
    expect(perAction).toMatchObject({ status: 429, message: "You already have 1 “Slow things” job running or queued; nothing was started. Wait for one of them to finish (see My jobs), then try again." });
    expect((perAction as Error).cause).toBeInstanceOf(JobQuotaError);
    await b.run(c);
    await expect(Promise.resolve(b.run(c))).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/^You already have 2 jobs running or queued/) });
    expect(await capped.jobs.list()).toHaveLength(2);
    // another user is not capped by them
    await a.run({ ...c, user: user({ id: 8, username: "bob", isSuperuser: true }) });
    await capLayer.close();
  });

  it("runs the body with the pinned selection, this worker's context and a progress handle", async () => {
    let seen: { ids: unknown[]; size: number; user: string; jobId: string } | undefined;
    const a = withProgress<{ id: number; name: string }>({ name: "see", label: "See", description: ({ count, all }) => `See ${count} (${all ? "all" : "picked"})` }, async (ctx, sel, progress) => {
      seen = { ids: await sel.ids(), size: sel.size, user: ctx.user.username, jobId: progress.jobId };
      progress.update({ current: sel.size });
    });
    const res = (await a.run(ctxFor(user(), [3, 6, 9]))) as { redirect: string };
    const id = res.redirect.split("/")[3]!;
    const rec = await waitDone(id);
    expect(rec).toMatchObject({ status: "done", owner: "7", ownerName: "ann", action: "stock.item.see", description: "See 3 (picked)", total: 3, current: 3, cancellable: true });
    expect(seen).toEqual({ ids: [3, 6, 9], size: 3, user: "ann", jobId: id });
  });
});

describe("the page model of a resumed or lost job", () => {
  it("says where a resumed job went on from, and a lost job's last checkpoint", () => {
    expect(presentJob(site, record({ resumes: 1, resumedFrom: { current: 412, total: 856 } })).resumed).toBe("Resumed on another worker after a crash (412 of 856 done).");
    expect(presentJob(site, record({ resumes: 2, resumedFrom: { current: 500, total: null } })).resumed).toBe("Resumed on another worker after a crash (2 times; last at 500 done).");
    expect(presentJob(site, record()).resumed).toBeNull();
    const lost = presentJob(site, record({ status: "lost", checkpoint: { lastId: 412 } }));
    expect(lost.checkpoint).toBe('Last checkpoint: {"lastId":412}.');
    expect(presentJob(site, record({ checkpoint: { lastId: 412 } })).checkpoint).toBeNull(); // only once lost
  });
});

describe("all N matching, pinned at the click", () => {
  it("stores the matching keys at the click: rows inserted after it are not touched; the page says how many, as of when", async () => {
    const root = user({ id: 9, username: "root", isSuperuser: true });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let seen: unknown[] | undefined;
    const a = withProgress({ name: "pin", label: "Pin" }, async (_ctx, sel) => {
      await gate;
      seen = await sel.ids();
    });
    const matching = [1, 2, 4, 5]; // as the change list resolved "all matching" at the click
    const res = (await a.run(ctxFor(root, matching, true, "owner__exact=bob"))) as { redirect: string };
    // a matching row inserted after the click
    sqlite.prepare("insert into items (id, name, owner) values (300, 'late', 'bob')").run();
    release();
    const rec = await waitDone(res.redirect.split("/")[3]!);
    expect(rec.status).toBe("done");
    expect(seen).toEqual([1, 2, 4, 5]);
    expect(rec.selection).toMatch(/^4 items as of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    expect(presentJob(site, rec).selection).toBe(rec.selection);
    // the snapshot is not in the job's record, and is removed once the job ended
    expect(JSON.stringify(rec)).not.toContain("[1,2,4,5]");
    sqlite.prepare("delete from items where id = 300").run();
  });

  it("every retry of a failing job reads the same pinned keys; the snapshot goes once the last attempt failed", async () => {
    const root = user({ id: 9, username: "root", isSuperuser: true });
    const set = vi.spyOn(layer, "set");
    const seen: unknown[][] = [];
    const a = withProgress({ name: "pin_retry", label: "Pin", retries: 2, retryDelayMs: 0 }, async (_ctx, sel) => {
      seen.push(await sel.ids());
      throw new Error(`upstream said no (${seen.length})`);
    });
    const res = (await a.run(ctxFor(root, [1, 2, 4, 5], true, "owner__exact=bob"))) as { redirect: string };
    const snapshot = set.mock.calls.map((c) => c[0]).filter((k) => k.startsWith("jobsel:"));
    set.mockRestore();
    expect(snapshot).toHaveLength(1);
    const rec = await waitDone(res.redirect.split("/")[3]!);
    expect(rec).toMatchObject({ status: "failed", attempt: 3, attemptError: "upstream said no (3)" });
    expect(seen).toEqual([[1, 2, 4, 5], [1, 2, 4, 5], [1, 2, 4, 5]]);
    expect(await layer.mget(snapshot)).toEqual([undefined]);
  });
});

/** Polls until job `id` finished (a 10 s bound, not a timing assertion). */
async function waitDone(id: string): Promise<JobRecord> {
  const end = Date.now() + 10_000;
  for (;;) {
    const rec = await site.jobs.get(id);
    if (rec && rec.status !== "running" && rec.status !== "queued") return rec;
    if (Date.now() > end) throw new Error("job did not finish within 10 s");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("the pinned selection", () => {
  const ann = user();

  it("picked keys: fresh rows, in key order, within the user's scope", async () => {
    const sel = jobSelection<{ id: number; name: string; owner: string }>(site, admin, ann, { kind: "ids", ids: [9, 3, 4, 6] }, 4);
    // 4 belongs to bob: outside ann's getQueryset, never read
    expect(await sel.ids()).toEqual([3, 6, 9]);
    expect(await sel.count()).toBe(3);
    sqlite.prepare("update items set name = 'renamed' where id = 6").run();
    expect((await sel.rows()).map((r) => r.name)).toEqual(["item 3", "renamed", "item 9"]);
    expect((await sel.rows([9, 4])).map((r) => r.id)).toEqual([9]);
    expect(await sel.rows([])).toEqual([]);
    const batches: number[][] = [];
    for await (const b of sel.batches(2)) batches.push(b.map((r) => r.id));
    expect(batches).toEqual([[3, 6], [9]]);
    sqlite.prepare("delete from items where id = 9").run();
    expect(await sel.ids()).toEqual([3, 6]);
    sqlite.prepare("insert into items (id, name, owner) values (9, 'item 9', 'ann')").run();
  });

  it("all matching: the filter, re-derived from the query string, ANDed with the scope", async () => {
    const sup = user({ isSuperuser: true, username: "root" });
    const byFilter = jobSelection(site, admin, sup, { kind: "filter", query: "owner__exact=bob&q=item+1" }, 0);
    expect(await byFilter.ids()).toEqual([1, 10, 11, 13, 14, 16, 17, 19]);
    const scoped = jobSelection(site, admin, ann, { kind: "filter", query: "q=item+1" }, 0);
    expect(await scoped.ids()).toEqual([12, 15, 18, 21]); // each word matches: "21" holds a 1
    // rows added later that match are included: the filter is pinned, not the ids
    sqlite.prepare("insert into items (id, name, owner) values (100, 'item 1000', 'ann')").run();
    expect(await scoped.ids()).toEqual([12, 15, 18, 21, 100]);
    expect(() => jobSelection(site, admin, ann, { kind: "filter", query: "nope=1" }, 0)).toThrow(/nope/);
  });
});
