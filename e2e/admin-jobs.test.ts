// Bulk actions with a live progress page in real Chromium against ONE real demo worker (the
// in-memory channel layer): select orders, run "Refund selected orders", land on the job's
// page, watch it advance, press Cancel (confirm dialog) and see the job stop as cancelled; a
// failing action ("Sync with vendor" on an order whose note holds FAIL-SYNC) shows the generic
// error and never the error text or its stack. Waits are condition polls.
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { jobStatus, loggedIn, rowPks, selectRows, startJob } from "./support/admin.js";
import type { Frame } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { openLive } from "./support/live.js";

const LIST = "/admin/shop/order/";
/** The demo's failure trigger (examples/admin-demo/src/actions.ts). */
const FAIL_SYNC = "FAIL-SYNC";

// ACTION_ROW_DELAY_MS: the job's pace, set here. 12 rows take 12 s, so the cancel (two clicks
// and a dialog after 2 rows are done) lands mid-job however loaded the machine; at 250 ms a
// row the job could finish before the click.
const ROW_DELAY_MS = 1_000;
const e2e = useDemo({ simulateMs: 0, env: { ACTION_ROW_DELAY_MS: String(ROW_DELAY_MS) } });

const loginAs = (username: string) => loggedIn(e2e.browser, e2e.demo.url, username);

const open = (ctx: BrowserContext, path: string) => openLive(ctx, e2e.demo.url + path);

/** Picks the first `n` rows of the list, runs `action` with Go, and waits for the job page to join. */
async function runAction(page: Page, frames: Frame[], action: string, n: number): Promise<string[]> {
  const pks = (await rowPks(page)).slice(0, n);
  await selectRows(page, frames, pks);
  await startJob(page, frames, action);
  return pks;
}

/** "3 of 10" → [3, 10]. */
async function counts(page: Page): Promise<[number, number]> {
  const m = /^([\d,]+) of ([\d,]+)$/.exec((await page.locator("#job-counts").innerText()).trim());
  return m ? [Number(m[1]!.replace(/,/g, "")), Number(m[2]!.replace(/,/g, ""))] : [NaN, NaN];
}

describe("bulk actions with a progress page (one worker)", () => {
  it("refund selected orders: the page advances live, Cancel (confirmed) stops it as cancelled", async () => {
    const ctx = await loginAs("manager");
    const { page, frames } = await open(ctx, `${LIST}?status__exact=paid`);
    const pks = await runAction(page, frames, "refund_selected", 12);
    expect(await page.title()).toContain("Job");
    expect(await page.locator("h1#job-title").innerText()).toBe("Refund selected orders");
    expect(await page.locator("#job-description").innerText()).toContain("Refund 12 orders");
    expect((await counts(page))[1]).toBe(12);

    // it advances, pushed over the socket (the page never reloads)
    const navigations: string[] = [];
    page.on("framenavigated", (f) => f === page.mainFrame() && navigations.push(f.url()));
    await page.waitForFunction(() => /^([2-9]|1\d) of 12$/.test(document.querySelector("#job-counts")?.textContent?.trim() ?? ""), null, { polling: 50 });
    expect(await jobStatus(page)).toBe("running");
    const percent = Number((await page.locator("#job-percent").innerText()).replace("%", ""));
    expect(percent).toBeGreaterThan(0);
    expect(await page.locator("#job-log li").count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator("#job-log li").first().innerText()).toMatch(/^Refunded ORD-\d+ \(/);

    // Cancel asks first; dismissing keeps it running
    page.once("dialog", (d) => void d.dismiss());
    await page.click("#job-cancel");
    expect(await jobStatus(page)).toBe("running");
    const dialogs: string[] = [];
    page.once("dialog", (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    await page.click("#job-cancel");
    await page.locator("#job-status", { hasText: "cancelled" }).waitFor();
    expect(dialogs[0]).toMatch(/^Cancel this job\?/);
    expect(await page.locator("#job-cancel").count()).toBe(0);
    const [done, total] = await counts(page);
    expect(total).toBe(12);
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(12);
    // stopped: nothing moves any more (for longer than a row takes), and the log says so
    await page.waitForTimeout(ROW_DELAY_MS + 500);
    expect((await counts(page))[0]).toBe(done);
    // newest first, and the closing summary line names the count
    expect(await page.locator("#job-log li").first().innerText()).toBe(`Cancelled after ${done} orders.`);
    expect(await page.locator("#job-summary").innerText()).toBe(`Cancelled after ${done} of 12 orders.`);
    expect(navigations).toEqual([]);

    // the change list agrees: exactly the processed orders are refunded
    await page.click("#job-back");
    await page.waitForURL((u) => u.pathname === LIST);
    const { page: refunded } = await open(ctx, `${LIST}?status__exact=refunded`);
    const refundedPks = await refunded.$$eval("#result-list tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-pk")!));
    expect(pks.filter((pk) => refundedPks.includes(pk))).toHaveLength(done);
    await refunded.close();

    // My jobs lists it
    const { page: mine } = await open(ctx, "/admin/jobs/");
    expect(await mine.locator("#jobs-list tbody tr").first().innerText()).toMatch(/Refund selected orders[\s\S]*cancelled/i); // the list capitalises the status badge, as the change list
    await mine.close();
    await page.close();
  });

  it("a failing action shows the generic error and no stack", async () => {
    const ctx = await loginAs("manager");
    // mark one order to fail the (fake) vendor sync, through the change form
    const { page: list } = await open(ctx, `${LIST}?status__exact=pending`);
    const victim = (await list.$$eval("#result-list tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-pk")!)))[0]!;
    await list.close();
    const { page: form } = await open(ctx, `${LIST}${victim}/change/`);
    await form.locator('[name="note"]').fill(`${FAIL_SYNC}: vendor should reject this`);
    await Promise.all([form.waitForURL((u) => u.searchParams.has("saved")), form.click('button[name="_save"]')]);
    await form.close();

    const { page, frames } = await open(ctx, `${LIST}?status__exact=pending`);
    await runAction(page, frames, "sync_with_vendor", 1);
    await page.locator("#job-status", { hasText: "failed" }).waitFor();
    expect(await page.locator("#job-error").innerText()).toBe("The job failed. The details are in the server log.");
    expect(await page.locator("#job-cancel").count()).toBe(0);
    const html = await page.content();
    for (const text of [html, ...frames.map((f) => f.raw)]) {
      expect(text).not.toContain("vendor API rejected");
      expect(text).not.toMatch(/\bat .+:\d+:\d+/);
      expect(text).not.toContain("actions.js");
    }
    // reloading shows the same generic text
    await page.reload();
    expect(await page.locator("#job-error").innerText()).toBe("The job failed. The details are in the server log.");
    await page.close();
  });

  it("an action declared not cancellable has no Cancel; a view-only user gets 404 for another user's job", async () => {
    const manager = await loginAs("manager");
    const { page, frames } = await open(manager, `${LIST}?status__exact=shipped`);
    await runAction(page, frames, "finalize_orders", 2);
    const url = page.url();
    expect(await page.locator("#job-cancel").count()).toBe(0); // declared not cancellable
    await page.locator("#job-status", { hasText: "done" }).waitFor();
    await page.close();
    const viewer = await loginAs("viewer");
    const vp = await viewer.newPage();
    const res = await vp.goto(url);
    expect(res?.status()).toBe(404);
    await vp.close();
  });
});
