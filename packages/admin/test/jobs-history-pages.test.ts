// "My jobs", "All jobs" and a job's page over the job history, on SQLite and PostgreSQL, through
// real HTTP (the real login form) and the real WebSocket protocol: My jobs lists only the user's
// jobs (paged, newest first, live), All jobs is for superusers (403 otherwise) with filters that
// work and bad values refused with a clear message, and a job's page (and My jobs) once the
// channel layer's record is gone: the stored final state, or lost for a job whose worker died.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type { JobRecord, JobStatus, Progress } from "@weft/server/jobs";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { eq } from "drizzle-orm";
import { AdminSite } from "../src/index.js";
import { adminTablesFor } from "../src/auth/tables.js";
import { qb } from "../src/query/dialect/index.js";
import { putExport } from "./support/export-chunks.js";
import type { Client } from "../../server/test/helpers.js";
import { waitFor } from "../../server/test/support/wait.js";
import { ENGINES, openShop, type Shop } from "./support/engines.js";
import { loginOnce, openView, startAdmin } from "./support.js";

const KIND = "shop.orders.count_rows";
const PASSWORD = "pass-word-123";

const jobIds = (html: string) => [...html.matchAll(/<tr data-job="([^"]+)"/g)].map((m) => m[1]!);
const flashes = (html: string) => [...html.matchAll(/<div class="flash flash-(\w+)"[^>]*><span>([^<]*)<\/span>/g)].map((m) => [m[1], m[2]]);
const decode = (s: string) => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&");

function fake(id: string, owner: string, status: JobStatus, createdAt: number): JobRecord {
  return {
    id: id.padEnd(24, "x"),
    rev: 1,
    owner,
    ownerName: owner === "0" ? "nobody" : `user ${owner}`,
    action: KIND,
    description: `fake ${id}`,
    status,
    current: 1,
    total: 2,
    message: "",
    log: ["one line", "another line"],
    error: null,
    cancellable: true,
    cancelRequested: false,
    cancelledBy: null,
    createdAt,
    startedAt: createdAt,
    finishedAt: status === "running" ? null : createdAt + 1_000,
    leaseUntil: createdAt,
    worker: "w",
  };
}

describe.each(ENGINES)("job history pages on %s", (engine) => {
  let shop: Shop;
  let site: AdminSite;
  let app: FastifyInstance;
  let base = "";
  const layer = new MemoryChannelLayer();
  const ids: Record<string, number> = {};
  const jobs: Record<string, string> = {};
  const sockets: Client[] = [];
  const login = loginOnce(() => base, { password: PASSWORD });

  beforeAll(async () => {
    shop = await openShop(engine);
    site = new AdminSite({ db: shop.db, readPool: false, jobs: { maxPerOwner: Infinity, maxPerAction: Infinity, historyProgressMs: 100 } });
    ({ app, base } = await startAdmin(site, { pubsub: layer }));
    site.jobQueue.handle(KIND, async (data: unknown, progress: Progress) => {
      const { n, fail } = data as { n: number; fail?: boolean };
      for (let i = 1; i <= n; i++) {
        progress.log(`row ${i} counted`);
        progress.update({ current: i, total: n });
      }
      if (fail) throw new Error("nope");
    });
    for (const [username, superuser] of [["root", true], ["ann", false], ["bob", false]] as const) {
      ids[username] = (await site.users.createUser({ username, password: PASSWORD, isStaff: true, isSuperuser: superuser })).id;
    }
    const start = async (name: string, who: "ann" | "bob", data: object) => {
      const rec = await site.jobQueue.enqueue({ kind: KIND, data, owner: String(ids[who]), ownerName: who, action: KIND, description: name });
      jobs[name] = rec.id;
      await waitFor(async () => ["done", "failed"].includes((await site.jobHistory.get(rec.id))?.record.status ?? ""), `${name} stored as finished`);
    };
    await start("ann-1", "ann", { n: 3 });
    await start("ann-2", "ann", { n: 30, fail: true });
    await start("bob-1", "bob", { n: 2 });
  }, 120_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await layer.close();
    await shop?.close();
  });

  it("My jobs lists only the user's own jobs, newest first", async () => {
    const ann = await login("ann");
    const { status, html } = await ann.html("/admin/jobs/");
    expect(status).toBe(200);
    expect(jobIds(html)).toEqual([jobs["ann-2"], jobs["ann-1"]]);
    expect(html).not.toContain('id="jobs-other"');
    // a superuser's My jobs is theirs too (none), with a link to All jobs
    const root = await (await login("root")).html("/admin/jobs/");
    expect(jobIds(root.html)).toEqual([]);
    expect(root.html).toContain('href="/admin/jobs/all/"');
  });

  it("All jobs is for superusers only: 403 for anyone else", async () => {
    const ann = await login("ann");
    expect((await ann.fetch("/admin/jobs/all/")).status).toBe(403);
    expect((await ann.fetch("/admin/jobs/all/?status=done")).status).toBe(403);
    const root = await (await login("root")).html("/admin/jobs/all/");
    expect(root.status).toBe(200);
    expect(jobIds(root.html)).toEqual([jobs["bob-1"], jobs["ann-2"], jobs["ann-1"]]);
    expect(root.html).toContain('<td data-label="Started by" class="jobs-owner">bob</td>');
  });

  it("filters by status, action and owner", async () => {
    const root = await login("root");
    expect(jobIds((await root.html("/admin/jobs/all/?status=failed")).html)).toEqual([jobs["ann-2"]]);
    expect(jobIds((await root.html(`/admin/jobs/all/?owner=${ids.bob}`)).html)).toEqual([jobs["bob-1"]]);
    expect(jobIds((await root.html(`/admin/jobs/all/?owner=${ids.ann}&status=done`)).html)).toEqual([jobs["ann-1"]]);
    expect(jobIds((await root.html(`/admin/jobs/all/?action=${KIND}`)).html)).toHaveLength(3);
    const none = await root.html("/admin/jobs/all/?action=shop.orders.other");
    expect(jobIds(none.html)).toEqual([]);
    expect(none.html).toContain("No jobs match these filters.");
    // the sidebar offers the owners found, each a link to the filtered list
    const page = (await root.html("/admin/jobs/all/")).html;
    expect(decode(page)).toContain(`href="/admin/jobs/all/?owner=${ids.bob}"`);
    // My jobs filters too (not by owner)
    const ann = await login("ann");
    expect(jobIds((await ann.html("/admin/jobs/?status=done")).html)).toEqual([jobs["ann-1"]]);
  });

  it("refuses bad filter values with a clear message and shows the whole list", async () => {
    const root = await login("root");
    for (const [q, text] of [
      ["status=bogus", "Unknown status “bogus”: use one of queued, running, done, failed, cancelled, lost. Showing all jobs instead."],
      ["owner=abc", "Unknown owner “abc”: pick one from the filters. Showing all jobs instead."],
      ["action=%3Cscript%3E", "Unknown action “&lt;script&gt;”: pick one from the filters. Showing all jobs instead."],
      ["p=0", "Bad page number “0”: use a whole number from 1. Showing all jobs instead."],
      ["p=-3", "Bad page number “-3”: use a whole number from 1. Showing all jobs instead."],
    ]) {
      const res = await root.html(`/admin/jobs/all/?${q}`);
      expect(res.status, q).toBe(200);
      expect(flashes(res.html), q).toEqual([["error", text]]);
      expect(jobIds(res.html), q).toHaveLength(3);
    }
    const ann = await (await login("ann")).html(`/admin/jobs/?owner=${ids.bob}`);
    expect(flashes(ann.html)).toEqual([["error", "This list shows only your own jobs: the owner filter is on “All jobs”. Showing all your jobs instead."]]);
    expect(jobIds(ann.html)).toEqual([jobs["ann-2"], jobs["ann-1"]]);
  });

  it("pages 50 at a time, newest first", async () => {
    const t0 = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 60; i++) await site.jobHistory.write(fake(`page-${String(i).padStart(2, "0")}`, String(ids.bob), "done", t0 + i * 60_000));
    const bob = await login("bob");
    const first = await bob.html("/admin/jobs/");
    expect(jobIds(first.html)).toHaveLength(50);
    expect(jobIds(first.html)[0]).toBe(jobs["bob-1"]);
    expect(jobIds(first.html)[1]).toBe(fake("page-59", "", "done", 0).id);
    expect(first.html).toContain("61 jobs");
    const second = await bob.html("/admin/jobs/?p=2");
    expect(jobIds(second.html)).toEqual(Array.from({ length: 11 }, (_, i) => fake(`page-${String(10 - i).padStart(2, "0")}`, "", "done", 0).id));
    expect(second.html).toContain("Page 2 of 2");
  });

  it("My jobs re-lists live when one of the user's jobs starts and ends", async () => {
    const ann = await login("ann");
    const { c } = await openView(ann, `${base}/admin/jobs/`, "admin-jobs", { ref: 1, sockets });
    const rec = await site.jobQueue.enqueue({ kind: KIND, data: { n: 1 }, owner: String(ids.ann), ownerName: "ann", action: KIND, description: "live one" });
    await c.until(() => c.html.get(1)?.includes(`data-job="${rec.id}" data-status="done"`), "the new job listed as done");
    // another user's job does not show
    const other = await site.jobQueue.enqueue({ kind: KIND, data: { n: 1 }, owner: String(ids.bob), ownerName: "bob", action: KIND, description: "not ann's" });
    await waitFor(async () => (await site.jobHistory.get(other.id))?.record.status === "done", "bob's job stored");
    expect(c.html.get(1)).not.toContain(other.id);
  });

  it("a job's page after the channel layer's record expired shows the stored final state; others get 404", async () => {
    const id = jobs["ann-1"]!;
    await layer.delete(`job:${id}`);
    expect(await site.jobs.get(id)).toBeUndefined();
    const ann = await login("ann");
    const { status, html } = await ann.html(`/admin/jobs/${id}/`);
    expect(status).toBe(200);
    expect(html).toContain('id="job-archived"');
    expect(html).toMatch(/<span id="job-status"[^>]*>done<\/span>/);
    expect(html).toContain('<span id="job-counts" class="job-counts">3 of 3</span>');
    expect(html).toContain("<li>row 3 counted</li>");
    expect(html).not.toContain('id="job-cancel"');
    expect((await (await login("bob")).fetch(`/admin/jobs/${id}/`)).status).toBe(404);
    // a superuser sees it; My jobs still lists it
    expect((await (await login("root")).fetch(`/admin/jobs/${id}/`)).status).toBe(200);
    expect(jobIds((await ann.html("/admin/jobs/")).html)).toContain(id);
    // the failed one keeps only its last 20 log lines, newest first, and the generic error
    await layer.delete(`job:${jobs["ann-2"]}`);
    const failed = (await ann.html(`/admin/jobs/${jobs["ann-2"]}/`)).html;
    expect([...failed.matchAll(/<li>row (\d+) counted<\/li>/g)].map((m) => Number(m[1]))).toEqual(Array.from({ length: 20 }, (_, i) => 30 - i));
    expect(failed).toContain("The job failed. The details are in the server log.");
  });

  it("a running job whose live record is gone (its worker died) shows and is stored as lost", async () => {
    const orphan = fake("orphan", String(ids.ann), "running", Date.UTC(2026, 5, 1));
    await site.jobHistory.write(orphan);
    const ann = await login("ann");
    // written within a job lease: maybe still running (a channel layer restarted empty forgets a
    // running job's record until its next write), so shown as stored, not lost
    const fresh = await ann.html("/admin/jobs/?status=running");
    expect(fresh.html).toContain(`data-job="${orphan.id}" data-status="running"`);
    expect((await site.jobHistory.get(orphan.id))?.record.status).toBe("running");
    // unwritten for longer than a lease: its worker stopped
    const t = adminTablesFor(shop.db).weftJobs;
    await qb(shop.db).update(t).set({ updatedAt: new Date(Date.now() - site.jobs.leaseMs - 1_000) }).where(eq(t.id, orphan.id));
    const list = await ann.html("/admin/jobs/?status=running");
    expect(jobIds(list.html)).toEqual([orphan.id]);
    expect(list.html).toContain(`data-job="${orphan.id}" data-status="lost"`);
    expect((await site.jobHistory.get(orphan.id))?.record.status).toBe("lost");
    const page = await ann.html(`/admin/jobs/${orphan.id}/`);
    expect(page.html).toMatch(/<span id="job-status"[^>]*>lost<\/span>/);
    expect(page.html).toContain("The worker running this job stopped responding");
  });

  it("a finished export's file downloads once the live record is gone, for its owner only", async () => {
    const exp = { ...fake("export-1", String(ids.ann), "done", Date.UTC(2026, 5, 2)), action: "shop.orders.export_csv" };
    await site.jobHistory.write(exp, `${exp.id}.csv`);
    await putExport(site.db, exp.id, "id\r\n1\r\n");
    const ann = await login("ann");
    expect((await ann.html(`/admin/jobs/${exp.id}/`)).html).toContain(`id="job-download" href="/admin/jobs/${exp.id}/download"`);
    const res = await ann.fetch(`/admin/jobs/${exp.id}/download`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("7");
    expect(await res.text()).toBe("id\r\n1\r\n");
    expect((await (await login("bob")).fetch(`/admin/jobs/${exp.id}/download`)).status).toBe(404);
    expect((await site.jobHistory.get(exp.id))?.resultFile).toBe(`${exp.id}.csv`);
  });
});
