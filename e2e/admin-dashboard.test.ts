// The admin dashboard's live cards in real Chromium against the real demo (order simulator on,
// an order every second): the simulator's publishes move "Orders today" without a reload; an
// order created in a SECOND browser context (another session) through the admin's add form
// shows up on the first context's open dashboard; permissions decide who gets which card; and
// a phone-sized screenshot (e2e/screenshots/, gitignored). Waits are condition polls.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BrowserContext } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { loggedIn, pickRelated, type ContextOptions } from "./support/admin.js";
import { markDocument, numberIn, recordFrames, waitForNumberAbove } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { joined, openLive } from "./support/live.js";

const SHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));
const ORDERS = '[data-widget="shop.order.orders-today"] .tile-headline';
const REVENUE = '[data-widget="shop.order.revenue-today"] .tile-headline';
const LOW_STOCK = '[data-widget="inventory.product.low-stock"]';
/** the page's root, plus one nested view per card the admin gets */
const ADMIN_VIEWS = 6;

const e2e = useDemo({ simulateMs: 1000 });

/** A new browser context (its own cookies: another session) logged in through the login form. */
const loginAs = (username: string, opts?: ContextOptions) => loggedIn(e2e.browser, e2e.demo.url, username, opts);

const dashboard = (ctx: BrowserContext, views: number) => openLive(ctx, `${e2e.demo.url}/admin/`, views);

describe("admin dashboard", () => {
  let admin: BrowserContext;

  beforeAll(async () => {
    admin = await loginAs("admin");
  });

  it("shows the cards in order, with status, link and the top-bar badge; every card joins as its own view", async () => {
    const { page } = await dashboard(admin, ADMIN_VIEWS);
    const titles = await page.locator(".dash-tile .tile-name").allInnerTexts();
    expect(titles).toEqual(["Orders today", "Revenue today", "Open tickets", "Low stock", "Top products"]);
    expect(await page.locator(`${LOW_STOCK}.tile-danger`).count()).toBe(1);
    expect(await page.getAttribute('[data-widget="shop.order.orders-today"]', "href")).toBe("/admin/shop/order/");
    // the top bar's badge comes from the cached site context
    expect(await page.locator(".topbar-badge", { hasText: "Open tickets" }).count()).toBe(1);
    await page.close();
  });

  it("the order simulator's publishes move Orders today without a reload", async () => {
    const { page } = await dashboard(admin, ADMIN_VIEWS);
    const same = await markDocument(page);
    const n0 = await numberIn(page, ORDERS);
    const n1 = await waitForNumberAbove(page, ORDERS, n0);
    await waitForNumberAbove(page, ORDERS, n1);
    expect(await same()).toBe(true);
    await page.close();
  });

  it("an order created in a second browser context (another session) shows up on the first one's open dashboard", async (ctx) => {
    const { page } = await dashboard(admin, ADMIN_VIEWS);
    const same = await markDocument(page);

    const clerk = await loginAs("admin");
    const form = await clerk.newPage();
    const formFrames = recordFrames(form);
    const res = await form.goto(`${e2e.demo.url}/admin/shop/order/add/`);
    if (res?.status() === 404) return ctx.skip(); // the admin's add form is not there (yet)
    expect(res?.status()).toBe(200);
    await joined(formFrames, 1);

    // a big total, so the revenue jump is this order's and not the simulator's
    const TOTAL = 10_000_000;
    const r0 = await numberIn(page, REVENUE);
    const n0 = await numberIn(page, ORDERS);
    await form.fill('input[name="number"]', `ORD-E2E-${Date.now()}`);
    await pickRelated(form, "customerId", "a");
    // the form takes euros; the order stores cents
    await form.fill('input[name="totalCents"]', String(TOTAL / 100));
    await Promise.all([form.waitForURL((u) => !u.pathname.endsWith("/add/"), { timeout: 15_000 }), form.click('button[name="_save"]')]);

    const r1 = await waitForNumberAbove(page, REVENUE, r0 + TOTAL - 1);
    expect(r1).toBeGreaterThanOrEqual(r0 + TOTAL);
    expect(await numberIn(page, ORDERS)).toBeGreaterThan(n0);
    expect(await same()).toBe(true);
    await page.close();
  });

  it("cards follow permissions: the viewer gets no Low stock card, the manager does", async () => {
    const viewer = await dashboard(await loginAs("viewer"), 5);
    expect(await viewer.page.locator(".dash-tile .tile-name").allInnerTexts()).toEqual(["Orders today", "Revenue today", "Open tickets", "Top products"]);
    expect(await viewer.page.locator(LOW_STOCK).count()).toBe(0);
    expect(await viewer.page.content()).not.toContain("low-stock");
    const manager = await dashboard(await loginAs("manager"), ADMIN_VIEWS);
    expect(await manager.page.locator(LOW_STOCK).count()).toBe(1);
  });

  it("phone-sized screenshot: two cards a row, no horizontal scrolling", async () => {
    const phone = await loginAs("admin", { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const { page } = await dashboard(phone, ADMIN_VIEWS);
    const boxes = await page.locator(".dash-cell").evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width })));
    expect(boxes).toHaveLength(5);
    expect(boxes[0].y).toBe(boxes[1].y);
    expect(boxes[1].x).toBeGreaterThan(boxes[0].x);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    // headlines fit their cards (no wrapping, no clipping)
    const clipped = await page.locator(".tile-headline").evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth).length);
    expect(clipped).toBe(0);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ animations: "disabled", path: `${SHOTS}admin-dashboard-phone.png`, fullPage: true });
  });
});
