// The job bell and its toast in real Chromium against one real demo worker: the manager starts
// "Refund selected orders" on the orders list, goes to another admin page (the dashboard), sees
// the bell count 1 running job and list it, and when the job ends a toast "Refund selected
// orders: done — view" appears whose link opens the job's page. Another user's bell (the
// admin's, a superuser) shows nothing of it. Screenshots of the open bell and the toast at
// 1366×900 and 390×844 go to docs/screenshots/. Waits are condition polls.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loggedIn, rowPks, selectRows, startJob } from "./support/admin.js";
import { recordFrames } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { joined, openLive } from "./support/live.js";

const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const LIST = "/admin/shop/order/";
// the job's pace, set here: 8 rows at 1 s each, so it still runs when the next page has joined
const e2e = useDemo({ simulateMs: 0, env: { ACTION_ROW_DELAY_MS: "1000" } });

/** Screenshots `page` at 1366×900 and at 390×844 (then back to 1366×900). */
async function shots(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  for (const [w, h] of [[390, 844], [1366, 900]] as const) {
    await page.setViewportSize({ width: w, height: h });
    // the layout's own transitions (the sidebar sliding away on a narrow screen) end first
    await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)));
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} at ${w} scrolls sideways`).toBe(true);
    await page.screenshot({ animations: "disabled", path: `${SHOTS}${name}-${w}.png` });
  }
}

describe("job notifications", () => {
  it("the bell counts the user's running job on another page, a toast links to it when it ends; another user's bell shows nothing of it", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "manager", { viewport: { width: 1366, height: 900 } });
    const { page, frames } = await openLive(ctx, `${e2e.demo.url}${LIST}?status__exact=paid`);
    await selectRows(page, frames, (await rowPks(page)).slice(0, 8));
    await startJob(page, frames, "refund_selected");
    const jobPath = new URL(page.url()).pathname;

    // another admin page: the bell says 1 running and lists the job, linked to its page
    const from = frames.length;
    await page.goto(`${e2e.demo.url}/admin/`);
    await joined(frames, 1, from);
    await page.locator(".bell .bell-count").filter({ hasText: /^1$/ }).waitFor();
    await page.click(".bell summary");
    const item = page.locator(".bell-list li").first();
    await item.waitFor();
    expect(await item.innerText()).toMatch(/Refund selected orders\s+Running/i);
    expect(await item.locator("a").getAttribute("href")).toBe(jobPath);
    await shots(page, "job-bell");

    // the other user's bell, on the same worker meanwhile: none of it
    const other = await loggedIn(e2e.browser, e2e.demo.url, "admin");
    const op = await other.newPage();
    const oframes = recordFrames(op);
    await op.goto(`${e2e.demo.url}/admin/`);
    await joined(oframes);
    expect(await op.locator(".bell .bell-count").count()).toBe(0);
    expect(await op.locator(`.bell a[href="${jobPath}"]`).count()).toBe(0);

    // the job ends: a toast on this page, with a link to the job
    const toast = page.locator(".bell-toast");
    await toast.waitFor({ timeout: 60_000 });
    expect(await toast.innerText()).toMatch(/Refund selected orders: done — view/);
    expect(await page.locator(".bell .bell-count").count(), "no job running any more").toBe(0);
    await shots(page, "job-toast");
    // nothing reached the other user's page
    expect(await op.locator(".bell-toast").count()).toBe(0);
    expect(await op.locator(`.bell a[href="${jobPath}"]`).count()).toBe(0);

    // Close hides it in the browser (a JS command); the link opens the job's page
    await page.click(".bell-toast button[aria-label=Close]");
    await toast.waitFor({ state: "hidden" });
    await Promise.all([page.waitForURL((u) => u.pathname === jobPath), toast.locator("a").evaluate((a: HTMLAnchorElement) => a.click())]);
    await page.locator("#job-status").filter({ hasText: /done/i }).waitFor();
    await other.close();
    await ctx.close();
  });
});
