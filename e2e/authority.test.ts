// Session authority in Chromium against the demo: a tab open on a live admin page while the user
// logs out in another tab says "You have been signed out" with a link to the login page, keeps
// what it showed, and does not reconnect (fake clock: a minute of timers runs, no new socket).
import { describe, expect, it } from "vitest";
import { useDemo } from "./support/demo.js";
import { loggedIn } from "./support/admin.js";
import { recordFrames } from "./support/browser.js";
import { joined } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });

describe("session authority in a real browser", () => {
  it("a logout in another tab signs the live tab out: notice, login link, no reconnect loop", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "manager");
    const tab = await ctx.newPage();
    await tab.clock.install();
    const frames = recordFrames(tab);
    let sockets = 0;
    tab.on("websocket", () => void sockets++);
    await tab.goto(`${e2e.demo.url}/admin/shop/order/`);
    await joined(frames, 1, 0);
    const opened = sockets;

    const other = await ctx.newPage();
    await other.goto(`${e2e.demo.url}/admin/`);
    await other.locator("details.user-menu summary").click();
    await Promise.all([other.waitForURL((u) => u.pathname === "/admin/login/"), other.getByRole("button", { name: "Log out" }).click()]);

    const notice = tab.locator(".lv-signed-out");
    await notice.waitFor();
    expect(await notice.getAttribute("role")).toBe("alert");
    expect(await notice.textContent()).toBe("You have been signed out. Log in");
    expect(await notice.getByRole("link", { name: "Log in" }).getAttribute("href")).toBe("/admin/login/");
    // the page stays as it was (readable), marked disconnected
    expect(await tab.locator("#result-list").count()).toBe(1);
    expect(await tab.locator("[lv-view].lv-disconnected").count()).toBeGreaterThan(0);
    // a minute of the page's timers (reconnect backoff, heartbeats) runs: no new socket
    await tab.clock.runFor(60_000);
    expect(sockets).toBe(opened);
    await ctx.close();
  });
});
