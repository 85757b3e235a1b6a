// The server goes away and comes back (SIGTERM, then a new process on the same port and
// database, so the same secret): the page shows it is disconnected, keeps what the user typed
// meanwhile, rejoins by itself and the search follows the recovered input (form recovery).
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { useDemo } from "./support/demo.js";
import { CLASS_DISCONNECTED, CLASS_ERROR, joined, openLive, REJOIN_MS, viewHasClass, viewRoots } from "./support/live.js";
import { searchBox, waitForResults } from "./support/orders.js";

const e2e = useDemo({ simulateMs: 0 });

const numbers = (page: Page) =>
  page.$$eval("#order-rows tbody tr", (trs) => trs.map((tr) => (tr as HTMLTableRowElement).cells[0]!.textContent!));

describe("server restart", () => {
  it("marks the view disconnected, keeps the typed search, and recovers it after the restart", async () => {
    const { demo, browser } = e2e;
    const ctx = await browser.newContext();
    try {
      const { page, frames } = await openLive(ctx, `${demo.url}/orders`);
      const input = searchBox(page);
      await input.click();
      await input.pressSequentially("ORD-0001");
      await waitForResults(page, "ORD-0001");
      await page.waitForURL((u) => u.searchParams.get("q") === "ORD-0001");
      expect(await page.locator("#order-total").innerText()).toContain("100 orders matching");

      const exit = await demo.stop();
      expect(exit, `SIGTERM ends the server by itself (exit after ${exit?.ms} ms)\n${demo.output()}`).toMatchObject({ killed: false, code: 0 });
      await viewHasClass(page, CLASS_DISCONNECTED, true);

      // typed while the server is down
      await input.click();
      await page.keyboard.press("End");
      await page.keyboard.type("5");
      expect(await input.inputValue()).toBe("ORD-00015");
      // focus elsewhere, so the rejoin render cannot keep the box's text just because it is focused:
      // only form recovery can
      await page.locator("h2", { hasText: "Orders" }).click();
      expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe("INPUT");
      // the results on screen are still those of the old query
      expect(await page.locator("#order-total").innerText()).toContain("matching “ORD-0001”");

      const framesBefore = frames.length;
      await demo.start();
      await joined(frames, 1, framesBefore, REJOIN_MS);
      await viewHasClass(page, CLASS_DISCONNECTED, false);

      // the join's render shows the URL's query; the recovered form's search (a pushPatch)
      // follows as a delta, so the recovered value is waited for, not read right after the join
      await expect.poll(() => input.inputValue(), { timeout: 30_000 }).toBe("ORD-00015");
      await waitForResults(page, "ORD-00015");
      expect(await page.locator("#order-total").innerText()).toContain("10 orders matching");
      expect((await numbers(page)).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `ORD-00015${i}`));
      await page.waitForURL((u) => u.searchParams.get("q") === "ORD-00015");
      expect(await input.inputValue()).toBe("ORD-00015");
      for (const r of await viewRoots(page)) {
        expect(r.classes).not.toContain(CLASS_DISCONNECTED);
        expect(r.classes).not.toContain(CLASS_ERROR);
      }

      // and it is live again: a new search works
      await input.fill("ORD-00016");
      await waitForResults(page, "ORD-00016");
      expect((await numbers(page)).every((n) => n.startsWith("ORD-00016"))).toBe(true);
    } finally {
      await ctx.close();
    }
  });
});
