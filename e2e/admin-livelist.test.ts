// The live change list in real Chromium against the real demo: the order simulator inserts an
// order every 700 ms and publishes it; the open orders list does not jump but shows
// "N new orders — show", and the click brings them in. A status change saved on a second page
// (the change form) updates the first page's row in place, highlighted, without a reload.
// Screenshots of the notice at 1366×900 and 390×844 (docs/screenshots/). Waits are condition polls.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loggedIn, rowPks, selectRows, startJob } from "./support/admin.js";
import { useDemo } from "./support/demo.js";
import { openLive } from "./support/live.js";

const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const LIST = "/admin/shop/order/";

// a bulk job takes 2 s per order, so its effects can be seen arriving one by one
const e2e = useDemo({ simulateMs: 700, env: { ACTION_ROW_DELAY_MS: "2000" } });

const notice = (page: Page) => page.locator("#cl-fresh button");

describe("the live orders list", () => {
  it("new orders show as a notice (the page does not jump); show brings them in; a save elsewhere updates the row in place", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport: { width: 1366, height: 900 } });
    const { page } = await openLive(ctx, e2e.demo.url + LIST);
    // the notice only exists live: once it shows, the rows are the joined view's (the socket's
    // frame is seen before the page applies it, and the HTTP page's rows may be older)
    await notice(page).waitFor({ timeout: 30_000 });
    const before = await rowPks(page);
    const first = await notice(page).innerText();
    // more orders arrive: counted, the rows stay
    await page.waitForFunction((t) => (document.querySelector("#cl-fresh button")?.textContent ?? t) !== t, first, { timeout: 30_000 });
    expect(await notice(page).innerText()).toMatch(/^\d+ new orders? — show$/);
    expect(await rowPks(page)).toEqual(before);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ animations: "disabled", path: `${SHOTS}livelist-new-1366.png` });

    await notice(page).click();
    await page.waitForFunction((first) => document.querySelector("#result-list tbody tr")?.getAttribute("data-pk") !== first, before[0]);
    expect(Number((await rowPks(page))[0])).toBeGreaterThan(Number(before[0]));

    // a second page (its own tab) saves the status of a row shown on the first one
    const pk = (await rowPks(page))[3]!;
    // the status cell is a select for the admin (listEditable): its value is the stored status
    const status = await page.locator(`#result-list tr[data-pk="${pk}"] select`).inputValue();
    const { page: other } = await openLive(ctx, `${e2e.demo.url}${LIST}${pk}/change/`);
    const select = other.locator('select[name="status"]');
    const options = await select.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    const next = options.find((o) => o !== status && o.replace(/_/g, " ") !== status)!;
    await select.selectOption(next);
    // the highlight lasts 1.6 s: record that it happened (a loaded machine may poll past it)
    await page.evaluate((pk) => {
      const w = window as unknown as { hl?: boolean };
      w.hl = false;
      new MutationObserver(() => {
        if (/cl-hl[01]/.test(document.querySelector(`#result-list tr[data-pk="${pk}"]`)?.className ?? "")) w.hl = true;
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
    }, pk);
    await Promise.all([other.waitForURL((u) => u.pathname === LIST), other.getByRole("button", { name: "Save", exact: true }).click()]);
    await page.waitForFunction(
      ([pk, next]) => {
        const tr = document.querySelector(`#result-list tr[data-pk="${pk}"]`);
        return !!tr && (window as unknown as { hl?: boolean }).hl === true && tr.querySelector("select")?.value === next;
      },
      [pk, next] as const,
      { timeout: 30_000 },
    );
    await ctx.close();
  });

  // retried: it failed once in a full run next to other specs (passes alone); see the stop 21 note
  it("a bulk refund running in a job shows up in an open list as it runs", { retry: 2 }, async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport: { width: 1366, height: 900 } });
    const paid = `${e2e.demo.url}${LIST}?status__exact=paid`;
    const { page } = await openLive(ctx, paid);
    const pks = (await rowPks(page)).slice(0, 3);
    const { page: other, frames } = await openLive(ctx, paid);
    await selectRows(other, frames, pks);
    await startJob(other, frames, "refund_selected");
    // the job walks the selection in key order
    pks.sort((a, b) => Number(a) - Number(b));
    // refunded orders no longer match "paid": they fade out of the open list one by one
    const gone = (pk: string) => page.waitForFunction((pk) => !document.querySelector(`#result-list tr[data-pk="${pk}"]`) || document.querySelector(`#result-list tr[data-pk="${pk}"]`)!.classList.contains("cl-gone"), pk, { timeout: 60_000 });
    await gone(pks[0]!);
    const lastStillThere = await page.locator(`#result-list tr[data-pk="${pks[2]}"]:not(.cl-gone)`).count();
    await gone(pks[2]!);
    await page.waitForFunction((pk) => !document.querySelector(`#result-list tr[data-pk="${pk}"]`), pks[2]!, { timeout: 10_000 });
    // the first one left while the job was still running (2 s per order)
    expect(lastStillThere).toBe(1);
    await ctx.close();
  });

  it("on a phone the notice sits above the cards", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const { page } = await openLive(ctx, e2e.demo.url + LIST);
    await notice(page).waitFor({ timeout: 30_000 });
    const box = (await notice(page).boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(390);
    expect(box.x).toBeGreaterThanOrEqual(0);
    await page.screenshot({ animations: "disabled", path: `${SHOTS}livelist-new-390.png` });
    await ctx.close();
  });
});
