// The orders' "By customer" filter against the real demo (10,000 customers: past the 200 a
// list of links would show, so it searches as you type), in Chromium: type a customer's e-mail,
// ↓ and Enter pick it, the list is filtered with the status filter kept, × clears it; then the
// same without JavaScript (a GET form). Screenshots at 1366×900 and 390×844
// (docs/screenshots/orders-filter-autocomplete-*.png). Every wait is a condition.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { useDemo } from "./support/demo.js";
import { queryDemo } from "./support/demo-db.js";
import { loggedIn } from "./support/admin.js";
import { recordFrames } from "./support/browser.js";
import { joined } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });
const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));

const query = <T>(sql: string, ...args: unknown[]): T[] => queryDemo<T>(e2e.demo.dbFile, sql, ...args);

const countText = (n: number) => `${n.toLocaleString("en-US")} ${n === 1 ? "result" : "results"}`;

describe("orders filtered by customer: autocomplete in the list filter", () => {
  it("searches, picks with the keyboard, keeps the other filter, clears with ×; works without JavaScript", async () => {
    // a customer with several delivered orders, found by the e-mail (unique; names repeat)
    const [c] = query<{ id: number; name: string; email: string; n: number }>(
      "SELECT c.id, c.name, c.email, count(*) AS n FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.status = 'delivered' GROUP BY c.id HAVING count(*) >= 2 ORDER BY c.id LIMIT 1",
    );
    expect(c).toBeDefined();
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin");
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 1366, height: 900 });
    const frames = recordFrames(page);
    await page.goto(`${e2e.demo.url}/admin/shop/order/?status__exact=delivered`);
    await joined(frames);

    const box = page.getByRole("combobox", { name: "Search customers to filter by" });
    await box.pressSequentially(c.email, { delay: 20 });
    const list = page.getByRole("listbox", { name: "Customer" });
    await list.getByRole("option", { name: c.name, exact: true }).first().waitFor();
    expect(await box.getAttribute("aria-expanded")).toBe("true");
    await page.waitForFunction(() => document.querySelectorAll('#fac-customerId [role="option"]').length === 1);
    await page.keyboard.press("ArrowDown");
    await page.waitForFunction(() => document.querySelector('#fac-customerId [role="combobox"]')?.getAttribute("aria-activedescendant") === "fac_customerId_opt0");
    await page.screenshot({ animations: "disabled", path: `${SHOTS}orders-filter-autocomplete-typing-1366.png` });
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.searchParams.get("customerId__exact") === String(c.id) && u.searchParams.get("status__exact") === "delivered");
    await page.locator(".cl-filter-chosen", { hasText: c.name }).waitFor();
    await page.locator("#cl-count", { hasText: countText(c.n) }).waitFor();
    expect(await page.locator("#result-list tbody tr").count()).toBe(c.n);
    await page.screenshot({ animations: "disabled", path: `${SHOTS}orders-filter-autocomplete-1366.png` });

    // phone: the filters open from their button, the chosen customer and the box fit the screen
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator(".cl-filters-button").click();
    await page.locator(".cl-filter-chosen").scrollIntoViewIfNeeded();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ animations: "disabled", path: `${SHOTS}orders-filter-autocomplete-390.png` });
    await page.setViewportSize({ width: 1366, height: 900 });

    // × clears the customer, the status stays
    await page.getByRole("link", { name: "Clear the customer filter" }).click();
    await page.waitForURL((u) => !u.searchParams.has("customerId__exact") && u.searchParams.get("status__exact") === "delivered");
    await page.locator(".cl-filter-chosen").waitFor({ state: "detached" });
    await ctx.close();

    // without JavaScript: the box is a GET form; the e-mail names one customer
    const plain = await loggedIn(e2e.browser, e2e.demo.url, "admin", { javaScriptEnabled: false });
    const p2 = await plain.newPage();
    await p2.setViewportSize({ width: 1366, height: 900 });
    await p2.goto(`${e2e.demo.url}/admin/shop/order/?status__exact=delivered`);
    await p2.getByRole("combobox", { name: "Search customers to filter by" }).fill(c.email);
    await Promise.all([p2.waitForURL((u) => u.searchParams.get("customerId__search") === c.email), p2.getByRole("button", { name: "Filter", exact: true }).click()]);
    await p2.locator(".cl-filter-chosen", { hasText: c.name }).waitFor();
    expect(await p2.locator("#cl-count").textContent()).toContain(countText(c.n));
    // text naming nobody: a clear message, the list unfiltered on customer
    await p2.getByRole("combobox", { name: "Search customers to filter by" }).fill("zz-no-such-customer-zz");
    await Promise.all([p2.waitForURL((u) => u.searchParams.get("customerId__search") === "zz-no-such-customer-zz"), p2.getByRole("button", { name: "Filter", exact: true }).click()]);
    expect(await p2.getByRole("alert").filter({ hasText: "No customers match" }).textContent()).toContain("“zz-no-such-customer-zz”");
    await plain.close();
  }, 180_000);
});
