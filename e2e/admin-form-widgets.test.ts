// A formfieldOverrides widget in Chromium on the demo: the ticket's priority as radio buttons
// (`formfieldOverrides: { priority: { widget: "radio" } }`), picked and saved; screenshots of
// the ticket form at 1366×900 and 390×844 (docs/screenshots/ticket-form-widgets-*.png).
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { useDemo } from "./support/demo.js";
import { loggedIn } from "./support/admin.js";
import { recordFrames } from "./support/browser.js";
import { joined } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });
const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));

describe("ticket form: radio buttons from formfieldOverrides", () => {
  it("shows the priority as radio buttons, saves the one picked", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin");
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 1366, height: 900 });
    const frames = recordFrames(page);
    await page.goto(`${e2e.demo.url}/admin/support/ticket/1/change/`);
    await joined(frames);
    const group = page.getByRole("radiogroup", { name: "Priority" });
    expect(await group.getByRole("radio").count()).toBe(3);
    const current = await group.locator("input:checked").getAttribute("value");
    const other = current === "high" ? "low" : "high";
    // the enum's values read in words, as the select showed them
    await group.getByRole("radio", { name: other === "high" ? "High" : "Low", exact: true }).check();
    await page.screenshot({ animations: "disabled", path: `${SHOTS}ticket-form-widgets-1366.png` });
    await page.getByRole("button", { name: "Save and continue editing" }).click();
    await page.getByText("was changed successfully").waitFor();
    expect(await page.getByRole("radiogroup", { name: "Priority" }).locator("input:checked").getAttribute("value")).toBe(other);
    await ctx.close();

    // a phone: the buttons wrap, nothing wider than the screen
    const phone = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p2 = await phone.newPage();
    const f2 = recordFrames(p2);
    await p2.goto(`${e2e.demo.url}/admin/support/ticket/1/change/`);
    await joined(f2);
    await p2.getByRole("radiogroup", { name: "Priority" }).scrollIntoViewIfNeeded();
    expect(await p2.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await p2.screenshot({ animations: "disabled", path: `${SHOTS}ticket-form-widgets-390.png` });
    await phone.close();
  }, 120_000);
});
