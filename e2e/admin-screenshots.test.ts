// Screenshots of the admin pages issue 14's defects changed, at 1366×900 and 390×844, saved under
// docs/screenshots/ (committed; regenerate with `pnpm exec vitest run e2e/admin-screenshots.test.ts`):
// the paid orders with their total widget, the bulk-action confirmation, the 404 page in the shell, a finished job's page, the change
// form, the "Reconnecting…" notice, the dashboard with its charts and the login page after logout. Each shot waits for the
// state it shows; the test fails if a page scrolls sideways.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loggedIn, selectRows } from "./support/admin.js";
import { recordFrames, SCREEN_SIZES } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { CLASS_DISCONNECTED, joined, viewHasClass } from "./support/live.js";

const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const LIST = "/admin/shop/order/";

const e2e = useDemo({ simulateMs: 0, env: { ACTION_ROW_DELAY_MS: "20" } });

async function shot(page: Page, name: string, size: string): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} at ${size} scrolls sideways`).toBe(true);
  await page.emulateMedia({ reducedMotion: "reduce" });
  await page.screenshot({ animations: "disabled", path: `${SHOTS}${name}-${size}.png` });
}

describe("screenshots of the pages the defects changed", () => {
  for (const size of SCREEN_SIZES) {
    it(`at ${size.viewport.width}×${size.viewport.height}`, async () => {
      mkdirSync(SHOTS, { recursive: true });
      const opts = { viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.isMobile };
      const ctx = await loggedIn(e2e.browser, e2e.demo.url, "manager", opts);
      const page = await ctx.newPage();
      let frames = recordFrames(page);
      await page.goto(`${e2e.demo.url}${LIST}?status__exact=paid`);
      await joined(frames);

      // the paid orders with the total widget that follows the list
      await page.waitForFunction(() => {
        const el = document.querySelector('[data-slot="list-total"] [data-matching]');
        return !!el && !el.classList.contains("muted") && /matching orders/.test(el.textContent ?? "");
      });
      await shot(page, "orders-list-total", size.name);

      // the confirmation naming the count
      const pks = await page.$$eval("#result-list tbody tr", (trs) => trs.slice(0, 3).map((tr) => tr.getAttribute("data-pk")!));
      await selectRows(page, frames, pks);
      await page.selectOption('select[name="action"]', "refund_selected");
      await page.click("button.cl-go");
      await page.locator("#cl-confirm").waitFor();
      await shot(page, "bulk-confirm", size.name);

      // the job page once done: summary, newest log line first
      await Promise.all([page.waitForURL(/\/admin\/jobs\/[^/]+\/$/), page.locator("#cl-confirm").getByRole("button", { name: "Confirm" }).click()]);
      await page.locator("#job-summary").waitFor();
      await shot(page, "job-done", size.name);

      // the change form
      frames = recordFrames(page);
      await page.goto(`${e2e.demo.url}${LIST}${pks[0]}/change/`);
      await joined(frames);
      await shot(page, "order-form", size.name);

      // the 404 page in the shell
      await page.goto(`${e2e.demo.url}/admin/shop/nothing-here/`);
      await page.locator(".error-page").waitFor();
      await shot(page, "not-found", size.name);

      // the reconnecting notice: the socket refused from now on
      const p2 = await ctx.newPage();
      let allow = true;
      const open: Array<() => Promise<void>> = [];
      await p2.routeWebSocket(/\/live\/websocket/, (ws) => {
        if (!allow) return void ws.close({ code: 1011 });
        const server = ws.connectToServer();
        open.push(async () => (await server.close(), await ws.close({ code: 1012 })));
      });
      frames = recordFrames(p2);
      await p2.goto(`${e2e.demo.url}${LIST}`);
      await joined(frames);
      allow = false;
      for (const close of open) await close();
      await viewHasClass(p2, CLASS_DISCONNECTED, true);
      await p2.locator(".lv-reconnecting").waitFor({ state: "visible" });
      await shot(p2, "reconnecting", size.name);
      await p2.close();

      // the dashboard: live cards with their server-drawn charts
      frames = recordFrames(page);
      await page.goto(`${e2e.demo.url}/admin/`);
      await joined(frames, 6);
      await page.locator('[data-widget="shop.order.revenue-today"] svg.spark').waitFor();
      await page.mouse.move(0, 0); // no hover left over from the clicks above
      await shot(page, "dashboard", size.name);

      // logged out
      await page.locator(".user-menu summary").click();
      await Promise.all([page.waitForURL((u) => u.pathname === "/admin/login/"), page.getByRole("button", { name: "Log out" }).click()]);
      await page.getByRole("status").waitFor();
      await shot(page, "logged-out", size.name);
      await ctx.close();
    });
  }
});
