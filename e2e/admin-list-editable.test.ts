// The demo's orders list with `listEditable: ["status", "customer"]` in Chromium: change the status of two
// rows in their selects (the list marks them unsaved), Save once under the table, and the
// database holds both statuses with one "change" audit entry each. A view-only user sees plain
// cells. Screenshots of the list with unsaved edits at 1366×900 and 390×844
// (docs/screenshots/orders-list-editable-*.png). A customer is picked in a row's search box and
// saved (docs/screenshots/orders-list-editable-customer-*.png). Every wait is a condition.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loggedIn, rowPks } from "./support/admin.js";
import { useDemo } from "./support/demo.js";
import { queryDemo } from "./support/demo-db.js";
import { eventAndReply, openLive } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });
const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const LIST = "/admin/shop/order/?status__exact=pending";

const query = <T>(sql: string, ...args: unknown[]): T[] => queryDemo<T>(e2e.demo.dbFile, sql, ...args);

describe("listEditable on the orders list", () => {
  it("edits two statuses in the list and saves them at once: the database and the audit log agree", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport: { width: 1366, height: 900 } });
    const { page, frames } = await openLive(ctx, e2e.demo.url + LIST);
    const [a, b] = (await rowPks(page)).slice(0, 2);
    expect(a && b).toBeTruthy();
    const before = query<{ n: number }>("select count(*) n from weft_audit_log where model = 'shop.order' and object_id in (?, ?)", a, b)[0]!.n;
    const select = (pk: string) => page.locator(`#result-list tr[data-pk="${pk}"] select`);
    expect(await select(a!).inputValue()).toBe("pending");

    let from = frames.length;
    await select(a!).selectOption("paid");
    await eventAndReply(frames, "list_edit", from);
    from = frames.length;
    await select(b!).selectOption("shipped");
    await eventAndReply(frames, "list_edit", from);
    await page.locator(".cl-dirty-count", { hasText: "2 unsaved rows" }).waitFor();
    expect(await page.locator("tr.cl-dirty").count()).toBe(2);
    // nothing is written before Save
    expect(query<{ status: string }>("select status from orders where id = ?", a)[0]!.status).toBe("pending");

    mkdirSync(SHOTS, { recursive: true });
    for (const [w, h, size] of [[1366, 900, "1366"], [390, 844, "390"]] as const) {
      await page.setViewportSize({ width: w, height: h });
      // on a phone the widgets above the table fill the first screen: the table at the top
      await page.evaluate((phone) => window.scrollTo(0, phone ? document.querySelector("#cl-actions")!.getBoundingClientRect().top + window.scrollY - 64 : 0), w < 600);
      await page.waitForFunction(() => document.getAnimations().every((an) => an.playState !== "running"), null, { polling: 50 });
      await page.waitForTimeout(400); // CSS transitions without running animations (layout settle); a screenshot only
      // the inputs fit their cells: no horizontal overflow of the page
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `no overflow at ${w}px`).toBe(true);
      await page.screenshot({ animations: "disabled", path: `${SHOTS}orders-list-editable-${size}.png`, fullPage: false });
    }
    await page.setViewportSize({ width: 1366, height: 900 });

    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.locator(".flash-success", { hasText: "2 orders were changed successfully." }).waitFor();
    expect(query<{ id: number; status: string }>("select id, status from orders where id in (?, ?) order by id", a, b)).toEqual(
      [
        { id: Number(a), status: "paid" },
        { id: Number(b), status: "shipped" },
      ].sort((x, y) => x.id - y.id),
    );
    const entries = query<{ object_id: string; action: string; changes: string }>("select object_id, action, changes from weft_audit_log where model = 'shop.order' and object_id in (?, ?) order by id desc limit 2", a, b);
    expect(query<{ n: number }>("select count(*) n from weft_audit_log where model = 'shop.order' and object_id in (?, ?)", a, b)[0]!.n).toBe(before + 2);
    expect(entries.map((e) => e.action)).toEqual(["change", "change"]);
    const statusOf = (pk: string) => (JSON.parse(entries.find((e) => e.object_id === pk)!.changes) as { status: [string, string] }).status;
    expect(statusOf(a!)).toEqual(["pending", "paid"]);
    expect(statusOf(b!)).toEqual(["pending", "shipped"]);
    expect(await page.locator(".cl-dirty-count").count()).toBe(0);
    await ctx.close();
  });

  it("picks a customer in an order's row with the search box (listEditable foreign key), saves, and the database and audit log hold it", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport: { width: 1366, height: 900 } });
    const { page, frames } = await openLive(ctx, e2e.demo.url + LIST);
    const pk = (await rowPks(page))[2]!;
    const [order] = query<{ number: string; customer_id: number }>("select number, customer_id from orders where id = ?", pk);
    // found by its e-mail (unique; names repeat), shown by its name
    const [target] = query<{ id: number; name: string; email: string }>("select id, name, email from customers where id <> ? order by id limit 1 offset 23", order!.customer_id);
    const combo = page.getByRole("combobox", { name: `Customer of ${order!.number}` });
    const hidden = page.locator(`#result-list tr[data-pk="${pk}"] input[type=hidden][name$="-customerId"]`);
    expect(await hidden.inputValue()).toBe(String(order!.customer_id));
    // the box shows the customer's name, not its id
    expect(await combo.inputValue()).not.toMatch(/^\d+$/);
    await combo.fill("");
    await combo.pressSequentially(target!.email, { delay: 20 });
    const option = page.getByRole("listbox", { name: `Customer of ${order!.number}` }).getByRole("option", { name: target!.name, exact: true });
    await option.first().waitFor();
    expect(await combo.getAttribute("aria-expanded")).toBe("true");
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ animations: "disabled", path: `${SHOTS}orders-list-editable-customer-1366.png` });
    const from = frames.length;
    await option.first().click();
    await eventAndReply(frames, "list_ac_pick", from);
    await page.waitForFunction(([pk, id]) => (document.querySelector(`#result-list tr[data-pk="${pk}"] input[type=hidden][name$="-customerId"]`) as HTMLInputElement | null)?.value === id, [pk, String(target!.id)] as const);
    expect(await page.getByRole("combobox", { name: `Customer of ${order!.number}` }).inputValue()).toBe(target!.name);
    await page.locator(".cl-dirty-count", { hasText: "1 unsaved row" }).waitFor();
    // nothing is written before Save
    expect(query<{ customer_id: number }>("select customer_id from orders where id = ?", pk)[0]!.customer_id).toBe(order!.customer_id);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator(`#result-list tr[data-pk="${pk}"]`).evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 80));
    // the sidebar slides off-canvas at this width: wait for it, then the layout settle (a screenshot only)
    await page.waitForFunction(() => document.getAnimations().every((an) => an.playState !== "running"), null, { polling: 50 });
    await page.waitForTimeout(400);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), "no overflow at 390px").toBe(true);
    await page.screenshot({ animations: "disabled", path: `${SHOTS}orders-list-editable-customer-390.png` });
    await page.setViewportSize({ width: 1366, height: 900 });

    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.locator(".flash-success", { hasText: "1 order was changed successfully." }).waitFor();
    expect(query<{ customer_id: number }>("select customer_id from orders where id = ?", pk)[0]!.customer_id).toBe(target!.id);
    const [entry] = query<{ action: string; changes: string }>("select action, changes from weft_audit_log where model = 'shop.order' and object_id = ? order by id desc limit 1", pk);
    expect(entry!.action).toBe("change");
    expect(JSON.parse(entry!.changes).customerId).toEqual([order!.customer_id, target!.id]);
    await ctx.close();
  });

  it("a view-only user sees plain cells, no inputs and no Save", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "viewer");
    const { page } = await openLive(ctx, e2e.demo.url + LIST);
    await page.locator("#result-list tbody tr").first().waitFor();
    expect(await page.locator("#result-list select").count()).toBe(0);
    expect(await page.locator("form#cl-editable").count()).toBe(0);
    expect(await page.locator("#result-list .badge").count()).toBeGreaterThan(0);
    await ctx.close();
  });
});
