// The dashboard's server-drawn charts in real Chromium against the demo (an order every
// second): "Revenue today" shows a 24-point sparkline and a trend against yesterday, "Orders
// today" bars by status, "Top products" a linked top-5 list (the card's title carries the
// card's link, links do not nest). The markup is valid SVG for the browser, named for screen
// readers, fits a 390 px phone, and moves live with the headline (the push frames stay small:
// their sizes are printed). Waits are condition polls.
import type { BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { S_DELTA, S_RENDERED } from "../packages/client/src/protocol.js";
import { loggedIn } from "./support/admin.js";
import { numberIn, waitForNumberAbove, type Frame } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { openLive } from "./support/live.js";

const REVENUE = '[data-widget="shop.order.revenue-today"]';
const ORDERS = '[data-widget="shop.order.orders-today"]';
const TOP = '[data-widget="inventory.product.top-products"]';
/** the page's root, plus one nested view per card the admin gets */
const ADMIN_VIEWS = 6;

const e2e = useDemo({ simulateMs: 1000 });

/** The ref of the view whose first render holds `widget`'s card (its join's, when the join was answered "unchanged"). */
async function refOf(page: Page, frames: Frame[], widget: string): Promise<number> {
  const f = frames.find((x) => x.dir === "received" && x.data[0] === S_RENDERED && String(x.data[2]).includes(`data-widget="${widget}"`));
  if (f) return f.data[1] as number;
  const token = await page.$eval(`[data-widget="${widget}"]`, (el) => el.closest("[lv-view]")!.getAttribute("lv-token"));
  const join = frames.findLast((x) => x.dir === "sent" && x.data[0] === "j" && x.data[2] === token);
  if (!join) throw new Error(`no join for ${widget}`);
  return join.data[1] as number;
}

/** Whether every inline SVG of `selector` re-parses as SVG without a parser error. */
const svgParses = (page: Page, selector: string) =>
  page.$$eval(`${selector} svg`, (svgs) =>
    svgs.every((s) => s instanceof SVGSVGElement && !new DOMParser().parseFromString(new XMLSerializer().serializeToString(s), "image/svg+xml").querySelector("parsererror")),
  );

describe("dashboard charts on tiles", () => {
  let admin: BrowserContext;

  beforeAll(async () => {
    admin = await loggedIn(e2e.browser, e2e.demo.url, "admin");
  });

  it("draws a sparkline and a trend, bars and a top-N list, as valid, named SVG/HTML", async () => {
    const { page } = await openLive(admin, `${e2e.demo.url}/admin/`, ADMIN_VIEWS);
    const spark = page.locator(`${REVENUE} svg.spark`);
    expect(await spark.getAttribute("role")).toBe("img");
    expect(await spark.getAttribute("aria-label")).toMatch(/^Revenue per hour in euros, last 24 hours: 24 values from -?[\d,.]+ to [\d,.]+, latest [\d,.]+$/);
    expect(await page.$$eval(`${REVENUE} svg.spark polyline`, (p) => p[0]!.getAttribute("points")!.split(" ").length)).toBe(24);
    // what a screen reader gets: direction in words and both values (the arrow is aria-hidden)
    expect((await page.locator(`${REVENUE} .tile-trend`).textContent())!.replace(/\s+/g, " ")).toMatch(/^(▲ up \S+%|▼ down \S+%|▲ up from 0|no change) vs yesterday \([\d,.]+ against [\d,.]+\)$/);
    expect(await svgParses(page, REVENUE)).toBe(true);

    const bars = page.locator(`${ORDERS} .tile-bars li`);
    expect(await bars.count()).toBeGreaterThan(0);
    expect(await page.locator(`${ORDERS} .tile-bars`).getAttribute("aria-label")).toBe("Orders today");
    expect(await bars.first().locator(".bar-label").innerText()).toMatch(/^[A-Z][a-z]+$/);
    expect(await svgParses(page, ORDERS)).toBe(true);
    // the card itself is still the link to the orders
    expect(await page.getAttribute(ORDERS, "href")).toBe("/admin/shop/order/");

    const top = page.locator(`${TOP} .tile-top li`);
    expect(await top.count()).toBeGreaterThan(0);
    expect(await top.count()).toBeLessThanOrEqual(5);
    expect(await top.first().locator("a").getAttribute("href")).toMatch(/^\/admin\/inventory\/product\/\d+\/change\/$/);
    expect(await page.evaluate((s) => document.querySelector(s)!.tagName, TOP)).toBe("DIV");
    expect(await page.locator(`${TOP} a.tile-name`).getAttribute("href")).toBe("/admin/inventory/product/");
    await page.close();
  });

  it("moves live with the headline, in small frames", async () => {
    const { page, frames } = await openLive(admin, `${e2e.demo.url}/admin/`, ADMIN_VIEWS);
    const ref = await refOf(page, frames, "shop.order.revenue-today");
    const first = frames.length;
    const r0 = await numberIn(page, `${REVENUE} .tile-headline`);
    const label0 = await page.locator(`${REVENUE} svg.spark`).getAttribute("aria-label");
    await waitForNumberAbove(page, `${REVENUE} .tile-headline`, r0);
    // the chart follows in the same push: its latest value is part of its name
    await page.waitForFunction(([sel, before]) => document.querySelector(sel)?.getAttribute("aria-label") !== before, [`${REVENUE} svg.spark`, label0] as const, { timeout: 15_000, polling: 50 });
    const pushes = frames.slice(first).filter((f) => f.dir === "received" && f.data[0] === S_DELTA && f.data[1] === ref);
    expect(pushes.length).toBeGreaterThan(0);
    const sizes = pushes.map((f) => f.bytes);
    console.log(`revenue tile push frames (bytes): ${sizes.join(", ")}; rendered card: ${frames.find((f) => f.data[0] === S_RENDERED && f.data[1] === ref)?.bytes ?? "unchanged, 0"} bytes`);
    for (const b of sizes) expect(b).toBeLessThan(1024);
    await page.close();
  });

  it("fits a 390 px phone: no sideways scroll, every chart inside its card", async () => {
    const phone = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const { page } = await openLive(phone, `${e2e.demo.url}/admin/`, ADMIN_VIEWS);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const inside = await page.$$eval(".tile-chart, .tile-top, .tile-trend", (els) =>
      els.every((el) => {
        const card = el.closest(".dash-tile")!.getBoundingClientRect();
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.left >= card.left - 0.5 && r.right <= card.right + 0.5;
      }),
    );
    expect(inside).toBe(true);
    await phone.close();
  });
});
