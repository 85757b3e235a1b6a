// CSV export and import in real Chromium against the real demo (400,000 orders): export a
// filtered, picked set of orders and download the file from the job page; import a products
// CSV (upload, mapping, dry run with a refused row, the import job). Screenshots of the
// mapping page at 1366×900 and 390×844 go to docs/screenshots/import-mapping-*.png.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../packages/admin/src/jobs/csv/format.js";
import { loggedIn, rowPks, selectRows } from "./support/admin.js";
import { useDemo } from "./support/demo.js";
import { joined, openLive } from "./support/live.js";

const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const e2e = useDemo({ simulateMs: 0 });

describe("CSV export and import", () => {
  it("exports picked orders of a filtered list and downloads the file from the job page", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin", { acceptDownloads: true });
    const { page, frames } = await openLive(ctx, `${e2e.demo.url}/admin/shop/order/?status__exact=shipped`);
    const pks = (await rowPks(page)).slice(0, 3);
    await selectRows(page, frames, pks);
    await page.selectOption('select[name="action"]', "export_csv");
    const from = frames.length;
    // no confirmation: the export changes nothing
    await Promise.all([page.waitForURL(/\/admin\/jobs\/[A-Za-z0-9_-]{22,64}\/$/), page.click("button.cl-go")]);
    await joined(frames, 1, from);
    const link = page.locator("#job-download");
    await link.waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^shop-order-.*\.csv$/);
    const rows = parseCsv(readFileSync((await download.path())!, "utf8"));
    expect(rows.length).toBe(4);
    expect(rows.slice(1).every((r) => r.includes("shipped"))).toBe(true);
    await ctx.close();
  });

  it("imports a products CSV: mapping, dry run with the refused row, then the job", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin");
    const { page } = await openLive(ctx, `${e2e.demo.url}/admin/inventory/product/`);
    await Promise.all([page.waitForURL(/\/import\/$/), page.getByRole("link", { name: "Import CSV" }).click()]);
    const stamp = Date.now().toString(36).toUpperCase();
    const csv = ["SKU,Name,Category,Price,Stock", `E2E-${stamp}-1,Desk lamp,Home,24.90,5`, `E2E-${stamp}-2,,Home,3.00,1`, `E2E-${stamp}-3,Reading chair,Home,149.00,2`].join("\r\n");
    await page.setInputFiles("#import-file", { name: "products.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.waitForFunction(() => document.querySelector(".imp-entry progress")?.getAttribute("value") === "100", null, { polling: 50, timeout: 30_000 });
    await page.getByRole("button", { name: "Read file" }).click();
    await page.locator("#import-map").waitFor();
    // auto-matched by label
    expect(await page.locator("#col_0").inputValue()).toBe("sku");
    expect(await page.locator("#col_3").inputValue()).toBe("priceCents");
    for (const [w, h, size] of [[1366, 900, "1366x900"], [390, 844, "390x844"]] as const) {
      await page.setViewportSize({ width: w, height: h });
      // the shell's sidebar slides away below its breakpoint: wait for it to settle
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running"), null, { polling: 50 });
      await page.waitForTimeout(400); // CSS transitions without running animations (layout settle); a screenshot only
      await page.screenshot({ animations: "disabled", path: `${SHOTS}import-mapping-${size}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.locator("#import-check").click();
    await page.locator("#import-summary").waitFor();
    expect(await page.locator("#import-summary").innerText()).toContain("2 to add");
    expect(await page.locator("#import-errors").innerText()).toMatch(/3\s+Name: This field is required\./);
    page.once("dialog", (d) => void d.accept());
    await Promise.all([page.waitForURL(/\/admin\/jobs\/[A-Za-z0-9_-]{22,64}\/$/), page.locator("#import-run").click()]);
    await page.waitForFunction(() => document.querySelector("#job-status")?.textContent?.trim() === "done", null, { polling: 100, timeout: 60_000 });
    expect(await page.locator("#job-message").innerText()).toBe("2 added, 0 changed, 0 failed");
    const list = await openLive(ctx, `${e2e.demo.url}/admin/inventory/product/?q=E2E-${stamp}`);
    expect(await list.page.locator("tbody tr").count()).toBe(2);
    await ctx.close();
  });
});
