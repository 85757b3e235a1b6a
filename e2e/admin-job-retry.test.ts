// A job waiting for its retry and an export whose file was deleted, in real Chromium against an
// admin served by this test (SQLite): the progress page says "Attempt 2 of 3 after: <error>",
// Cancel stops the retries (the page turns cancelled), and a finished export whose file is gone
// says so instead of offering the download. Screenshots at 1366×900 and 390×844 go to
// docs/screenshots/. Waits are condition waits.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { AdminSite, withProgress } from "@weft/admin";
import { openShop, type Shop } from "../packages/admin/test/support/engines.js";
import { startAdmin } from "../packages/admin/test/support.js";
import { exportRecord } from "../packages/admin/test/support/job-record.js";
import { launchBrowser } from "./support/browser.js";
import { loggedIn, rowPks, selectRows, startJob } from "./support/admin.js";
import { openLive } from "./support/live.js";

const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));

/** Screenshots `page` at 390×844 and 1366×900 (ending at 1366×900). */
async function shots(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  for (const [w, h] of [[390, 844], [1366, 900]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))));
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} at ${w} scrolls sideways`).toBe(true);
    await page.emulateMedia({ reducedMotion: "reduce" });
    await page.screenshot({ animations: "disabled", path: `${SHOTS}${name}-${w}.png`, fullPage: w === 390 });
  }
}

describe("job retries and deleted export files on the progress page", () => {
  let shop: Shop;
  let site: AdminSite;
  let app: FastifyInstance;
  let base = "";
  let browser: Browser;
  const layer = new MemoryChannelLayer();

  beforeAll(async () => {
    shop = await openShop("sqlite");
    site = new AdminSite({ db: shop.db, readPool: false, jobs: { maxPerOwner: Infinity, maxPerAction: Infinity } });
    const sync = withProgress({ name: "sync_warehouse", label: "Sync with the warehouse", retries: 2, retryDelayMs: 600_000 }, async (_ctx, selection, progress) => {
      progress.update({ current: 0, total: selection.size, message: "Asking the warehouse…" });
      progress.log("Connecting to the warehouse API");
      throw new Error("The warehouse API answered 503 Service Unavailable");
    });
    site.register(shop.orders, { app: "shop", listDisplay: ["number", "status"], actions: [sync] });
    ({ app, base } = await startAdmin(site, { pubsub: layer }));
    await site.users.createUser({ username: "admin", password: "admin", isStaff: true, isSuperuser: true });
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await layer.close();
    await shop?.close();
  });

  it("shows the attempt and the error it retries after, and Cancel stops the retries", async () => {
    const ctx = await loggedIn(browser, base, "admin", { viewport: { width: 1366, height: 900 } });
    const { page, frames } = await openLive(ctx, `${base}/admin/shop/order/`);
    await selectRows(page, frames, (await rowPks(page)).slice(0, 3));
    await startJob(page, frames, "sync_warehouse");
    await page.locator("#job-attempt", { hasText: "Attempt 2 of 3 after: The warehouse API answered 503 Service Unavailable" }).waitFor({ timeout: 60_000 });
    expect((await page.locator("#job-status").innerText()).trim().toLowerCase()).toBe("queued");
    await shots(page, "job-retry");
    page.once("dialog", (d) => void d.accept());
    await page.locator("#job-cancel").click();
    await page.locator("#job-status", { hasText: "cancelled" }).waitFor({ timeout: 60_000 });
    await ctx.close();
  });

  it("says a finished export's file has been deleted", async () => {
    const now = Date.now();
    const owner = String((await site.users.getUserByUsername("admin"))!.id);
    const rec = exportRecord("deleted-export", owner, now - 3_000, { action: "shop.order.export_csv", ownerName: "admin", description: "Export 3 orders as CSV", current: 3, total: 3, message: "3 rows written", log: ["3 rows written"] });
    await site.jobHistory.write(rec, `${rec.id}.csv`);
    const ctx = await loggedIn(browser, base, "admin", { viewport: { width: 1366, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${base}/admin/jobs/${rec.id}/`);
    expect(await page.locator("#job-download-gone").innerText()).toBe("This export file has been deleted.");
    expect(await page.locator("#job-download").count()).toBe(0);
    await shots(page, "job-export-deleted");
    await ctx.close();
  });
});
