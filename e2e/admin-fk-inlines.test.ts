// The order form's customer autocomplete and items inline against the real demo server, in
// Chromium: type into the customer field, pick with the keyboard, pick a new item's product in
// its row's search box (inline autocomplete), add an item row, delete
// another, save; then the database and the history. Screenshots of the form at 1366×900 and
// 390×844 (docs/screenshots/order-form-inline-*.png).
// Every wait is a condition (Playwright auto-waiting, waitForURL, waitForFunction).
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

describe("order form: customer autocomplete and items inline", () => {
  it("picks the customer with the keyboard, adds and deletes items, saves once, and the database and history agree", async () => {
    type Item = { id: number; product_id: number; quantity: number };
    // an order with two or three items, and a customer it does not belong to
    const [order] = query<{ id: number; customer_id: number }>(
      "SELECT o.id, o.customer_id FROM orders o WHERE (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) BETWEEN 2 AND 3 ORDER BY o.id LIMIT 1",
    );
    // found by its e-mail (unique; names repeat), shown by its name
    const [target] = query<{ id: number; name: string; email: string }>("SELECT id, name, email FROM customers WHERE id <> ? ORDER BY id LIMIT 1 OFFSET 17", order.customer_id);
    const items = query<Item>("SELECT id, product_id, quantity FROM order_items WHERE order_id = ? ORDER BY id", order.id);
    const [product] = query<{ id: number; name: string; sku: string }>("SELECT id, name, sku FROM products ORDER BY id LIMIT 1");

    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin");
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 1366, height: 900 });
    const frames = recordFrames(page);
    await page.goto(`${e2e.demo.url}/admin/shop/order/${order.id}/change/`);
    await joined(frames);

    // the customer: its name, not its id
    const combo = page.getByRole("combobox", { name: "Customer" });
    expect(await combo.inputValue()).not.toMatch(/^\d+$/);
    await combo.fill("");
    await combo.pressSequentially(target.email, { delay: 20 });
    const list = page.getByRole("listbox", { name: "Customer" });
    await list.getByRole("option", { name: target.name, exact: true }).first().waitFor();
    expect(await combo.getAttribute("aria-expanded")).toBe("true");
    await page.screenshot({ animations: "disabled", path: `${SHOTS}order-form-autocomplete-1366.png` });
    await page.waitForFunction(() => document.querySelectorAll('[role="option"]').length === 1);
    // ↓ highlights it (aria-activedescendant), Enter picks it
    await page.keyboard.press("ArrowDown");
    await page.waitForFunction(() => document.querySelector('[role="option"][aria-selected="true"]') !== null && document.querySelector('[role="combobox"]')?.getAttribute("aria-activedescendant") === "id_customerId_opt0");
    await page.keyboard.press("Enter");
    await page.waitForFunction((id) => (document.querySelector('input[type="hidden"][name="customerId"]') as HTMLInputElement | null)?.value === String(id), target.id);
    const picked = page.getByRole("combobox", { name: "Customer" });
    expect(await picked.inputValue()).toBe(target.name);
    expect(await picked.getAttribute("aria-expanded")).toBe("false");
    // the fresh input has the focus back
    await page.waitForFunction(() => document.activeElement?.getAttribute("role") === "combobox");

    // items: fill the blank row, add another (left blank: ignored), delete the second stored item
    const n = items.length;
    // the product (2,000 of them: past the select's 200) is a search box in the row too: found by its SKU, clicked
    const productBox = page.getByRole("combobox", { name: "Product" }).nth(n);
    await productBox.pressSequentially(product.sku, { delay: 20 });
    const productOption = page.locator(`#id_orderitem-${n}-productId_listbox`).getByRole("option", { name: product.name, exact: true });
    await productOption.waitFor();
    await page.locator("#inline-orderitem").evaluate((el) => el.scrollIntoView({ block: "center" }));
    await page.screenshot({ animations: "disabled", path: `${SHOTS}order-form-inline-autocomplete-1366.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator(`[name="orderitem-${n}-productId__search"]`).evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 200));
    await productOption.waitFor();
    await page.screenshot({ animations: "disabled", path: `${SHOTS}order-form-inline-autocomplete-390.png` });
    await page.setViewportSize({ width: 1366, height: 900 });
    await productOption.click();
    await page.waitForFunction(([name, id]) => (document.querySelector(`input[type="hidden"][name="${name}"]`) as HTMLInputElement | null)?.value === id, [`orderitem-${n}-productId`, String(product.id)] as const);
    await page.locator(`[name="orderitem-${n}-quantity"]`).fill("3");
    await page.locator(`[name="orderitem-${n}-unitPriceCents"]`).fill("4.50");
    await page.getByRole("button", { name: "+ Add another order item" }).click();
    await page.locator(`[name="orderitem-${n + 1}-quantity"]`).waitFor();
    await page.getByRole("checkbox", { name: `Delete Order item ${items[1].id}` }).check();
    await page.locator("#inline-orderitem").evaluate((el) => el.scrollIntoView({ block: "center" }));
    await page.screenshot({ animations: "disabled", path: `${SHOTS}order-form-inline-1366.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator("#inline-orderitem").evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 60));
    // the rows are cards that fit the phone: nothing wider than the viewport
    const wide = await page.evaluate(() => [...document.querySelectorAll("#inline-orderitem *")].filter((e) => e.getBoundingClientRect().right > 391).map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`).slice(0, 5));
    expect(wide).toEqual([]);
    await page.screenshot({ animations: "disabled", path: `${SHOTS}order-form-inline-390.png` });
    await page.setViewportSize({ width: 1366, height: 900 });

    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL((u) => u.pathname === "/admin/shop/order/" && u.searchParams.get("saved") === String(order.id));

    // the database: the customer, the new item, the deleted one gone, the others untouched
    expect(query<{ customer_id: number }>("SELECT customer_id FROM orders WHERE id = ?", order.id)[0].customer_id).toBe(target.id);
    const after = query<Item & { unit_price_cents: number }>("SELECT id, product_id, quantity, unit_price_cents FROM order_items WHERE order_id = ? ORDER BY id", order.id);
    expect(after.map((i) => i.id)).toEqual([...items.filter((i) => i.id !== items[1].id).map((i) => i.id), after.at(-1)!.id]);
    expect(after.at(-1)).toMatchObject({ product_id: product.id, quantity: 3, unit_price_cents: 450 });
    // audited: the order's change, the item added, the item deleted
    const audit = query<{ model: string; action: string; object_id: string }>("SELECT model, action, object_id FROM weft_audit_log WHERE (model = 'shop.order' AND object_id = ?) OR (model = 'shop.orderitem' AND object_id IN (?, ?)) ORDER BY id", String(order.id), String(items[1].id), String(after.at(-1)!.id));
    expect(audit.map((a) => `${a.model} ${a.action} ${a.object_id}`)).toEqual([`shop.order change ${order.id}`, `shop.orderitem delete ${items[1].id}`, `shop.orderitem add ${after.at(-1)!.id}`]);

    // the history page of the order shows the customer change
    await page.goto(`${e2e.demo.url}/admin/shop/order/${order.id}/history/`);
    const row = page.locator("table.cf-history tbody tr").first();
    await expect(row.innerText()).resolves.toContain("Customer");
    await ctx.close();
  });
});
