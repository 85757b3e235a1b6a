// The demo's admin, as a user sees it in the browser.
import type { Browser, BrowserContext } from "playwright-core";

/** Options of a new browser context (viewport, device, JavaScript…). */
export type ContextOptions = Parameters<Browser["newContext"]>[0];

/**
 * A new browser context (its own cookies: its own session) logged in on the demo at `url`
 * through the admin's login form as `username` (the demo's users have their name as password);
 * resolves once the login landed on the admin's home page.
 */
export async function loggedIn(browser: Browser, url: string, username: string, opts: ContextOptions = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext(opts);
  const page = await ctx.newPage();
  await page.goto(`${url}/admin/login/`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(username);
  await Promise.all([page.waitForURL((u) => u.pathname === "/admin/"), page.getByRole("button", { name: "Log in" }).click()]);
  await page.close();
  return ctx;
}
