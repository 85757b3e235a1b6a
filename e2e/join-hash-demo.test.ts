// The demo's counter, 50-row table and KPI tile in real Chromium: the browser's serialization
// of each root is the server's HTML, so each join is answered `["=", 1]` (7 bytes) — the figures
// docs/benchmarks.md gives for the bench's Node client hold for a browser too. The order
// simulator is off, so the KPI count cannot move between the HTTP render and the join.
import { beforeAll, expect, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { useDemo } from "./support/demo.js";
import { openLive } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });
let ctx: BrowserContext;

beforeAll(async () => {
  ctx = await e2e.browser.newContext();
});

for (const path of ["/counter", "/table", "/kpi"]) {
  it(`${path}: the join is answered unchanged, and the page works after it`, async () => {
    const { page, frames } = await openLive(ctx, e2e.demo.url + path, 1);
    const answer = frames.find((f) => f.dir === "received" && f.data[1] === 1 && (f.data[0] === "=" || f.data[0] === "r"))!;
    expect(answer.raw).toBe('["=",1]');
    if (path === "/counter") {
      await page.getByRole("button", { name: "increment" }).click();
      await expect.poll(() => page.locator("#count").innerText()).toBe("1");
    }
    if (path === "/table") {
      const cell = page.locator("#row-3 td.stock");
      const before = Number(await cell.innerText());
      await page.locator("#row-3 button").click();
      await expect.poll(async () => Number(await cell.innerText())).toBe(before + 1);
    }
    await page.close();
  });
}
