/**
 * Starting and finding jobs over HTTP, on real servers (two workers on one database and one
 * channel-layer site: support/jobs-workers.ts; SQLite on the in-memory layer and on a private
 * Redis, PostgreSQL on Redis): the action endpoint (403 without the permission, 303 to the job,
 * 400 for bad input, CSRF), a job page's access (404 for anyone but its owner and a superuser),
 * per-user caps under 20 concurrent starts on both workers, and the My jobs / All jobs lists.
 */
import { randomBytes } from "node:crypto";
import { count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { qb } from "../src/query/dialect/index.js";
import { cancelJob, isJobId } from "@weft/server/jobs";
import { waitFor } from "../../server/test/support/wait.js";
import { env } from "./support/jobs-actions.js";
import { ACTION, LIST, flashes, jobsMatrix, pksIn, useJobWorkers, type JobWorkers } from "./support/jobs-workers.js";

for (const [engine, kind] of jobsMatrix()) {
  describe(`admin jobs: ${engine}, ${kind.name}`, () => {
    const w = useJobWorkers(engine, kind);
    const { ids, login, csrfFor, post, openLive, jobIdOf, allJobs } = w;
    let shop: JobWorkers["shop"], A: JobWorkers["A"], B: JobWorkers["B"];
    beforeAll(() => void ({ shop, A, B } = w));

    it("HTTP endpoint: 403 and no job for a user lacking the permission, 303 to the job for one who has it, 400 for bad input", async () => {
      const some = (await qb(A.site.db).select({ id: shop.orders.id }).from(shop.orders).orderBy(shop.orders.id).limit(3)).map((r) => String(r.id));
      const jobsBefore = (await allJobs()).length;
      // clerk may change orders but lacks shop.orders.refund_order; viewer may only view
      for (const who of ["clerk", "viewer"] as const) {
        const res = await post(A, who, { action: "refund_selected", _selected_action: some });
        expect(res.status, who).toBe(403);
        expect(await res.text()).toBe("You don't have permission to do that.");
        expect(await A.site.jobs.list({ owner: String(ids[who]) })).toEqual([]);
      }
      expect(await post(A, "viewer", { action: "inspect", _selected_action: some })).toHaveProperty("status", 403);
      expect((await allJobs()).length).toBe(jobsBefore);

      // manager: 303 to the job page, on either worker
      const res = await post(B, "manager", { action: "refund_selected", _selected_action: some });
      expect(res.status).toBe(303);
      const id = jobIdOf(res)!;
      expect(isJobId(id)).toBe(true);
      expect(await A.site.jobs.get(id)).toMatchObject({ owner: String(ids.manager), total: 3, action: "shop.order.refund_selected" });
      expect(await cancelJob(A.site.jobs, id, String(ids.manager))).toBe(true);
      await waitFor(async () => (await A.site.jobs.get(id))?.status === "cancelled", "cancelled");

      // select_across with the change list's query string
      const across = await post(A, "manager", { action: "inspect", select_across: "1" }, "?status__exact=shipped");
      expect(across.status).toBe(303);
      const shipped = (await qb(A.site.db).select({ n: count() }).from(shop.orders).where(eq(shop.orders.status, "shipped")))[0]!.n;
      expect((await A.site.jobs.get(jobIdOf(across)!))!.total).toBe(shipped);
      // a plain action goes back to the change list
      const plainRes = await post(A, "manager", { action: "touch", select_across: "1" }, "?status__exact=cancelled&sort=-number");
      expect(plainRes.status).toBe(303);
      expect(plainRes.headers.get("location")).toBe(`${LIST}?status__exact=cancelled&sort=-number`);

      // bad input
      const bad: Array<[Record<string, string | string[]>, string, number]> = [
        [{ action: "", _selected_action: some }, "", 400],
        [{ action: "nope", _selected_action: some }, "", 400],
        [{ action: "refund_selected" }, "", 400], // nothing selected
        [{ action: "refund_selected", _selected_action: ["999999"] }, "", 400], // no such row
        [{ action: "refund_selected", _selected_action: some, select_across: "1" }, "", 400],
        [{ action: "refund_selected", select_across: "1" }, "?status__exact=nope", 400],
        [{ action: "refund_selected", select_across: "1" }, "?sneaky=1", 400],
        [{ action: "delete_selected", _selected_action: some }, "", 403], // manager may not delete
        [{ action: "refund_selected", _selected_action: some, select_across: "maybe" }, "", 400],
      ];
      for (const [fields, query, status] of bad) {
        expect((await post(A, "manager", fields, query)).status, JSON.stringify([fields, query])).toBe(status);
      }
      expect((await post(A, "admin", { action: "delete_selected", _selected_action: some })).status).toBe(400);
      // CSRF: missing or wrong token
      expect((await post(A, "manager", { action: "refund_selected", _selected_action: some }, "", { csrf: null })).status).toBe(403);
      expect((await post(A, "manager", { action: "refund_selected", _selected_action: some }, "", { csrf: "forged" })).status).toBe(403);
      // unknown model; anonymous visitors go to the login page
      expect((await (await login("manager")).fetch(`${A.base}/admin/shop/nothing/action/`, { method: "POST", body: "action=x", headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": await csrfFor("manager") } })).status).toBe(404);
      expect((await fetch(`${A.base}${ACTION}`, { method: "POST", redirect: "manual", body: "action=x", headers: { "content-type": "application/x-www-form-urlencoded" } })).status).toBe(302);
      // none of these started anything
      expect((await allJobs()).filter((j) => j.action.endsWith("refund_selected") && j.status !== "cancelled")).toEqual([]);
    });

    it("answers 404 for another user's job, a random id and a malformed one; the owner and a superuser see it", async () => {
      const res = await post(A, "manager", { action: "inspect", _selected_action: ["1", "2"] });
      const url = res.headers.get("location")!;
      expect((await (await login("manager")).fetch(B.base + url)).status).toBe(200);
      expect((await (await login("admin")).fetch(B.base + url)).status).toBe(200);
      for (const who of ["manager2", "clerk", "viewer"] as const) {
        const r = await (await login(who)).fetch(A.base + url);
        expect(r.status, who).toBe(404);
        expect(await r.text()).not.toContain("Inspect");
      }
      const jar = await login("manager");
      expect((await jar.fetch(`${A.base}/admin/jobs/${randomBytes(18).toString("base64url")}/`)).status).toBe(404);
      expect((await jar.fetch(`${A.base}/admin/jobs/nope/`)).status).toBe(404);
      expect((await jar.fetch(`${A.base}/admin/jobs/${"x".repeat(300)}/`)).status).toBe(404);
    });


    it("per-user caps: 20 concurrent starts by one user on two workers → exactly 3 started, 17 refused (429 JSON, change-list flash); another user still starts one", async () => {
      const owner = String(ids.heavy);
      const csrf = await csrfFor("heavy");
      const rows = ["110", "111"];
      // half refunds, half finalizes, half through each worker, all at once
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => post(i % 2 ? A : B, "heavy", { action: i % 4 < 2 ? "refund_selected" : "finalize", _selected_action: rows }, "", { csrf })),
      );
      const started = responses.filter((r) => r.status === 303).map((r) => jobIdOf(r)!);
      const refused = responses.filter((r) => r.status === 429);
      expect(started).toHaveLength(3);
      expect(refused).toHaveLength(17);
      for (const r of refused) {
        expect(r.headers.get("content-type")).toMatch(/^application\/json/);
        const body = (await r.json()) as { code: string; message: string; scope: string; limit: number };
        expect(body.code).toBe("WEFT_ERR_JOB_QUOTA");
        expect(body.message).toMatch(/^You already have (3 jobs|2 “(Refund selected orders|Finalize orders)” jobs) running or queued; nothing was started\./);
        expect(body).toMatchObject(body.scope === "owner" ? { limit: 3 } : { scope: "action", limit: 2 });
      }
      const mine = await A.site.jobs.list({ owner });
      expect(mine.map((j) => j.id).sort()).toEqual([...started].sort());
      const perAction = (name: string) => mine.filter((j) => j.action === `shop.order.${name}`).length;
      expect(perAction("refund_selected")).toBeLessThanOrEqual(2);
      expect(perAction("finalize")).toBeLessThanOrEqual(2);

      // another user is not starved: their job starts, on either worker
      const other = await post(B, "light", { action: "finalize", _selected_action: ["112"] });
      expect(other.status).toBe(303);

      // the change list shows the refusal as an error flash, and starts nothing
      const list = await openLive(A, "heavy", LIST, "changelist");
      await list.event("select", { pk: String(pksIn(list.html())[0]) });
      await list.event("action", { action: "inspect" });
      await list.event("confirm", { action: "inspect" });
      expect(flashes(list.html())).toContainEqual(["error", "You already have 3 jobs running or queued; nothing was started. Wait for one of them to finish (see My jobs), then try again."]);
      expect(list.redirect()).toBeUndefined();
      expect(await A.site.jobs.list({ owner })).toHaveLength(3);

      // an ended job gives its slot back, on every worker: cancel one refund (or let a finalize finish)
      const refunds = mine.filter((j) => j.action === "shop.order.refund_selected");
      if (refunds.length) {
        expect(await cancelJob(B.site.jobs, refunds[0]!.id, owner)).toBe(true);
        await waitFor(async () => (await A.site.jobs.get(refunds[0]!.id))?.status === "cancelled", "the refund cancelled");
      } else {
        env.stepper.release(2 * rows.length); // both finalizes, every row
        await waitFor(async () => (await A.site.jobs.list({ owner })).some((j) => j.status === "done"), "a finalize done");
      }
      const again = await post(B, "heavy", { action: "inspect", _selected_action: rows }, "", { csrf });
      expect(again.status).toBe(303);
    });

    it("My jobs lists the user's recent jobs with live status; a superuser sees everyone's on All jobs", async () => {
      const page = await openLive(B, "manager2", "/admin/jobs/", "jobs");
      expect(page.html()).toContain("You have no jobs yet.");
      const res = await post(A, "manager2", { action: "finalize", _selected_action: ["5"] });
      const id = jobIdOf(res)!;
      await page.c.until(() => page.html().includes(`data-job="${id}"`), "the new job listed");
      expect(page.html()).toMatch(/<span class="badge( badge-info)?">(queued|running)<\/span>/);
      env.stepper.release(1);
      await page.c.until(() => page.html().includes('<span class="badge badge-ok">done</span>'), "its status done, live");
      expect(page.html()).toContain(`href="/admin/jobs/${id}/"`);
      expect(page.html()).not.toContain("Started by");
      const mgr = await (await (await login("manager")).fetch(`${A.base}/admin/jobs/`)).text();
      expect(mgr).not.toContain(id);
      // a superuser's My jobs is their own; All jobs has everyone's
      expect(await (await (await login("admin")).fetch(`${A.base}/admin/jobs/`)).text()).not.toContain(id);
      const sup = await (await (await login("admin")).fetch(`${A.base}/admin/jobs/all/`)).text();
      expect(sup).toContain(id);
      expect(sup).toContain("Started by");
      expect(sup).toContain("manager2");
    });
  });
}
