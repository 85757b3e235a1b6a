// The admin's rough edges (issue 14), fixed, in real Chromium against the real demo: bulk actions
// that change data ask first naming the count (also for "All N matching"); 404 / 403 inside the
// shell; a "Reconnecting…" notice with a Retry button while the socket is down; the job log
// newest first with a summary line; the change form posting and saving without JavaScript.
// Waits are condition polls; the reconnect test freezes the page's timers (page.clock), so the
// backoff cannot reconnect by itself and only Retry can.
import type { BrowserContext, Page, WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loggedIn, selectRows, type ContextOptions } from "./support/admin.js";
import { recordFrames } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { CLASS_DISCONNECTED, eventAndReply, joined, openLive, viewHasClass } from "./support/live.js";

const LIST = "/admin/shop/order/";
const e2e = useDemo({ simulateMs: 0, env: { ACTION_ROW_DELAY_MS: "50" } });

const loginAs = (username: string, opts?: ContextOptions) => loggedIn(e2e.browser, e2e.demo.url, username, opts);
const open = (ctx: BrowserContext, path: string) => openLive(ctx, e2e.demo.url + path);
const countOf = async (page: Page) => Number((await page.locator("#cl-count").innerText()).replace(/ (results|orders).*/, "").replace(/,/g, ""));

describe("bulk actions ask before changing data", () => {
  it("'All N matching' then Refund: 'Refund N orders?'; Cancel changes nothing; Confirm on picked rows starts the job", async () => {
    const ctx = await loginAs("manager");
    const { page, frames } = await open(ctx, `${LIST}?status__exact=paid`);
    const paid = await countOf(page);
    expect(paid).toBeGreaterThan(50);

    // the whole page, then "Select all N orders"
    let from = frames.length;
    await page.locator("th.cl-check input[type=checkbox]").check();
    await eventAndReply(frames, "selectPage", from);
    await page.locator(".cl-select-all").click();
    await page.locator("#cl-selected", { hasText: `All ${paid.toLocaleString("en-US")} orders selected` }).waitFor();

    await page.selectOption('select[name="action"]', "refund_selected");
    await page.click("button.cl-go");
    const panel = page.locator("#cl-confirm");
    await panel.waitFor();
    expect(await panel.locator("h2").innerText()).toBe(`Refund ${paid.toLocaleString("en-US")} orders?`);
    expect(await panel.locator("#cl-confirm-d").innerText()).toContain(`All ${paid.toLocaleString("en-US")} orders matching the search and filters are selected.`);
    expect(await panel.getByRole("button").allInnerTexts()).toEqual(["Confirm", "Cancel"]);

    // Cancel: the panel goes, nothing ran, the list is still here with every paid order
    from = frames.length;
    await panel.getByRole("button", { name: "Cancel" }).click();
    await eventAndReply(frames, "cancel", from);
    await panel.waitFor({ state: "detached" });
    expect(new URL(page.url()).pathname).toBe(LIST);
    await page.reload();
    expect(await countOf(page)).toBe(paid);

    // two picked rows: Confirm starts the job and lands on its page
    const reloaded = recordFrames(page);
    await page.reload();
    await joined(reloaded);
    const pks = await page.$$eval("#result-list tbody tr", (trs) => trs.slice(0, 2).map((tr) => tr.getAttribute("data-pk")!));
    await selectRows(page, reloaded, pks);
    await page.selectOption('select[name="action"]', "refund_selected");
    await page.click("button.cl-go");
    await panel.waitFor();
    expect(await panel.locator("h2").innerText()).toBe("Refund 2 orders?");
    await Promise.all([page.waitForURL(/\/admin\/jobs\/[A-Za-z0-9_-]{22,64}\/$/), panel.getByRole("button", { name: "Confirm" }).click()]);

    // the job page: once done, a summary line above the log, whose newest line comes first
    await page.locator("#job-summary").waitFor();
    expect(await page.locator("#job-summary").innerText()).toMatch(/^Done: 2 of 2 orders in \d+ s\.$/);
    const lines = await page.locator("#job-log li").allInnerTexts();
    expect(lines).toHaveLength(2);
    const numbers = lines.map((l) => /ORD-\d+/.exec(l)![0]);
    expect(numbers).toEqual([...numbers].sort().reverse()); // the job walks the rows by key: newest = the last one
    await ctx.close();
  });
});

describe("error pages inside the shell", () => {
  it("404 and 403 show the sidebar, a human message and a link back; the API keeps JSON", async () => {
    const admin = await loginAs("admin");
    const page = await admin.newPage();
    for (const path of ["/admin/shop/nothing/", "/admin/shop/order/999999999/change/", "/admin/no/such/page/here/"]) {
      const res = await page.goto(e2e.demo.url + path);
      expect(res!.status(), path).toBe(404);
      expect(await page.locator("nav.sidebar").isVisible(), path).toBe(true);
      expect(await page.locator("h1").innerText(), path).toBe("Page not found");
      expect(await page.title(), path).toMatch(/^Page not found \| /);
      await page.getByRole("link", { name: "Back to the dashboard" }).waitFor();
    }
    await page.getByRole("link", { name: "Back to the dashboard" }).click();
    await page.waitForURL((u) => u.pathname === "/admin/");
    const api = await page.goto(e2e.demo.url + "/admin/api/nothing/");
    expect(api!.status()).toBe(404);
    expect(api!.headers()["content-type"]).toContain("application/json");

    const viewer = await loginAs("viewer");
    const vp = await viewer.newPage();
    const res = await vp.goto(`${e2e.demo.url}${LIST}add/`);
    expect(res!.status()).toBe(403);
    expect(await vp.locator("h1").innerText()).toBe("Permission denied");
    expect(await vp.locator("nav.sidebar").isVisible()).toBe(true);
    expect(await vp.locator(".error-page").innerText()).toContain("You don't have permission to view this page.");
    await admin.close();
    await viewer.close();
  });
});

describe("the change form without JavaScript", () => {
  it("posts, saves and lands on the list with the message; errors re-render the form with the values", async () => {
    const ctx = await loginAs("manager", { javaScriptEnabled: false });
    const page = await ctx.newPage();
    const path = `${LIST}7/change/`;
    await page.goto(e2e.demo.url + path);
    expect(await page.locator("form#changeform").getAttribute("method")).toBe("post");

    // an error first: the required total left empty; the note typed stays in the form
    await page.locator("#id_note").fill("typed without JavaScript");
    await page.locator("#id_totalCents").fill("");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Save", exact: true }).click()]);
    expect(new URL(page.url()).pathname).toBe(path);
    await page.locator(".cf-form-error", { hasText: "Please correct the error below." }).waitFor();
    expect(await page.locator("#id_totalCents_errors").innerText()).toContain("This field is required.");
    expect(await page.locator("#id_note").inputValue()).toBe("typed without JavaScript");

    // fixed and saved: the list, with Django's message
    await page.locator("#id_totalCents").fill("12.34");
    await Promise.all([page.waitForURL((u) => u.pathname === LIST && u.searchParams.get("saved") === "7"), page.getByRole("button", { name: "Save", exact: true }).click()]);
    await page.locator(".flash-success", { hasText: "was changed successfully." }).waitFor();
    await page.goto(e2e.demo.url + path);
    expect(await page.locator("#id_note").inputValue()).toBe("typed without JavaScript");
    expect(await page.locator("#id_totalCents").inputValue()).toBe("12.34");
    await ctx.close();
  });
});

describe("the smaller ones", () => {
  it("a favicon (no 404), a skip link first in the tab order, and 'You have been logged out'", async () => {
    const ctx = await e2e.browser.newContext();
    const page = await ctx.newPage();
    const missing: string[] = [];
    page.on("response", (r) => r.status() === 404 && missing.push(r.url()));
    await page.goto(`${e2e.demo.url}/admin/login/`);
    expect(await page.locator('link[rel="icon"]').getAttribute("href")).toMatch(/^data:image\/svg\+xml,/);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill("admin");
    await Promise.all([page.waitForURL((u) => u.pathname === "/admin/"), page.getByRole("button", { name: "Log in" }).click()]);
    expect(await page.locator('link[rel="icon"]').getAttribute("href")).toMatch(/^data:image\/svg\+xml,/);
    // Tab from the top: the skip link comes first, and it leads to the content
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    expect(await page.locator(".skip-link").isVisible()).toBe(true);
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.activeElement?.id === "content");
    // logout: the login page says so
    await page.locator(".user-menu summary").click();
    await Promise.all([page.waitForURL((u) => u.pathname === "/admin/login/"), page.getByRole("button", { name: "Log out" }).click()]);
    expect(await page.getByRole("status").innerText()).toBe("You have been logged out.");
    expect(missing).toEqual([]);
    await ctx.close();
  });
});

describe("a dropped connection", () => {
  it("shows 'Reconnecting…' with Retry; Retry reconnects at once; the notice goes when the view is back", async () => {
    const ctx = await loginAs("admin");
    const page = await ctx.newPage();
    // fake timers, paused below: the backoff never fires by itself, so every attempt is Retry's
    await page.clock.install();
    let allow = true;
    let attempts = 0;
    const open: Array<{ page: WebSocketRoute; server: WebSocketRoute }> = [];
    await page.routeWebSocket(/\/live\/websocket/, (ws) => {
      attempts++;
      if (!allow) return void ws.close({ code: 1011, reason: "test: refused" });
      open.push({ page: ws, server: ws.connectToServer() });
    });
    const frames = recordFrames(page);
    await page.goto(`${e2e.demo.url}${LIST}`);
    await joined(frames);
    const notice = page.locator(".lv-reconnecting");
    expect(await notice.isVisible()).toBe(false);
    // time stops: no timer fires from here on unless the test says so
    await page.clock.pauseAt(Date.now() + 1_000);

    // the connection drops, and the server refuses for now
    allow = false;
    for (const c of open) {
      await c.server.close();
      await c.page.close({ code: 1012, reason: "test: dropped" });
    }
    await viewHasClass(page, CLASS_DISCONNECTED, true);
    await notice.waitFor({ state: "visible" });
    expect(await notice.innerText()).toMatch(/^Connection lost\. Reconnecting…\s*Retry$/);
    const before = attempts;

    // Retry while still refused: one attempt at once, the notice stays
    await notice.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => attempts).toBe(before + 1);
    await notice.waitFor({ state: "visible" });

    // the server answers again: Retry rejoins, the page is live and the notice goes
    allow = true;
    const from = frames.length;
    await notice.getByRole("button", { name: "Retry" }).click();
    await joined(frames, 1, from);
    await viewHasClass(page, CLASS_DISCONNECTED, false);
    await notice.waitFor({ state: "hidden" });
    expect(attempts).toBe(before + 2);
    await ctx.close();
  });
});
