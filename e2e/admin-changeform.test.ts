// The admin's change form against the real demo server (seeded shop database), in Chromium:
// live validation while typing, saving with the success message, the history with before → after,
// delete with its confirmation page, a view-only user's read-only form, and the submit lock (a
// double click on Save creates one object).
// Every wait is a condition (Playwright auto-waiting, waitForURL, waitForFunction).
import { describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { useDemo } from "./support/demo.js";
import { loggedIn, pickRelated } from "./support/admin.js";
import { recordFrames, type Frame } from "./support/browser.js";
import { joined } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });

/** A fresh browser context logged in through the login form as `username` (password = username). */
const loginAs = (username: string) => loggedIn(e2e.browser, e2e.demo.url, username);

/** Opens `path` in a new page of `ctx`, recording socket frames; waits for the view to join. */
async function open(ctx: BrowserContext, path: string): Promise<{ page: Page; frames: Frame[] }> {
  const page = await ctx.newPage();
  const frames = recordFrames(page);
  const res = await page.goto(e2e.demo.url + path);
  expect(res?.status(), path).toBe(200);
  await joined(frames);
  return { page, frames };
}

const errorsOf = (page: Page, field: string) => page.locator(`#id_${field}_errors`);

/** "822.45" → "€822.45", as the admin shows euros (the demo's `fieldTypes` money, site currency EUR, en-GB). */
const euros = (amount: string) => new Intl.NumberFormat("en-GB", { style: "currency", currency: "EUR" }).format(Number(amount));

describe("change form", () => {
  it("edits the total in euros: an error while typing an invalid one, saves the fixed value as cents, and the history shows € before → after", async () => {
    const ctx = await loginAs("admin");
    // not order 100: the seed refunded it, and the demo's `clean` keeps a refunded order's total (admin-hooks.test.ts)
    const { page } = await open(ctx, "/admin/shop/order/103/change/");
    await expect(page.locator("h1").innerText()).resolves.toBe("Change order");
    const number = await page.locator(".cf-repr").innerText();
    expect(number).toMatch(/^ORD-\d{6}$/);
    const total = page.getByLabel("Total");
    // money in cents is edited as euros with two decimals ("822.45"), the currency beside it
    const before = await total.inputValue();
    expect(before).toMatch(/^\d+\.\d\d$/);
    await expect(page.locator("#id_totalCents_hint").innerText()).resolves.toBe("€");
    const fixed = (Number(before) + 12.34).toFixed(2);

    // invalid: a negative total (the table's CHECK, in euros), shown under the input while typing
    await total.fill("-5");
    await expect(errorsOf(page, "totalCents").innerText()).resolves.toBe("Ensure this value is greater than or equal to 0.00.");
    expect(await total.getAttribute("aria-invalid")).toBe("true");
    // invalid: more than 2 decimals
    await total.fill("12.345");
    await page.waitForFunction(() => document.querySelector("#id_totalCents_errors")?.textContent === "Enter an amount with at most 2 decimal places.");
    // a required field emptied
    await page.getByLabel("Currency").fill("");
    await page.waitForFunction(() => document.querySelector("#id_currency_errors")?.textContent === "This field is required.");

    // fixed: the errors go away while typing
    await page.getByLabel("Currency").fill("EUR");
    await total.fill(fixed);
    await page.waitForFunction(() => !document.querySelector("#changeform .errorlist"));

    await page.getByRole("button", { name: "Save and continue editing" }).click();
    const flash = page.locator(".flash-success");
    await expect(flash.innerText()).resolves.toContain(`The order “${number}” was changed successfully.`);
    expect(await total.inputValue()).toBe(fixed);

    // the history, linked from the form
    await page.getByRole("link", { name: "History", exact: true }).click();
    await page.waitForURL((u) => u.pathname === "/admin/shop/order/103/history/");
    const row = page.locator("table.cf-history tbody tr").first();
    await expect(row.innerText()).resolves.toContain("admin");
    await expect(row.locator(".cf-action-change").innerText()).resolves.toBe("Changed");
    const change = await row.locator(".cf-change-list li").filter({ hasText: "Total" }).innerText();
    expect(change.replace(/\s+/g, " ")).toBe(`Total: ${euros(before)} → ${euros(fixed)}`);

    // the change list shows the stored cents as the same euros
    const list = await open(ctx, `/admin/shop/order/?q=${number}`);
    const cell = list.page.locator("table tbody tr", { hasText: number }).locator("td.num").filter({ hasText: "€" });
    await expect(cell.innerText()).resolves.toBe(euros(fixed));
    const header = (await list.page.locator("#result-list thead").textContent()) ?? "";
    expect(header).toContain("Total");
    expect(header).not.toContain("cents");
    await list.page.close();
    await page.close();
  });

  it("Save goes to the change list; an invalid save is refused with the errors", async () => {
    const ctx = await loginAs("admin");
    const { page } = await open(ctx, "/admin/shop/order/101/change/");
    const note = page.getByLabel("Note");
    await page.getByLabel("Total").fill("");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect(page.locator(".cf-form-error").innerText()).resolves.toContain("Please correct the error");
    await expect(errorsOf(page, "totalCents").innerText()).resolves.toBe("This field is required.");
    await page.getByLabel("Total").fill("42.5");
    await note.fill("Customer asked for a gift wrap");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL((u) => u.pathname === "/admin/shop/order/" && u.searchParams.get("saved") === "101");
    // the change list says what was saved (as Django's "The order … was changed successfully.")
    await page.locator(".flash-success").filter({ hasText: "was changed successfully" }).waitFor();
    // the stored values, on a fresh load
    const again = await open(ctx, "/admin/shop/order/101/change/");
    expect(await again.page.getByLabel("Total").inputValue()).toBe("42.50");
    expect(await again.page.getByLabel("Note").inputValue()).toBe("Customer asked for a gift wrap");
    await page.close();
    await again.page.close();
  });

  it("deletes an order after the confirmation page, and it is gone", async () => {
    const ctx = await loginAs("admin");
    const { page, frames } = await open(ctx, "/admin/shop/order/102/change/");
    const number = await page.locator(".cf-repr").innerText();
    await page.getByRole("link", { name: "Delete" }).click();
    await page.waitForURL((u) => u.pathname === "/admin/shop/order/102/delete/");
    await expect(page.locator(".cf-delete-card").innerText()).resolves.toContain(`Are you sure you want to delete the order “${number}”?`);
    // "No, take me back" goes back without deleting
    await page.getByRole("link", { name: "No, take me back" }).click();
    await page.waitForURL((u) => u.pathname === "/admin/shop/order/102/change/");
    const seen = frames.length;
    await page.getByRole("link", { name: "Delete" }).click();
    await page.waitForURL((u) => u.pathname === "/admin/shop/order/102/delete/");
    await joined(frames, 1, seen); // the confirm button sends an event: wait for the socket
    await page.getByRole("button", { name: "Yes, I'm sure" }).click();
    await page.waitForURL((u) => u.pathname === "/admin/shop/order/" && u.searchParams.get("deleted") === "102");
    const gone = await page.goto(`${e2e.demo.url}/admin/shop/order/102/change/`);
    expect(gone?.status()).toBe(404);
    // its history outlives it
    const history = await open(ctx, "/admin/shop/order/102/history/");
    await expect(history.page.locator("h1").innerText()).resolves.toBe(`History: ${number}`);
    await expect(history.page.locator(".cf-action-delete").first().innerText()).resolves.toBe("Deleted");
    // and the user's timeline lists it
    await history.page.locator(".user-menu summary").click();
    await history.page.getByRole("link", { name: "My actions" }).click();
    await history.page.waitForURL((u) => /^\/admin\/history\/user\/\d+\/$/.test(u.pathname));
    await expect(history.page.locator("table.cf-timeline").innerText()).resolves.toContain(number);
    await page.close();
    await history.page.close();
  });
});

describe("submit lock", () => {
  it("a real double click on Save in the add form creates ONE object", async () => {
    const ctx = await loginAs("admin");
    const { page, frames } = await open(ctx, "/admin/support/ticket/add/");
    const subject = `Double click ${Date.now()}`;
    await page.getByLabel("Subject").fill(subject);
    await pickRelated(page, "customerId", "a");
    const from = frames.length;
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith("/add/")), page.locator('button[name="_save"]').dblclick()]);
    // one save event left the page, whatever the double click did
    const saves = frames.slice(from).filter((f) => f.dir === "sent" && Array.isArray(f.data) && f.data[0] === "e" && f.data[3] === "save");
    expect(saves).toHaveLength(1);
    // and one ticket exists, on a fresh load of the change list searching for it
    const list = await open(ctx, `/admin/support/ticket/?q=${encodeURIComponent(subject)}`);
    expect(await list.page.locator("#result-list tbody tr").count()).toBe(1);
    await page.close();
    await list.page.close();
  });
});

describe("view-only user", () => {
  it("sees the order read-only, with no save button, no inputs and no delete", async () => {
    const ctx = await loginAs("viewer");
    const { page } = await open(ctx, "/admin/shop/order/103/change/");
    await expect(page.locator("h1").innerText()).resolves.toBe("View order");
    expect(await page.locator("main form").count()).toBe(0);
    expect(await page.getByRole("button", { name: /Save/ }).count()).toBe(0);
    expect(await page.locator("main input, main select, main textarea").count()).toBe(0);
    expect(await page.getByRole("link", { name: "Delete" }).count()).toBe(0);
    await expect(page.locator(".cf-row[data-field=totalCents] .cf-readonly-value").innerText()).resolves.toMatch(/^€[\d,]+\.\d\d$/);
    const add = await page.goto(`${e2e.demo.url}/admin/shop/order/add/`);
    expect(add?.status()).toBe(403);
    await page.close();
  });
});
