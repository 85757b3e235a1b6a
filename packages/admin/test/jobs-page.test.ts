/**
 * Bulk actions with a live, cancellable progress page, over real servers (two workers on one
 * database and one channel-layer site: support/jobs-workers.ts; SQLite on the in-memory layer
 * and on a private Redis, PostgreSQL on Redis): a job started from the change list on worker A
 * advances live on its page on worker B and is cancelled there; "select all N matching" pinned
 * at the click; a failing action's page (no error or stack in any frame); an action that cannot
 * be cancelled; a crafted cancel by another user; a job whose lease lapses turns lost. The
 * actions' bodies take one "step" per row from a stepper the test controls
 * (support/jobs-actions.ts), so "it advances" is checked without timing assumptions.
 */
import { and, count, eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { qb } from "../src/query/dialect/index.js";
import { cancelJob, isJobId } from "@weft/server/jobs";
import { waitFor } from "../../server/test/support/wait.js";
import { FAIL_SECRET, FAIL_SOURCE, env } from "./support/jobs-actions.js";
import { LIST, flashes, jobsMatrix, statusOf, useJobWorkers, type JobWorkers } from "./support/jobs-workers.js";

for (const [engine, kind] of jobsMatrix()) {
  describe(`admin jobs: ${engine}, ${kind.name}`, () => {
    const w = useJobWorkers(engine, kind);
    const { ids, login, post, openLive, startFromList, jobIdOf } = w;
    let shop: JobWorkers["shop"], A: JobWorkers["A"], B: JobWorkers["B"];
    beforeAll(() => void ({ shop, A, B } = w));

    it("starts from the change list, redirects to the job page, which advances live on another worker; Cancel there stops the body", async () => {
      const { url, id, list } = await startFromList("manager", "refund_selected", 5);
      expect(isJobId(id)).toBe(true);
      expect(list.c.raw.join("")).not.toContain("error");
      const rec = (await A.site.jobs.get(id))!;
      expect(rec).toMatchObject({ owner: String(ids.manager), ownerName: "manager", action: "shop.order.refund_selected", description: "Refund 5 orders", cancellable: true, total: 5 });
      // the record says running before the body has read its selection (an awaited read): wait for it
      const picked = (await waitFor(() => env.runs.get(id), "the body to start")).ids!;
      expect(picked).toHaveLength(5);

      // the page, on worker B
      const job = await openLive(B, "manager", url, "job");
      expect(job.first).toContain("<title data-suffix=\" | Jobs test\">Job | Jobs test</title>");
      expect(job.html()).toContain("Refund selected orders");
      expect(job.html()).toContain("Refund 5 orders");
      expect(job.html()).toContain('id="job-counts" class="job-counts">0 of 5<');
      expect(job.html()).toMatch(/href="\/admin\/shop\/order\/"/);
      expect(job.html()).toMatch(/<button type="button" class="danger" id="job-cancel" lv-click="cancel" lv-confirm="[^"]+">Cancel<\/button>/);

      const before = job.deltas();
      env.stepper.release(1);
      await job.c.until(() => job.html().includes(">1 of 5<"), "1 of 5");
      expect(job.html()).toContain('id="job-percent" class="job-percent">20%<');
      expect(job.html()).toMatch(/<progress id="job-bar" class="job-bar job-bar-running" max="100" value="20"/);
      env.stepper.release(1);
      // the body's update (the count) and its log line are two progress calls, so two writes
      // may land apart: wait for both, not for the count and then read the log
      const twoLines = /<ul id="job-log" class="job-log">\s*<li>Refunded ORD-\d+<\/li>\s*<li>Refunded ORD-\d+<\/li>/;
      await job.c.until(() => job.html().includes(">2 of 5<") && twoLines.test(job.html()), "2 of 5 and its log line");
      expect(job.deltas()).toBeGreaterThan(before); // pushed as deltas, not re-renders or polls
      expect(statusOf(job.html())).toBe("running");

      // Cancel on worker B; the body runs on worker A
      await job.event("cancel");
      await job.c.until(() => statusOf(job.html()) === "cancelled", "status cancelled");
      expect(job.html()).not.toContain('id="job-cancel"');
      const run = env.runs.get(id)!;
      await waitFor(() => run.exited, "the body to stop");
      env.stepper.release(10);
      await new Promise((r) => setTimeout(r, 50));
      expect(run.rows).toBe(2);
      const refunded = (await qb(A.site.db).select({ n: count() }).from(shop.orders).where(and(inArray(shop.orders.id, picked as number[]), eq(shop.orders.status, "refunded"))))[0]!.n;
      expect(refunded).toBe(2);
      expect(await A.site.jobs.get(id)).toMatchObject({ status: "cancelled", cancelRequested: true, cancelledBy: String(ids.manager), current: 2 });
    });

    it("pins 'select all N matching' to the matching keys at the click; the body re-reads fresh rows", async () => {
      const path = `${LIST}?status__exact=delivered`;
      const list = await openLive(A, "manager", path, "changelist");
      await list.event("selectAll");
      const delivered = (await qb(A.site.db).select({ id: shop.orders.id }).from(shop.orders).where(eq(shop.orders.status, "delivered")).orderBy(shop.orders.id)).map((r) => r.id);
      expect(delivered.length).toBeGreaterThan(20); // more than one page
      const confirm = await list.event("action", { action: "inspect" });
      expect(confirm).toContain(`Inspect: ${delivered.length} orders?`);
      expect(confirm).toContain(`All ${delivered.length} orders matching the search and filters are selected.`);
      await list.event("confirm", { action: "inspect" });
      const url = await list.c.until(() => list.redirect(), "redirect");
      const id = url.split("/")[3]!;
      await waitFor(async () => (await A.site.jobs.get(id))?.status === "done", "inspect done");
      expect(env.runs.get(id)).toMatchObject({ pinned: { kind: "ids", ids: delivered }, size: delivered.length, ids: delivered, count: delivered.length, rowCount: delivered.length });
      expect((await A.site.jobs.get(id))!.total).toBe(delivered.length);
      expect((await A.site.jobs.get(id))!.selection).toMatch(new RegExp(`^${delivered.length} orders as of \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC$`));
    });


    it("a failing action: status failed, the generic message, and neither the error nor its stack in any frame", async () => {
      const { url, id, list } = await startFromList("manager", "explode", 2);
      const job = await openLive(B, "manager", url, "job");
      await job.c.until(() => statusOf(job.html()) === "failed", "status failed");
      expect(job.html()).toContain('<div class="flash flash-error job-error" id="job-error" role="alert"><span>The job failed. The details are in the server log.</span></div>');
      expect(job.html()).not.toContain('id="job-cancel"');
      const page = await (await (await login("manager")).fetch(A.base + url)).text();
      for (const text of [...job.c.raw, ...list.c.raw, page, JSON.stringify(await A.site.jobs.get(id))]) {
        expect(text).not.toContain(FAIL_SECRET);
        expect(text).not.toContain(FAIL_SOURCE);
        expect(text).not.toMatch(/\bat .+:\d+:\d+/);
      }
      // the stack went to the server log of the worker that ran it
      await waitFor(() => A.logs.some((l) => l.includes(FAIL_SECRET) && l.includes(FAIL_SOURCE)), "the logged stack");
    });

    it("an action declared not cancellable shows no Cancel, and a crafted cancel event is refused", async () => {
      const res = await post(A, "manager", { action: "finalize", _selected_action: ["3", "4"] });
      expect(res.status).toBe(303);
      const id = jobIdOf(res)!;
      const job = await openLive(B, "manager", res.headers.get("location")!, "job");
      expect(job.html()).not.toContain("job-cancel");
      expect(job.html()).toContain("this action cannot be cancelled");
      const html = await job.event("cancel");
      expect(flashes(html)).toEqual([["error", "This action cannot be cancelled."]]);
      const superJob = await openLive(A, "admin", res.headers.get("location")!, "job");
      expect(flashes(await superJob.event("cancel"))).toEqual([["error", "This action cannot be cancelled."]]);
      expect(await A.site.jobs.get(id)).toMatchObject({ cancelRequested: false, cancelledBy: null });
      expect(await cancelJob(A.site.jobs, id, String(ids.manager))).toBe(false); // the core refuses too
      env.stepper.release(2);
      await job.c.until(() => statusOf(job.html()) === "done", "done");
      expect(job.html()).toContain(">2 of 2<");
      expect(env.runs.get(id)!.rows).toBe(2);
    });

    it("another user cannot cancel through a crafted event either: the view re-checks on a fresh read", async () => {
      const { url, id } = await startFromList("manager", "refund_selected", 2);
      const mine = await openLive(B, "manager", url, "job");
      // the owner's page works; a superuser's too
      const sup = await openLive(A, "admin", url, "job");
      expect(sup.html()).toContain('id="job-cancel"');
      await sup.event("cancel");
      await mine.c.until(() => statusOf(mine.html()) === "cancelled", "cancelled by the superuser");
      expect(await A.site.jobs.get(id)).toMatchObject({ status: "cancelled", cancelledBy: String(ids.admin) });
      expect(env.runs.get(id)!.rows).toBe(0);
    });

    it("a job whose worker stops renewing its lease turns to lost on the page, with the generic text", async () => {
      // a record nobody runs: as if its worker died right after the last renewal
      const rec = await A.site.jobs.create({ owner: String(ids.manager), ownerName: "manager", action: "shop.order.refund_selected", description: "Orphaned refund", total: 10 });
      await A.site.jobs.update(rec.id, { status: "running", startedAt: Date.now(), current: 4 });
      const job = await openLive(B, "manager", `/admin/jobs/${rec.id}/`, "job");
      expect(statusOf(job.html())).toBe("running");
      // the last renewal, with a short lease set here (once the page shows it running, however
      // long that took); then nobody renews it
      await A.site.jobs.update(rec.id, { leaseUntil: Date.now() + 300 });
      await job.c.until(() => statusOf(job.html()) === "lost", "status lost");
      expect(job.html()).toContain('<span>The worker running this job stopped responding; its outcome is unknown.</span>');
      expect(job.html()).toContain(">4 of 10<");
      expect(job.html()).not.toContain('id="job-cancel"');
      expect((await A.site.jobs.get(rec.id))!.status).toBe("lost");
    });

  });
}
