// The admin's change list of orders in real Chromium against the real demo (400k seeded
// orders): debounced search, click-to-sort by a related column, the status filter and the
// pager all follow the URL; Back and reload restore the state; row selection and "delete
// selected" with its in-page confirmation; a view-only user gets no actions; and phone-sized
// screenshots (rows as cards) (e2e/screenshots/, gitignored). Waits are condition polls.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loggedIn, selectRows, type ContextOptions } from "./support/admin.js";
import { historyGo, recordFrames } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { joined, openLive } from "./support/live.js";

const SHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));
const LIST = "/admin/shop/order/";

const e2e = useDemo({ simulateMs: 0 });

/** A browser context (its own session) logged in through the login form. */
const loginAs = (username: string, opts?: ContextOptions) => loggedIn(e2e.browser, e2e.demo.url, username, opts);

const open = (ctx: BrowserContext, path = LIST) => openLive(ctx, e2e.demo.url + path);

interface Row {
  pk: string;
  number: string;
  customer: string;
  status: string;
}

/** The visible rows (the admin's columns: number, customer, status, total, placed). */
function rows(page: Page): Promise<Row[]> {
  return page.$$eval("#result-list tbody tr", (trs) =>
    trs.map((tr) => {
      // the status is a select and the customer a search box for users who may change orders (listEditable): their values
      const cells = [...tr.querySelectorAll("td:not(.cl-check)")].map((td) => td.querySelector("select")?.value ?? td.querySelector<HTMLInputElement>("input[role=combobox]")?.value ?? td.textContent!.trim());
      return { pk: tr.getAttribute("data-pk")!, number: cells[0]!, customer: cells[1]!, status: cells[2]! };
    }),
  );
}

/** Waits until the rows' pks differ from (or equal) `pks`. */
function waitForRows(page: Page, pks: string[], equal: boolean): Promise<unknown> {
  return page.waitForFunction(
    ([pks, equal]) => {
      const now = [...document.querySelectorAll("#result-list tbody tr")].map((tr) => tr.getAttribute("data-pk"));
      return (JSON.stringify(now) === JSON.stringify(pks)) === equal;
    },
    [pks, equal] as const,
  );
}

const search = (page: Page) => page.getByRole("searchbox", { name: "Search orders" });
const countText = (page: Page) => page.locator("#cl-count").innerText();
const pks = async (page: Page) => (await rows(page)).map((r) => r.pk);
const sortedBy = (list: string[]) => list.every((v, i) => i === 0 || list[i - 1]! <= v);

describe("the orders change list", () => {
  it("search, sort by customer, page, filter by status: the URL follows; Back and reload restore", async () => {
    const ctx = await loginAs("admin");
    const { page } = await open(ctx);
    // the demo's 400,000 orders are past its estimateTotalAbove: the engine's estimate
    expect(await countText(page)).toMatch(/^about [\d,]{7,} orders$/);
    const start = await pks(page);
    expect(start).toHaveLength(50);

    // search, typed in two bursts: one history entry, the URL follows
    await search(page).click();
    await search(page).pressSequentially("ORD-39");
    await page.waitForURL((u) => u.searchParams.get("q") === "ORD-39");
    await search(page).pressSequentially("99");
    await page.waitForURL((u) => u.searchParams.get("q") === "ORD-3999");
    await page.waitForFunction(() => document.querySelector("#cl-count")?.textContent?.startsWith("100 results"));
    const found = await rows(page);
    expect(found).toHaveLength(50);
    for (const r of found) expect(r.number).toMatch(/^ORD-3999\d\d$/);

    // sort by the related column: a header click, the URL follows
    await page.locator("th a.cl-sort", { hasText: "Customer" }).click();
    await page.waitForURL((u) => u.searchParams.get("q") === "ORD-3999" && u.searchParams.get("sort") === "customer,-createdAt");
    await waitForRows(page, found.map((r) => r.pk), false);
    const sorted1 = await rows(page);
    expect(sortedBy(sorted1.map((r) => r.customer))).toBe(true);
    expect(await page.locator('th[aria-sort="ascending"]').innerText()).toContain("CUSTOMER");

    // page 2
    await page.locator("a.pg-next").click();
    await page.waitForURL((u) => u.searchParams.get("p") === "2" && u.searchParams.get("sort") === "customer,-createdAt");
    await waitForRows(page, sorted1.map((r) => r.pk), false);
    const sorted2 = await rows(page);
    expect(sorted2).toHaveLength(50);
    expect(sortedBy([...sorted1, ...sorted2].map((r) => r.customer))).toBe(true);
    for (const r of sorted2) expect(sorted1.map((x) => x.pk)).not.toContain(r.pk);
    expect(await page.locator(".cl-page-of").innerText()).toBe("Page 2 of 2");

    // filter by status from the sidebar: page reset, search and sort kept
    await page.locator('.cl-filter[data-filter="status"] a', { hasText: "Paid" }).click();
    await page.waitForURL((u) => u.searchParams.get("status__exact") === "paid" && !u.searchParams.has("p") && u.searchParams.get("q") === "ORD-3999");
    // (the status is a select for the admin: listEditable)
    await page.waitForFunction(() => [...document.querySelectorAll("#result-list tbody tr")].every((tr) => (tr.querySelector("select")?.value ?? tr.textContent!).includes("paid")));
    const paid = await rows(page);
    expect(paid.length).toBeGreaterThan(0);
    for (const r of paid) expect(r.status).toBe("paid");
    expect(await countText(page)).toMatch(/^\d+ results? \(about [\d,]+ total\)$/);
    expect(await page.locator('.cl-filter[data-filter="status"] li.selected').innerText()).toBe("Paid");

    // Back: page 2 of the sorted search; Back again: page 1; again: the unsorted search
    // (each step waits for the URL and the rows it leads to, not for a navigation event)
    await historyGo(page, -1, (u) => u.searchParams.get("p") === "2" && !u.searchParams.has("status__exact"));
    await waitForRows(page, sorted2.map((r) => r.pk), true);
    await historyGo(page, -1, (u) => !u.searchParams.has("p") && u.searchParams.get("sort") === "customer,-createdAt");
    await waitForRows(page, sorted1.map((r) => r.pk), true);
    await historyGo(page, -1, (u) => u.searchParams.get("q") === "ORD-3999" && !u.searchParams.has("sort"));
    await waitForRows(page, found.map((r) => r.pk), true);
    // the search was one history entry: one more Back is the bare list
    await historyGo(page, -1, (u) => u.pathname === LIST && u.search === "");
    await waitForRows(page, start, true);
    expect(await search(page).inputValue()).toBe("");

    // Forward to the sorted page 2 and reload: the server renders the same state from the URL
    await historyGo(page, 1, (u) => u.searchParams.get("q") === "ORD-3999" && !u.searchParams.has("sort"));
    await historyGo(page, 1, (u) => !u.searchParams.has("p") && u.searchParams.get("sort") === "customer,-createdAt");
    await historyGo(page, 1, (u) => u.searchParams.get("p") === "2");
    await waitForRows(page, sorted2.map((r) => r.pk), true);
    const frames = recordFrames(page);
    await page.reload();
    expect(await pks(page)).toEqual(sorted2.map((r) => r.pk));
    expect(await search(page).inputValue()).toBe("ORD-3999");
    await joined(frames);
    expect(await pks(page)).toEqual(sorted2.map((r) => r.pk));
    expect(page.url()).toContain("p=2");
    await page.close();
  });

  it("selects rows and deletes them after an in-page confirmation", async () => {
    const ctx = await loginAs("admin");
    // a list under the countLimit (10,000), so its count is exact: the cancelled orders of 2024
    const { page, frames } = await open(ctx, `${LIST}?status__exact=cancelled&createdAt__year=2024`);
    const before = await rows(page);
    const total = Number((await countText(page)).replace(/ results.*/, "").replace(/,/g, ""));
    const victims = before.slice(0, 2);
    // click and wait for the server's checked state (a live re-render may land between a click and a check())
    await selectRows(page, frames, victims.map((v) => v.pk));
    await page.waitForFunction(() => document.querySelector("#cl-selected")?.textContent === "2 of 50 selected");
    await page.selectOption('select[name="action"]', "delete_selected");
    await page.click("button.cl-go");
    const panel = page.locator("#cl-confirm");
    await panel.waitFor();
    expect(await panel.locator("h2").innerText()).toBe("Delete 2 orders?");
    expect(await panel.locator("li").allInnerTexts()).toEqual(victims.map((v) => v.number));
    await panel.getByRole("button", { name: "Yes, I'm sure" }).click();
    await page.locator(".flash-success", { hasText: "Deleted 2 orders." }).waitFor();
    const after = await pks(page);
    for (const v of victims) expect(after).not.toContain(v.pk);
    expect(await countText(page)).toMatch(new RegExp(`^${(total - 2).toLocaleString("en-US")} results`));
    expect(await page.locator("#cl-selected").innerText()).toBe("0 of 50 selected");
    await page.close();
  });

  it("a view-only user gets only the CSV export among the actions, and no Add button", async () => {
    const ctx = await loginAs("viewer");
    const { page } = await open(ctx);
    expect((await rows(page)).length).toBe(50);
    // viewing is enough to export (the built-in "Export selected as CSV"); nothing that changes data
    const actions = await page.locator("#cl-actions select option").allTextContents();
    expect(actions.filter((a) => a.trim() !== "" && !/^-+$/.test(a.trim()))).toEqual(["Export selected as CSV"]);
    expect(await page.getByRole("link", { name: "Add order" }).count()).toBe(0);
    await page.close();
  });

  it("phone-sized screenshots: filters collapse above the list, the rows are cards that fit", async () => {
    mkdirSync(SHOTS, { recursive: true });
    const ctx = await loginAs("admin", { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const { page } = await open(ctx, `${LIST}?status__exact=paid`);
    // no horizontal scroll for the page nor the table: each row is a card (e2e/admin-tables.test.ts)
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const wrap = await page.locator(".cl-table-wrap").evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(wrap.scroll).toBeLessThanOrEqual(wrap.client);
    expect(await page.locator(".cl-filters-body").isVisible()).toBe(false);
    await page.screenshot({ animations: "disabled", path: `${SHOTS}admin-changelist-phone.png` });
    await page.locator(".cl-filters-button").click();
    await page.locator(".cl-filters-body").waitFor({ state: "visible" });
    await page.screenshot({ animations: "disabled", path: `${SHOTS}admin-changelist-phone-filters.png` });
    await page.close();
  });
});
