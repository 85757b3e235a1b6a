// The job history in real Chromium against one real demo worker whose channel layer keeps a
// finished job only 3 s (DEMO_JOB_RETENTION_MS): the manager runs "Refund selected orders" on 3
// orders, the admin on 2; once the live records are gone, the job's page comes from the history
// (final status, counts, log), "My jobs" lists the manager's job, "All jobs" is refused to the
// manager (403) and shows the superuser both jobs, filtered by owner and status through the
// sidebar. Screenshots of "All jobs" and of the archived job page at 1366×900 and 390×844 go to
// docs/screenshots/. Waits are condition polls.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loggedIn, rowPks, selectRows, startJob } from "./support/admin.js";
import { useDemo } from "./support/demo.js";
import { openLive } from "./support/live.js";

const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const LIST = "/admin/shop/order/";
const e2e = useDemo({ simulateMs: 0, env: { ACTION_ROW_DELAY_MS: "50", DEMO_JOB_RETENTION_MS: "3000" } });

/** Screenshots `page` at 390×844 and 1366×900 (ending at 1366×900). */
async function shots(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  for (const [w, h] of [[390, 844], [1366, 900]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)));
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} at ${w} scrolls sideways`).toBe(true);
    await page.emulateMedia({ reducedMotion: "reduce" });
    await page.screenshot({ animations: "disabled", path: `${SHOTS}${name}-${w}.png`, fullPage: w === 390 });
  }
}

/** Runs a refund of the first `n` paid orders as the context's user; returns the job's page path once it is done. */
async function refund(ctx: BrowserContext, n: number): Promise<string> {
  const { page, frames } = await openLive(ctx, `${e2e.demo.url}${LIST}?status__exact=paid`);
  await selectRows(page, frames, (await rowPks(page)).slice(0, n));
  await startJob(page, frames, "refund_selected");
  await page.locator("#job-status", { hasText: "done" }).waitFor({ timeout: 60_000 });
  const path = new URL(page.url()).pathname;
  await page.close();
  return path;
}

/** Reloads `path` until its job page says it comes from the history (the live record expired). */
async function archived(ctx: BrowserContext, path: string): Promise<Page> {
  const page = await ctx.newPage();
  const end = Date.now() + 60_000;
  for (;;) {
    await page.goto(`${e2e.demo.url}${path}`);
    if ((await page.locator("#job-archived").count()) > 0) return page;
    if (Date.now() > end) throw new Error(`${path} still served from the channel layer after 60 s`);
    await page.waitForTimeout(250);
  }
}

const idOf = (path: string) => path.split("/")[3]!;
const listed = (page: Page) => page.$$eval("#jobs-list tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-job")!));

describe("job history", () => {
  it("a finished job outlives its channel-layer record: its page, My jobs, and All jobs with filters for the superuser", async () => {
    const viewport = { width: 1366, height: 900 };
    const manager = await loggedIn(e2e.browser, e2e.demo.url, "manager", { viewport });
    const admin = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport });
    const managerJob = await refund(manager, 3);
    const adminJob = await refund(admin, 2);

    // the live record expires; the page still shows the job, from the history
    const page = await archived(manager, managerJob);
    expect((await page.locator("#job-status").innerText()).trim().toLowerCase()).toBe("done");
    expect((await page.locator("#job-counts").innerText()).trim()).toBe("3 of 3");
    expect(await page.locator("#job-summary").innerText()).toMatch(/^Done: 3 of 3 orders in /);
    expect(await page.locator("#job-log li").count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator("#job-log li").last().innerText()).toMatch(/^Refunded ORD-\d+/);
    expect(await page.locator("#job-cancel").count()).toBe(0);
    await shots(page, "job-archived");

    // My jobs: the manager's own job, done; not the admin's
    await page.goto(`${e2e.demo.url}/admin/jobs/`);
    expect(await listed(page)).toEqual([idOf(managerJob)]);
    expect(await page.locator(`tr[data-job="${idOf(managerJob)}"]`).getAttribute("data-status")).toBe("done");
    expect(await page.locator("#jobs-other").count()).toBe(0);
    // All jobs is for superusers
    expect((await page.goto(`${e2e.demo.url}/admin/jobs/all/`))?.status()).toBe(403);
    await page.close();

    // the superuser: both jobs, newest first, after the admin's own record expired too
    (await archived(admin, adminJob)).close();
    const { page: all } = await openLive(admin, `${e2e.demo.url}/admin/jobs/all/`);
    expect(await listed(all)).toEqual([idOf(adminJob), idOf(managerJob)]);
    expect(await all.locator(`tr[data-job="${idOf(managerJob)}"] .jobs-owner`).innerText()).toBe("manager");
    await shots(all, "jobs-history");

    // filter by owner through the sidebar (a live patch: the URL follows)
    await all.locator('[data-filter="owner"] a', { hasText: "manager" }).click();
    await all.waitForURL((u) => u.searchParams.has("owner"));
    await all.waitForFunction((id) => [...document.querySelectorAll("#jobs-list tbody tr")].map((tr) => tr.getAttribute("data-job")).join() === id, idOf(managerJob));
    // and by status: nothing of the manager's failed
    await all.locator('[data-filter="status"] a', { hasText: "Failed" }).click();
    await all.waitForURL((u) => u.searchParams.get("status") === "failed" && u.searchParams.has("owner"));
    await all.locator("#jobs-empty").waitFor();
    // a bad value in the URL is refused with a clear message, the whole list shown
    await all.goto(`${e2e.demo.url}/admin/jobs/all/?status=finished`);
    expect(await all.locator(".flash-error").innerText()).toContain("Unknown status “finished”");
    expect(await listed(all)).toEqual([idOf(adminJob), idOf(managerJob)]);
    await manager.close();
    await admin.close();
  });
});
