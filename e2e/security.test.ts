// Security headers and the Content-Security-Policy against the real demo in Chromium: every page
// works (its views join over the same-origin socket, the counter counts) with no CSP violation,
// no inline script or style, and the headers and cookies a browser should get.
import { describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { useDemo } from "./support/demo.js";
import { loggedIn } from "./support/admin.js";
import { recordFrames, until, type Frame } from "./support/browser.js";
import { eventAndReply, joined } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });

/** A page of `ctx` that records its CSP violations (DOM events and console errors) and socket frames. */
async function watched(ctx: BrowserContext): Promise<{ page: Page; frames: Frame[]; violations: string[] }> {
  const page = await ctx.newPage();
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/content security policy/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  await page.exposeFunction("__cspViolation", (v: string) => void violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __cspViolation(v: string): void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return { page, frames: recordFrames(page), violations };
}

/** Opens `path`, expecting 200 and (when `views`) that many views joined over the socket. */
async function visit(page: Page, frames: Frame[], path: string, views = 1): Promise<void> {
  const from = frames.length;
  const res = await page.goto(e2e.demo.url + path);
  expect(res?.status(), path).toBe(200);
  if (views) await joined(frames, views, from);
}

describe("security headers and CSP in a real browser", () => {
  it("serves the public pages under a strict CSP: the views join and events work, nothing is blocked", async () => {
    const ctx = await e2e.browser.newContext();
    const { page, frames, violations } = await watched(ctx);
    const res = await page.goto(e2e.demo.url + "/counter");
    const csp = res!.headers()["content-security-policy"];
    for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'self'"]) {
      expect(csp, d).toContain(d);
    }
    expect(csp).not.toContain("unsafe-inline");
    expect(res!.headers()["x-frame-options"]).toBe("DENY");
    expect(res!.headers()["x-content-type-options"]).toBe("nosniff");
    await joined(frames);
    // an event round trip over the socket (connect-src 'self' covers ws: on the same origin)
    const before = await page.locator("#count").innerText();
    await page.getByLabel("increment").click();
    await eventAndReply(frames, "inc");
    await page.waitForFunction((b) => document.querySelector("#count")?.textContent !== b, before);
    await visit(page, frames, "/");
    await visit(page, frames, "/orders");
    const cookies = await ctx.cookies();
    expect(cookies.length).toBeGreaterThan(0);
    for (const c of cookies) {
      expect(c.httpOnly, c.name).toBe(true);
      expect(c.sameSite, c.name).toBe("Lax");
    }
    expect(violations).toEqual([]);
    // the watcher does see a violation: an inline <style> added by hand is blocked and reported
    await page.evaluate(() => document.head.append(Object.assign(document.createElement("style"), { textContent: "p { color: red }" })));
    await until(() => violations.length > 0, "the CSP violation report");
    expect(violations[0]).toMatch(/style-src/);
    await ctx.close();
  });

  it("serves the login page and the admin (dashboard, change list, change form) with no CSP violation", async () => {
    const anon = await e2e.browser.newContext();
    const login = await watched(anon);
    await login.page.goto(e2e.demo.url + "/admin/login/");
    // the login page is styled by its stylesheet (no inline <style>): the form is centred on a card
    const bg = await login.page.evaluate(() => getComputedStyle(document.querySelector("main")!).backgroundColor);
    expect(bg).toBe("rgb(255, 255, 255)");
    expect(login.violations).toEqual([]);
    await anon.close();

    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin");
    const { page, frames, violations } = await watched(ctx);
    await visit(page, frames, "/admin/", 1);
    await visit(page, frames, "/admin/shop/order/", 1);
    await page.locator("#result-list tbody tr").first().waitFor();
    await visit(page, frames, "/admin/shop/order/100/change/", 1);
    expect(await page.locator("h1").innerText()).toBe("Change order");
    expect(await page.evaluate(() => document.querySelectorAll("script:not([src]), style, [style]").length)).toBe(0);
    for (const c of await ctx.cookies()) {
      expect(c.httpOnly, c.name).toBe(true);
      expect(c.sameSite, c.name).toBe("Lax");
    }
    expect(violations).toEqual([]);
    await ctx.close();
  });
});
