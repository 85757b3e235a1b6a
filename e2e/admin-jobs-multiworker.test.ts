// Bulk actions across worker processes, in real Chromium: two real demo processes on different
// ports share one SQLite file and a private Redis (REDIS_URL; started for this file on a free
// port unless REDIS_URL is set). A refund started on worker A is watched live and cancelled on
// worker B, and the job on A stops as cancelled; a view-only user gets 403 from the action
// endpoint and 404 for the job's URL; when worker A is killed (SIGKILL) mid-job, the page on B
// turns to "lost" once the job's lease expires (15 s by default). Waits are condition polls.
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { cancelJob, jobAdvancesPast, jobCurrent, jobStatus, loggedIn, rowPks, selectRows, startJob } from "./support/admin.js";
import { useTwoWorkers } from "./support/two-workers.js";
import { eventAndReply, openLive } from "./support/live.js";

const LIST = "/admin/shop/order/";
/**
 * The jobs' pace, set here: slow enough to watch, cancel and kill mid-job however loaded the
 * machine (12 rows take 12 s; at 250 ms a row the job could finish before the cancel landed).
 */
const ROW_DELAY_MS = 1_000;
const ROW_DELAY = { ACTION_ROW_DELAY_MS: String(ROW_DELAY_MS) };

const workers = useTwoWorkers("weft-e2e-jobs-", ROW_DELAY);

/** A browser context logged in on worker A (the session lives in the shared database: it works on B too). */
const loginAs = (username: string) => loggedIn(workers.browser, workers.A.url, username);

const open = (ctx: BrowserContext, url: string) => openLive(ctx, url);

/** On worker A's change list (paid orders): picks `n` rows (or the whole page), runs `action`; returns the job's path. */
async function startOnA(ctx: BrowserContext, action: string, n: number | "page"): Promise<{ page: Page; path: string }> {
  const { page, frames } = await open(ctx, `${workers.A.url}${LIST}?status__exact=paid`);
  if (n === "page") {
    const from = frames.length;
    await page.locator("#result-list thead input[type=checkbox]").check();
    await eventAndReply(frames, "selectPage", from);
  } else {
    await selectRows(page, frames, (await rowPks(page)).slice(0, n));
  }
  await startJob(page, frames, action);
  return { page, path: new URL(page.url()).pathname };
}

describe("bulk actions across two worker processes (Redis + one SQLite file)", () => {
  it("starts on A, advances live on B, Cancel on B stops the job on A as cancelled", async () => {
    const ctx = await loginAs("manager");
    const { page: onA, path } = await startOnA(ctx, "refund_selected", 12);
    const { page: onB } = await open(ctx, `${workers.B.url}${path}`);
    expect(await onB.locator("h1#job-title").innerText()).toBe("Refund selected orders");
    await jobAdvancesPast(onB, 1);
    const seen = await jobCurrent(onB);
    await jobAdvancesPast(onB, seen); // live: it keeps moving on B, pushed from A through Redis
    expect(await jobStatus(onB)).toBe("running");

    const done = await cancelJob(onB, onA);
    expect(done).toBeLessThan(12);
    await onB.waitForTimeout(ROW_DELAY_MS + 500); // longer than a row takes
    expect(await jobCurrent(onB)).toBe(done);
    expect(await jobCurrent(onA)).toBe(done);
    expect(await onA.locator("#job-log li").first().innerText()).toBe(`Cancelled after ${done} orders.`);
    expect(await onA.locator("#job-summary").innerText()).toBe(`Cancelled after ${done} of 12 orders.`);
    await ctx.close();
  });

  it("a view-only user gets 403 from the action endpoint and 404 for a job's URL, on either worker", async () => {
    const manager = await loginAs("manager");
    const { page, path } = await startOnA(manager, "finalize_orders", 1);
    await page.locator("#job-status", { hasText: "done" }).waitFor();
    const viewer = await loginAs("viewer");
    const vp = await viewer.newPage();
    for (const w of [workers.A, workers.B]) {
      expect((await vp.goto(`${w.url}${path}`))?.status(), w.name).toBe(404);
      await vp.goto(`${w.url}/admin/`);
      const csrf = (await vp.locator('input[name="_csrf"]').first().getAttribute("value"))!;
      const res = await viewer.request.post(`${w.url}${LIST}action/`, { form: { _csrf: csrf, action: "refund_selected", _selected_action: "1" }, maxRedirects: 0 });
      expect(res.status(), w.name).toBe(403);
      expect(await res.text()).toBe("You don't have permission to do that.");
    }
    // the viewer has no jobs: nothing was created
    await vp.goto(`${workers.B.url}/admin/jobs/`);
    expect(await vp.locator("#jobs-empty").count()).toBe(1);
    await viewer.close();
    await manager.close();
  });

  it("when worker A dies mid-job (SIGKILL), the page on B turns to lost", async () => {
    const ctx = await loginAs("manager");
    const { page: onA, path } = await startOnA(ctx, "refund_selected", "page");
    await onA.close();
    const { page: onB } = await open(ctx, `${workers.B.url}${path}`);
    await jobAdvancesPast(onB, 1);
    workers.A.proc.kill("SIGKILL");
    await workers.A.exited;
    const stoppedAt = await jobCurrent(onB);
    // the lease (15 s) runs out with nobody renewing it; B's page re-reads and shows "lost"
    await onB.locator("#job-status", { hasText: "lost" }).waitFor({ timeout: 40_000 });
    expect(await onB.locator("#job-error").innerText()).toBe("The worker running this job stopped responding; its outcome is unknown.");
    expect(await onB.locator("#job-cancel").count()).toBe(0);
    expect(await jobCurrent(onB)).toBeGreaterThanOrEqual(stoppedAt);
    expect(await jobCurrent(onB)).toBeLessThan(50);
    await ctx.close();
  }, 180_000); // a bound (the lease alone is 15 s)
});
