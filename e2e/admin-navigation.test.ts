// Live navigation in the admin (issue 12), in real Chromium against the real demo: a sidebar
// click mounts the next page over the same socket (no document request, the window survives,
// one `n` frame out and one `m` frame in), the title and the sidebar's current item follow;
// change list → change form → breadcrumb; Back / Forward restore the pages and the scroll; an
// lv-patch to another route navigates instead of running the wrong view's handleParams; a link
// out of the admin's live session is a full page load. Waits are condition polls.
import type { Page, Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { C_NAVIGATE, S_MOUNTED } from "../packages/client/src/protocol.js";
import { loggedIn } from "./support/admin.js";
import { historyGo, markDocument, until, type Frame } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { openLive } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });
const ORDERS = "/admin/shop/order/";
const CUSTOMERS = "/admin/shop/customer/";

/** Every document (page) request the page makes from now on. */
function documents(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (r: Request) => r.resourceType() === "document" && seen.push(new URL(r.url()).pathname));
  return seen;
}

const sent = (frames: Frame[], type: string, from = 0) => frames.slice(from).filter((f) => f.dir === "sent" && f.data[0] === type);
const received = (frames: Frame[], type: string, from = 0) => frames.slice(from).filter((f) => f.dir === "received" && f.data[0] === type);
const current = (page: Page) => page.$$eval(".sidebar a[aria-current=page]", (as) => as.map((a) => a.getAttribute("href")));
const scrollY = (page: Page) => page.evaluate(() => Math.round(window.scrollY));

/** Waits for the `m` frame of a navigation started at frame index `from`, and for the page to show `h1`. */
async function navigated(page: Page, frames: Frame[], from: number, h1: string) {
  // a bound, not a speed check: under two CPU hogs a cold list (its reader processes start) took over 15 s
  await until(() => received(frames, S_MOUNTED, from).length === 1, "the mounted frame", 60_000);
  await page.waitForFunction((t) => document.querySelector("main h1")?.textContent?.includes(t), h1, { timeout: 60_000 });
}

describe("live navigation in the admin", () => {
  it("sidebar, row and breadcrumb links navigate live; title, current item, Back / Forward and scroll follow", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin");
    const { page, frames } = await openLive(ctx, e2e.demo.url + ORDERS);
    const docs = documents(page);
    const sockets: string[] = [];
    page.on("websocket", (ws) => sockets.push(ws.url()));
    const same = await markDocument(page);
    expect(await page.title()).toBe("Orders | Shop admin");
    expect(await current(page)).toEqual([ORDERS]);
    await page.evaluate(() => window.scrollTo(0, 600));
    await page.waitForFunction(() => Math.round(window.scrollY) === 600);

    // sidebar → the customers' list
    let from = frames.length;
    await page.locator(`.sidebar a[href="${CUSTOMERS}"]`).click();
    await navigated(page, frames, from, "Customers");
    expect(new URL(page.url()).pathname).toBe(CUSTOMERS);
    expect(await page.title()).toBe("Customers | Shop admin");
    expect(await current(page)).toEqual([CUSTOMERS]);
    expect(await scrollY(page)).toBe(0);
    expect(sent(frames, C_NAVIGATE, from)).toHaveLength(1);
    expect(received(frames, S_MOUNTED, from)).toHaveLength(1);

    // a row → the customer's change form; its breadcrumb → back to the list
    from = frames.length;
    const row = page.locator("#result-list tbody a[lv-navigate]").first();
    const href = (await row.getAttribute("href"))!;
    await row.click();
    await navigated(page, frames, from, "Change customer");
    expect(new URL(page.url()).pathname).toBe(href);
    expect(await page.title()).toMatch(/^Change customer \| Shop admin$/);
    expect(await current(page)).toEqual([CUSTOMERS]);
    from = frames.length;
    await page.locator(`.cf-crumbs a[href="${CUSTOMERS}"]`).click();
    await navigated(page, frames, from, "Customers");

    // Back twice: the change form, then the orders at their scroll position
    from = frames.length;
    await historyGo(page, -1, (u) => u.pathname === href);
    await page.waitForFunction(() => document.querySelector("main h1")?.textContent?.includes("Change customer"));
    await historyGo(page, -2, (u) => u.pathname === ORDERS);
    await page.waitForFunction(() => document.querySelector("main h1")?.textContent?.includes("Orders"));
    // restored to 600 px with the page's nested views still empty; when they render, the
    // browser's scroll anchoring keeps the rows in place, moving the offset by their height
    await page.waitForFunction(() => window.scrollY >= 600 && window.scrollY <= 800);
    expect(await page.title()).toBe("Orders | Shop admin");
    expect(await current(page)).toEqual([ORDERS]);
    // Forward: the customers' list again
    await historyGo(page, 1, (u) => u.pathname === CUSTOMERS);
    await page.waitForFunction(() => document.querySelector("main h1")?.textContent?.includes("Customers"));

    // never a page load, one socket, the same window
    expect(docs).toEqual([]);
    expect(sockets).toEqual([]);
    expect(await same()).toBe(true);
    await ctx.close();
  });

  it("an lv-patch to another route navigates to that route's view, never the current view's handleParams", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin");
    const { page, frames } = await openLive(ctx, e2e.demo.url + ORDERS);
    const docs = documents(page);
    // the order list's own patch links stay patches; this one names the customers' list
    await page.evaluate((url) => {
      const a = document.createElement("a");
      a.id = "to-customers";
      a.href = url;
      a.setAttribute("lv-patch", "");
      a.textContent = "customers named smith";
      // outside the list's view root: the live list re-renders on every new order, and a morph
      // would drop a link it never rendered (patch links are handled on the document)
      const root = document.querySelector("main [lv-view]")!;
      root.parentElement!.insertBefore(a, root);
    }, `${CUSTOMERS}?q=smith`);
    const from = frames.length;
    await page.click("#to-customers");
    await navigated(page, frames, from, "Customers");
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(`${CUSTOMERS}?q=smith`);
    expect(await page.title()).toBe("Customers | Shop admin");
    expect(await page.locator("input[type=search]").inputValue()).toBe("smith");
    expect(docs).toEqual([]);
    await ctx.close();
  });

  it("a link out of the admin's live session is a full page load", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin");
    const { page } = await openLive(ctx, e2e.demo.url + ORDERS);
    const docs = documents(page);
    const same = await markDocument(page);
    await page.evaluate(() => {
      const a = document.createElement("a");
      a.id = "out";
      a.href = "/counter";
      a.setAttribute("lv-navigate", "");
      a.textContent = "counter";
      document.querySelector(".sidebar")!.append(a);
    });
    await page.click("#out");
    await page.waitForURL((u) => u.pathname === "/counter");
    await until(() => docs.includes("/counter"), "the document request");
    expect(await same()).toBe(false);
    await ctx.close();
  });
});
