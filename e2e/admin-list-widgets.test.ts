// Slot widgets that follow the page, in real Chromium against the demo: the order list's
// "Total of the N matching orders: €…" widget (a LiveComponent in the list's own view) moves
// with the list's filter, search and selection without a reload and without a socket join of
// its own; the order form's Activity widget shows on the add form too. Waits are condition polls.
import type { BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { loggedIn, selectRows, rowPks } from "./support/admin.js";
import { markDocument } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { openLive, renderedRefs } from "./support/live.js";
import { searchBox } from "./support/orders.js";

const LIST = "/admin/shop/order/";
const TOTAL = '[data-slot="list-total"] [data-matching]';
const SELECTED = '[data-slot="list-total"] [data-selected]';

const e2e = useDemo({ simulateMs: 0 });

/** The list's own count ("about 400,150 orders": the engine's estimate, "1,945 results") as a number. */
const listCount = async (page: Page) => Number((await page.locator("#cl-count").innerText()).replace(/^about /, "").split(" ")[0]!.replace(/,/g, ""));

/** Waits until the widget's total line matches `re` and is not loading, and returns its text. */
async function totalLine(page: Page, re: RegExp): Promise<string> {
  await page.waitForFunction(([sel, src]) => {
    const el = document.querySelector(sel);
    return !!el && !el.classList.contains("muted") && new RegExp(src).test(el.textContent ?? "");
  }, [TOTAL, re.source] as const, { timeout: 30_000, polling: 50 });
  return (await page.locator(TOTAL).textContent())!.replace(/\s+/g, " ").trim();
}

describe("widgets that follow the list", () => {
  let admin: BrowserContext;

  beforeAll(async () => {
    admin = await loggedIn(e2e.browser, e2e.demo.url, "admin");
  });

  it("the total follows the filter, the search and the selection, in the list's own view", async () => {
    const { page, frames } = await openLive(admin, `${e2e.demo.url}${LIST}`, 3);
    const same = await markDocument(page);
    const all = await totalLine(page, /^Total of the [\d,]+ orders: €[\d,.]+$/);
    // the widget sums exactly; the unfiltered list shows the engine's estimate (the demo's estimateTotalAbove), as of its last ANALYZE
    const exact = Number(/the ([\d,]+) orders/.exec(all)![1]!.replace(/,/g, ""));
    expect(Math.abs(exact - (await listCount(page)))).toBeLessThanOrEqual(exact * 0.01);
    // a LiveComponent: no view (and no join) of its own
    const views = renderedRefs(frames).length;

    // a filter: the list patches its URL; the widget gets the new WHERE as props
    await page.locator('[data-filter="status"] a', { hasText: "Paid" }).click();
    await page.waitForURL((u) => u.searchParams.get("status__exact") === "paid");
    const paid = await totalLine(page, /^Total of the [\d,]+ matching orders: /);
    const paidCount = Number(/the ([\d,]+) matching/.exec(paid)![1]!.replace(/,/g, ""));
    await page.waitForFunction((n) => document.querySelector("#cl-count")?.textContent?.startsWith(n), paidCount.toLocaleString("en-US"));
    expect(paidCount).toBe(await listCount(page));
    expect(paidCount).toBeLessThan(Number(/the ([\d,]+) orders/.exec(all)![1]!.replace(/,/g, "")));

    // a search on top of it: an order number prefix
    await searchBox(page).fill("ORD-399");
    await page.waitForURL((u) => u.searchParams.get("q") === "ORD-399");
    const searched = await totalLine(page, /^Total of the [\d,]+ matching orders?: /);
    expect(searched).not.toBe(paid);
    await page.waitForFunction((t) => {
      const n = /the ([\d,]+) matching/.exec(t)?.[1];
      return !!n && document.querySelector("#cl-count")?.textContent?.startsWith(n);
    }, searched);

    // a selection: the selected orders' figures appear
    const pks = (await rowPks(page)).slice(0, 2);
    await selectRows(page, frames, pks);
    await page.waitForFunction((sel) => /^2 selected: €[\d,.]+$/.test(document.querySelector(sel)?.textContent?.replace(/\s+/g, " ").trim() ?? ""), SELECTED, { timeout: 30_000 });

    expect(renderedRefs(frames).length).toBe(views);
    expect(await same()).toBe(true);
    await page.close();
  });

  it("a date drill alone makes the total the matching orders'", async () => {
    const { page } = await openLive(admin, `${e2e.demo.url}${LIST}`, 3);
    const all = await totalLine(page, /^Total of the [\d,]+ orders: /);
    await page.locator(".cl-dates .cl-date-choice a").first().click();
    await page.waitForURL((u) => [...u.searchParams.keys()].some((k) => k.startsWith("createdAt__")));
    const drilled = await totalLine(page, /^Total of the [\d,]+ matching orders?: /);
    const n = /the ([\d,]+) matching/.exec(drilled)![1]!;
    // the widget sums exactly what the list counts up to its countLimit ("more than 10,000 orders")
    expect(Number(n.replace(/,/g, ""))).toBeLessThan(Number(/the ([\d,]+) orders/.exec(all)![1]!.replace(/,/g, "")));
    await page.close();
  });

  it("change-form widgets show on the add form too", async () => {
    const { page } = await openLive(admin, `${e2e.demo.url}${LIST}add/`, 2);
    const activity = page.locator('section.slot[aria-label="Activity"]');
    await activity.waitFor();
    expect(await activity.innerText()).toMatch(/activity shows here once it is saved/);
    await page.close();
  });
});
