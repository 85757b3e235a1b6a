// Your own pages in the admin (site.page) and "change my password" (issue 13), in real Chromium
// against the real demo with its order simulator on: the "Sales report" is reached from the
// sidebar by live navigation (no document request), its filter form changes the server-drawn
// SVG chart and the URL, and it moves as orders arrive; a user without the permission has no
// entry and gets 403. The password form refuses each mistake with a field error, then changes
// the password: the user's other session is signed out, this one stays. Waits are condition polls.
import type { Page, Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { C_NAVIGATE } from "../packages/client/src/protocol.js";
import { loggedIn } from "./support/admin.js";
import { markDocument, until, type Frame } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { openLive } from "./support/live.js";

const e2e = useDemo({ simulateMs: 400 });
const REPORT = "/admin/reports/sales/";

function documents(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (r: Request) => r.resourceType() === "document" && seen.push(new URL(r.url()).pathname));
  return seen;
}
const sent = (frames: Frame[], type: string, from = 0) => frames.slice(from).filter((f) => f.dir === "sent" && f.data[0] === type);
const bars = (page: Page) => page.$$eval("[data-report-chart] rect", (rs) => rs.map((r) => `${r.getAttribute("data-day")}:${r.getAttribute("height")}`).join(","));
const orders = (page: Page) => page.$eval("[data-report-orders]", (e) => Number(e.textContent!.replace(/\D/g, "")));

describe("site.page: the demo's sales report", () => {
  it("is reached from the sidebar by live navigation; the filter redraws the chart; new orders move it", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "manager");
    const { page, frames } = await openLive(ctx, e2e.demo.url + "/admin/");
    const docs = documents(page);
    const same = await markDocument(page);
    const link = page.locator(`.sidebar a[href="${REPORT}"]`);
    expect(await link.textContent()).toContain("Sales report");
    const from = frames.length;
    await link.click();
    await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Sales report");
    expect(new URL(page.url()).pathname).toBe(REPORT);
    expect(await page.title()).toBe("Sales report | Shop admin");
    expect(sent(frames, C_NAVIGATE, from)).toHaveLength(1);
    expect(docs).toEqual([]);
    expect(await same()).toBe(true);
    expect(await page.locator(".cf-crumbs a[href='/admin/']").textContent()).toBe("Dashboard");
    expect(await page.locator("[data-report-chart] rect").count()).toBe(30);

    // the status filter: fewer orders, other bars, and the filter in the URL
    const allBars = await bars(page);
    const allOrders = await orders(page);
    await page.selectOption("select[name=status]", "refunded");
    await page.waitForURL((u) => u.searchParams.get("status") === "refunded");
    await page.waitForFunction((b) => {
      const now = [...document.querySelectorAll("[data-report-chart] rect")].map((r) => `${r.getAttribute("data-day")}:${r.getAttribute("height")}`).join(",");
      return now !== b;
    }, allBars);
    expect(await orders(page)).toBeLessThan(allOrders);
    expect(await page.locator("figcaption").textContent()).toContain("refunded orders only");

    // a shorter range: 7 bars
    const to = await page.inputValue("input[name=to]");
    const weekAgo = new Date(Date.parse(to) - 6 * 86_400_000).toISOString().slice(0, 10);
    await page.fill("input[name=from]", weekAgo);
    await page.waitForFunction(() => document.querySelectorAll("[data-report-chart] rect").length === 7);
    // the URL follows in its own frame after the render: wait for it, as for the status above
    await page.waitForURL((u) => u.searchParams.get("from") === weekAgo);
    expect(new URL(page.url()).searchParams.get("from")).toBe(weekAgo);

    // a range the report refuses: a clear message, the chart stays
    await page.fill("input[name=from]", "2020-01-01");
    await page.locator("[data-report-error]").waitFor();
    expect(await page.locator("[data-report-error]").textContent()).toContain("at most 92 days");
    expect(await page.locator("[data-report-chart] rect").count()).toBe(7);

    // live: back to every status; the simulator's orders (today, in range) raise the count
    await page.fill("input[name=from]", weekAgo);
    await page.selectOption("select[name=status]", "");
    await page.waitForFunction(() => !document.querySelector("[data-report-error]") && !new URL(location.href).searchParams.has("status"));
    const before = await orders(page);
    await until(async () => (await orders(page)) > before, "an order arriving moves the report", 20_000);
    await ctx.close();
  });

  it("a user without the permission has no sidebar entry and gets 403", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "viewer");
    const page = await ctx.newPage();
    await page.goto(e2e.demo.url + "/admin/");
    await page.locator(".sidebar a[href='/admin/shop/order/']").waitFor();
    expect(await page.locator(`.sidebar a[href="${REPORT}"]`).count()).toBe(0);
    const res = await page.goto(e2e.demo.url + REPORT);
    expect(res!.status()).toBe(403);
    await ctx.close();
  });
});

describe("change my password", () => {
  const fieldError = (page: Page, name: string) => page.locator(`#id_${name}_errors`).textContent();
  async function submit(page: Page, values: { old?: string; p1?: string; p2?: string }) {
    await page.fill("#id_old_password", values.old ?? "");
    await page.fill("#id_new_password1", values.p1 ?? "");
    await page.fill("#id_new_password2", values.p2 ?? "");
    await page.getByRole("button", { name: "Change my password" }).click();
    // the submit lock is released when the event's reply arrives
    await page.waitForFunction(() => !document.querySelector("button.primary[disabled]"));
  }

  it("refuses each mistake with a field error; then changes it, signing out the other session only", async () => {
    const other = await loggedIn(e2e.browser, e2e.demo.url, "viewer");
    const { page: otherPage } = await openLive(other, e2e.demo.url + "/admin/");
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "viewer");
    const page = await ctx.newPage();
    await page.goto(e2e.demo.url + "/admin/");
    // from the user menu
    await page.locator(".user-menu summary").click();
    await page.getByRole("link", { name: "Change password" }).click();
    await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Password change");
    expect(new URL(page.url()).pathname).toBe("/admin/password_change/");

    await submit(page, { old: "wrong-password", p1: "a-new-secret-1", p2: "a-new-secret-1" });
    await page.locator("#id_old_password_errors").waitFor();
    expect(await fieldError(page, "old_password")).toBe("Your old password was entered incorrectly. Please enter it again.");

    await submit(page, { old: "viewer", p1: "short", p2: "short" });
    await page.waitForFunction(() => !document.querySelector("#id_old_password_errors") && !!document.querySelector("#id_new_password1_errors"));
    expect(await fieldError(page, "new_password1")).toBe("This password is too short. It must contain at least 8 characters.");

    await submit(page, { old: "viewer", p1: "a-new-secret-1", p2: "a-new-secret-2" });
    await page.waitForFunction(() => !document.querySelector("#id_new_password1_errors") && !!document.querySelector("#id_new_password2_errors"));
    expect(await fieldError(page, "new_password2")).toBe("The two password fields didn’t match.");

    await submit(page, {});
    await page.waitForFunction(() => document.querySelectorAll("ul.errorlist").length === 3);
    expect(await page.locator("[aria-invalid=true]").count()).toBe(3);

    await submit(page, { old: "viewer", p1: "a-new-secret-1", p2: "a-new-secret-1" });
    await page.locator(".pw-done").waitFor();
    expect(await page.locator("ul.errorlist").count()).toBe(0);
    expect(await page.inputValue("#id_new_password1")).toBe("");
    // the other session: its page says it was signed out; its cookie is no good any more
    await otherPage.waitForFunction(() => /signed out/i.test(document.body.textContent ?? ""));
    expect((await otherPage.goto(e2e.demo.url + "/admin/"))!.url()).toContain("/admin/login/");
    // this one stays
    expect((await page.goto(e2e.demo.url + "/admin/"))!.url()).toBe(e2e.demo.url + "/admin/");
    // the new password logs in
    await (await loggedIn(e2e.browser, e2e.demo.url, "viewer", { password: "a-new-secret-1" })).close();
    await other.close();
    await ctx.close();
  });
});
