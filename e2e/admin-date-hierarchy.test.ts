// dateHierarchy (Django admin's date_hierarchy) on the demo's orders, in real Chromium against the
// real demo (400k seeded orders over two years, site zone UTC): the bar's years → a year's months
// → a month's days, each a live patch (no document request) that keeps the status filter and the
// sort; the rows shown are those of the chosen day and the count matches the bar's. Without
// JavaScript the same links are plain links; a bad month is refused with the list's error flash.
// Screenshots at 1366×900 and 390×844 go to docs/screenshots/orders-date-hierarchy-*.png.
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loggedIn } from "./support/admin.js";
import { markDocument } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { openLive } from "./support/live.js";

const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const LIST = "/admin/shop/order/";
const e2e = useDemo({ simulateMs: 0 });

interface Choice {
  label: string;
  /** NaN when the period is shown without a count (the list's total is "about N", or a dense search's "more than N") */
  count: number;
  /** "10,000+": the period has more rows, its count stopped at countLimit */
  capped: boolean;
  href: string;
}
const choices = (page: Page): Promise<Choice[]> =>
  page.$$eval(".cl-dates .cl-date-choice a", (as) =>
    as.map((a) => {
      const n = a.querySelector(".cl-date-n")?.textContent?.trim();
      return { label: a.childNodes[0]!.textContent!.trim(), count: n === undefined ? Number.NaN : Number(n.replace(/\D/g, "")), capped: n?.endsWith("+") ?? false, href: a.getAttribute("href")! };
    }),
  );
const current = (page: Page) => page.locator(".cl-dates .cl-date-current").innerText();
/** The list's count: "1,204 results", or "more than 10,000 orders" when the bounded count (countLimit) stopped. */
async function listCount(page: Page): Promise<{ n: number; capped: boolean }> {
  const text = await page.locator("#cl-count").innerText();
  return { n: Number(text.replace(/^more than /, "").split(" ")[0]!.replace(/\D/g, "")), capped: text.startsWith("more than") };
}
/**
 * The bar's count agrees with the list's: equal; above the list's bound when that stopped
 * counting; and when the bar's own count stopped at countLimit ("10,000+"), so did the list's.
 */
async function expectListCount(page: Page, barCount: number, barCapped = false): Promise<void> {
  const { n, capped } = await listCount(page);
  if (barCapped) {
    expect(capped).toBe(true);
    expect(barCount).toBeGreaterThanOrEqual(n);
  } else if (capped) expect(barCount).toBeGreaterThan(n);
  else expect(barCount).toBe(n);
}
/** A period's parts add up to it: exactly, or to at least its bound when its count stopped at countLimit. */
function expectParts(parts: Choice[], whole: Choice): void {
  const sum = parts.reduce((s, p) => s + p.count, 0);
  if (whole.capped) expect(sum).toBeGreaterThanOrEqual(whole.count);
  else expect(sum).toBe(whole.count);
}

/** Clicks a bar link and waits for the URL and the bar's current period. */
async function drill(page: Page, c: Choice, param: string, value: string, shown: string): Promise<void> {
  await page.locator(`.cl-dates .cl-date-choice a[href="${c.href}"]`).click();
  await page.waitForURL((u) => u.searchParams.get(param) === value);
  await page.waitForFunction((l) => document.querySelector(".cl-dates .cl-date-current")?.textContent?.trim() === l, shown);
}

describe("dateHierarchy on the orders change list", () => {
  it("drills year → month → day live, keeping the filter and sort; the rows are the day's", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin");
    const { page } = await openLive(ctx, `${e2e.demo.url}${LIST}?status__exact=delivered&sort=number`);
    const same = await markDocument(page);
    const docs: string[] = [];
    page.on("request", (r) => void (r.resourceType() === "document" && docs.push(r.url())));

    const years = await choices(page);
    expect(years.length).toBeGreaterThanOrEqual(2);
    expect(years.map((y) => y.label)).toEqual([...years.map((y) => y.label)].sort());
    for (const y of years) expect(y.label).toMatch(/^\d{4}$/);
    // the bar counts the filtered list: its years add up to the list's count
    await expectListCount(page, years.reduce((s, y) => s + y.count, 0), years.some((y) => y.capped));

    const year = years[years.length - 1]!;
    await drill(page, year, "createdAt__year", year.label, year.label);
    const url1 = new URL(page.url());
    expect(url1.searchParams.get("status__exact")).toBe("delivered");
    expect(url1.searchParams.get("sort")).toBe("number");
    await expectListCount(page, year.count, year.capped);
    const months = await choices(page);
    expect(months.length).toBeGreaterThan(0);
    expectParts(months, year);
    expect(await page.locator(".cl-dates .cl-date-back a").allInnerTexts()).toEqual(["‹ All dates"]);

    const month = months[0]!;
    const monthNo = String(["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"].indexOf(month.label) + 1);
    await drill(page, month, "createdAt__month", monthNo, `${month.label} ${year.label}`);
    expect(await current(page)).toBe(`${month.label} ${year.label}`);
    const days = await choices(page);
    for (const d of days) expect(d.label).toMatch(new RegExp(`^${month.label.slice(0, 3)} \\d{1,2}$`));
    expectParts(days, month);

    const day = days[Math.floor(days.length / 2)]!;
    const dayNo = day.label.split(" ")[1]!;
    await drill(page, day, "createdAt__day", dayNo, `${month.label} ${dayNo}, ${year.label}`);
    expect(await current(page)).toBe(`${month.label} ${dayNo}, ${year.label}`);
    expect(await choices(page)).toEqual([]);
    expect(await page.locator(".cl-dates .cl-date-back a").allInnerTexts()).toEqual(["‹ All dates", `‹ ${year.label}`, `‹ ${month.label} ${year.label}`]);
    await expectListCount(page, day.count);
    expect((await listCount(page)).capped).toBe(false);
    // every row shown is a delivered order placed that day (the site's zone is UTC)
    const ymd = `${year.label}-${monthNo.padStart(2, "0")}-${dayNo.padStart(2, "0")}`;
    const shown = await page.$$eval("#result-list tbody tr", (trs) => trs.map((tr) => [tr.querySelector("time")!.getAttribute("datetime")!, ((td) => td.querySelector("select")?.value ?? td.textContent!.trim())(tr.querySelector('td[data-label="Status"]')!)]));
    expect(shown.length).toBe(Math.min(day.count, 50));
    for (const [at, status] of shown) {
      expect(at!.slice(0, 10)).toBe(ymd);
      expect(status!.toLowerCase()).toBe("delivered");
    }
    const numbers = await page.$$eval("#result-list tbody tr td.cl-title", (tds) => tds.map((td) => td.textContent!.trim()));
    expect(numbers).toEqual([...numbers].sort());
    // back up to the year by its link, still live
    await page.locator(".cl-dates .cl-date-back a", { hasText: year.label }).first().click();
    await page.waitForURL((u) => !u.searchParams.has("createdAt__month") && u.searchParams.get("createdAt__year") === year.label);
    expect(docs).toEqual([]);
    expect(await same()).toBe(true);

    // screenshots of the month level at desktop and phone sizes
    await page.goto(`${e2e.demo.url}${LIST}?createdAt__year=${year.label}&createdAt__month=${monthNo}`);
    await page.locator(".cl-dates").waitFor();
    for (const [w, h] of [[1366, 900], [390, 844]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.mouse.move(0, 0);
      await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running"), null, { polling: 50 });
      // the page never scrolls sideways: the bar scrolls inside itself
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await page.screenshot({ animations: "disabled", path: `${SHOTS}orders-date-hierarchy-${w}.png` });
    }
    await ctx.close();
  });

  it("works without JavaScript, and refuses a bad period with the list's error flash", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin", { javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(`${e2e.demo.url}${LIST}`);
    const years = await choices(page);
    expect(years.length).toBeGreaterThan(0);
    // the whole table's total is the engine's estimate ("about 400,000 orders"): its years are
    // shown without counts, as Django's date_hierarchy; a year's list is counted
    expect(await page.locator("#cl-count").innerText()).toMatch(/^about /);
    expect(years.every((y) => Number.isNaN(y.count))).toBe(true);
    await Promise.all([page.waitForURL((u) => u.searchParams.has("createdAt__year")), page.locator(".cl-dates .cl-date-choice a").first().click()]);
    expect(await current(page)).toBe(years[0]!.label);
    expect((await listCount(page)).n).toBeGreaterThan(0);
    const months = await choices(page);
    expect(months.length).toBeGreaterThan(0);
    expect(months.every((m) => m.count > 0)).toBe(true);

    const res = await page.goto(`${e2e.demo.url}${LIST}?createdAt__year=2025&createdAt__month=13`);
    expect(res!.status()).toBe(200);
    expect(await page.locator(".flash-error").innerText()).toContain('"createdAt__month": expected a month number (1…12)');
    await page.goto(`${e2e.demo.url}${LIST}?createdAt__year=2025&createdAt__day=3`);
    expect(await page.locator(".flash-error").innerText()).toContain("a day needs createdAt__month");
    await ctx.close();
  });
});
