// Bounded counts (countLimit, default 10,000) in real Chromium on the demo's 400k orders: a broad
// filter says "more than 10,000 orders", its pager has next but no last page and "Page N" without
// "of"; next goes on past the count; "select all matching" still names the exact number in the
// action's confirmation before anything runs. Screenshots at 1366×900 and 390×844 go to
// docs/screenshots/orders-list-capped-*.png (the list, its pager) and orders-capped-confirm-1366.png. Waits are condition polls.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loggedIn } from "./support/admin.js";
import { recordFrames, SCREEN_SIZES } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { queryDemo } from "./support/demo-db.js";
import { eventAndReply, joined } from "./support/live.js";

const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const LIST = "/admin/shop/order/";

const e2e = useDemo({ simulateMs: 0 });

async function shot(page: Page, name: string, size: string): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} at ${size} scrolls sideways`).toBe(true);
  await page.screenshot({ animations: "disabled", path: `${SHOTS}${name}-${size}.png` });
}

/** The exact number of cancelled orders, read from the demo's own database file. */
function cancelledOrders(): number {
  return queryDemo<{ n: number }>(e2e.demo.dbFile, "select count(*) n from orders where status = 'cancelled'")[0]!.n;
}

describe("a capped count on the orders change list", () => {
  for (const size of SCREEN_SIZES) {
    it(`says "more than 10,000", pages without a last page, and confirms the exact number (${size.name})`, async () => {
      mkdirSync(SHOTS, { recursive: true });
      const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.isMobile });
      const page = await ctx.newPage();
      const frames = recordFrames(page);
      await page.goto(`${e2e.demo.url}${LIST}?status__exact=cancelled`);
      await joined(frames);
      const cancelled = cancelledOrders();
      expect(cancelled).toBeGreaterThan(10_000);

      expect(await page.locator("#cl-count").innerText()).toMatch(/^more than 10,000 orders/);
      expect(await page.locator(".cl-page-of").innerText()).toBe("Page 1");
      expect(await page.locator(".cl-pager .pg-last").count()).toBe(0);
      await shot(page, "orders-list-capped", size.name);
      await page.locator(".cl-pager").scrollIntoViewIfNeeded();
      await shot(page, "orders-list-capped-pager", size.name);

      // next goes on; "Page 2", still no last page
      const first = await page.$$eval("#result-list tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-pk")));
      await page.locator(".cl-pager a.pg-next").click();
      await page.waitForFunction(() => document.querySelector(".cl-page-of")?.textContent === "Page 2");
      expect(new URL(page.url()).searchParams.get("p")).toBe("2");
      const second = await page.$$eval("#result-list tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-pk")));
      expect(second.filter((pk) => first.includes(pk))).toEqual([]);
      expect(await page.locator(".cl-pager .pg-last").count()).toBe(0);

      // the whole page, then "select all matching": the confirmation names the exact number
      let from = frames.length;
      await page.locator('th.cl-check input[type="checkbox"]').click();
      await eventAndReply(frames, "selectPage", from);
      const all = page.locator("button.cl-select-all");
      await all.waitFor();
      expect(await all.innerText()).toBe("Select all matching orders (more than 10,000)");
      from = frames.length;
      await all.click();
      await eventAndReply(frames, "selectAll", from);
      await page.waitForFunction(() => /^All matching orders selected \(more than 10,000\)$/.test(document.querySelector("#cl-selected")?.textContent ?? ""));
      await page.selectOption('select[name="action"]', "delete_selected");
      await page.click("button.cl-go");
      await page.locator("#cl-confirm").waitFor();
      const question = await page.locator("#cl-confirm-q").innerText();
      expect(question).toContain(cancelled.toLocaleString("en-US"));
      if (size.name === "1366") await shot(page, "orders-capped-confirm", size.name);
      // nothing runs without the confirmation
      await page.locator("#cl-confirm").getByRole("button", { name: "No, take me back" }).click();
      await page.locator("#cl-confirm").waitFor({ state: "detached" });
      expect(cancelledOrders()).toBe(cancelled);
      await ctx.close();
    });
  }
});
