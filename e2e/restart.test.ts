// The server goes away and comes back (SIGTERM, then a new process on the same port and
// database, so the same secret): the page shows it is disconnected, keeps what the user typed
// meanwhile, rejoins by itself and the search follows the recovered input (form recovery).
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { useDemo } from "./support/demo.js";
import { recordFrames } from "./support/browser.js";
import { A_VIEW, CLASS_DISCONNECTED, CLASS_ERROR, joined, viewRoots } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });

const ROOT = `[${A_VIEW}]`;
const hasClass = (page: Page, cls: string, yes: boolean) =>
  page.waitForFunction(
    ([sel, cls, yes]) => {
      const el = document.querySelector(sel as string);
      return !!el && el.classList.contains(cls as string) === yes;
    },
    [ROOT, cls, yes] as const,
    { timeout: 30_000 },
  );

function waitForResults(page: Page, q: string) {
  return page.waitForFunction((q) => document.querySelector("#order-total")?.textContent?.includes(`matching “${q}”`), q, {
    timeout: 30_000,
  });
}

const numbers = (page: Page) =>
  page.$$eval("#order-rows tbody tr", (trs) => trs.map((tr) => (tr as HTMLTableRowElement).cells[0]!.textContent!));

describe("server restart", () => {
  it("marks the view disconnected, keeps the typed search, and recovers it after the restart", async () => {
    const { demo, browser } = e2e;
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      const frames = recordFrames(page);
      await page.goto(`${demo.url}/orders`);
      await joined(frames);
      const input = page.getByRole("searchbox", { name: "Search orders" });
      await input.click();
      await input.pressSequentially("ORD-0001");
      await waitForResults(page, "ORD-0001");
      await page.waitForURL((u) => u.searchParams.get("q") === "ORD-0001");
      expect(await page.locator("#order-total").innerText()).toContain("100 orders matching");

      const exit = await demo.stop();
      expect(exit, `SIGTERM ends the server by itself\n${demo.output()}`).toMatchObject({ killed: false, code: 0 });
      await hasClass(page, CLASS_DISCONNECTED, true);

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
      await joined(frames, 1, framesBefore);
      await hasClass(page, CLASS_DISCONNECTED, false);

      expect(await input.inputValue()).toBe("ORD-00015");
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
