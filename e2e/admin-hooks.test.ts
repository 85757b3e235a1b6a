// The demo's ModelAdmin hooks (examples/admin-demo/src/admin.ts) in Chromium: an order marked
// refunded through its change form gets a read-only status (getReadonlyFields), its total can no
// longer change (clean: shown while typing and on save, nothing written), and the save that
// refunded it stamped updatedAt (saveModel, audited in the history).
// Every wait is a condition (Playwright auto-waiting, waitForFunction).
import { describe, expect, it } from "vitest";
import { useDemo } from "./support/demo.js";
import { loggedIn } from "./support/admin.js";
import { recordFrames } from "./support/browser.js";
import { joined } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });

describe("form hooks", () => {
  it("refunding an order makes its status read-only and its total unchangeable", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin");
    const page = await ctx.newPage();
    const path = "/admin/shop/order/120/change/";
    let frames = recordFrames(page);
    expect((await page.goto(e2e.demo.url + path))?.status()).toBe(200);
    await joined(frames);
    await page.getByLabel("Status").selectOption("refunded");
    await page.getByRole("button", { name: "Save and continue editing" }).click();
    await expect(page.locator(".flash-success").innerText()).resolves.toContain("was changed successfully");
    // getReadonlyFields: the status is text now
    await page.waitForFunction(() => !document.querySelector('select[name="status"]'));
    const total = page.getByLabel("Total");
    const stored = await total.inputValue();
    // clean, live: the error appears while typing
    await total.fill((Number(stored) + 1).toFixed(2));
    await page.waitForFunction(() => document.querySelector("#id_totalCents_errors")?.textContent === "A refunded order's total cannot change.");
    // and on save: refused, nothing written
    await page.getByRole("button", { name: "Save and continue editing" }).click();
    await page.waitForFunction(() => document.querySelector(".cf-form-error") !== null);
    frames = recordFrames(page);
    await page.goto(e2e.demo.url + path);
    await joined(frames);
    expect(await page.getByLabel("Total").inputValue()).toBe(stored);
    // saveModel stamped updatedAt in the refund's audit entry
    await page.getByRole("link", { name: "History", exact: true }).click();
    await page.waitForURL((u) => u.pathname === "/admin/shop/order/120/history/");
    const change = await page.locator("table.cf-history tbody tr").first().innerText();
    expect(change).toMatch(/Status: \w+ → refunded/);
    expect(change).toMatch(/Updated at/);
    await ctx.close();
  });
});
