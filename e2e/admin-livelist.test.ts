// The live change list in real Chromium against the real demo: the order simulator inserts an
// order every 700 ms and publishes it; the open orders list does not jump but shows
// "N new orders — show", and the click brings them in. A status change saved on a second page
// (the change form) updates the first page's row in place, highlighted, without a reload.
// Screenshots of the notice at 1366×900 and 390×844 (docs/screenshots/). Waits are condition polls.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loggedIn, rowPks } from "./support/admin.js";
import { useDemo } from "./support/demo.js";
import { openLive } from "./support/live.js";

const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const LIST = "/admin/shop/order/";

const e2e = useDemo({ simulateMs: 700 });

const notice = (page: Page) => page.locator("#cl-fresh button");

describe("the live orders list", () => {
  it("new orders show as a notice (the page does not jump); show brings them in; a save elsewhere updates the row in place", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport: { width: 1366, height: 900 } });
    const { page } = await openLive(ctx, e2e.demo.url + LIST);
    const before = await rowPks(page);
    await notice(page).waitFor({ timeout: 30_000 });
    expect(await notice(page).innerText()).toMatch(/^\d+ new orders? — show$/);
    expect(await rowPks(page)).toEqual(before);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}livelist-new-1366.png` });

    await notice(page).click();
    await page.waitForFunction((first) => document.querySelector("#result-list tbody tr")?.getAttribute("data-pk") !== first, before[0]);
    expect(Number((await rowPks(page))[0])).toBeGreaterThan(Number(before[0]));

    // a second page (its own tab) saves the status of a row shown on the first one
    const pk = (await rowPks(page))[3]!;
    const status = (await page.locator(`#result-list tr[data-pk="${pk}"] .badge`).innerText()).toLowerCase();
    const { page: other } = await openLive(ctx, `${e2e.demo.url}${LIST}${pk}/change/`);
    const select = other.locator('select[name="status"]');
    const options = await select.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    const next = options.find((o) => o !== status && o.replace(/_/g, " ") !== status)!;
    await select.selectOption(next);
    await Promise.all([other.waitForURL((u) => u.pathname === LIST), other.getByRole("button", { name: "Save", exact: true }).click()]);
    await page.waitForFunction(
      ([pk, next]) => {
        const tr = document.querySelector(`#result-list tr[data-pk="${pk}"]`);
        return !!tr && /cl-hl[01]/.test(tr.className) && tr.querySelector(".badge")?.textContent?.toLowerCase() === next.replace(/_/g, " ");
      },
      [pk, next] as const,
      { timeout: 30_000 },
    );
    await ctx.close();
  });

  it("on a phone the notice sits above the cards", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const { page } = await openLive(ctx, e2e.demo.url + LIST);
    await notice(page).waitFor({ timeout: 30_000 });
    const box = (await notice(page).boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(390);
    expect(box.x).toBeGreaterThanOrEqual(0);
    await page.screenshot({ path: `${SHOTS}livelist-new-390.png` });
    await ctx.close();
  });
});
