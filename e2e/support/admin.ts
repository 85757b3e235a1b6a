// The demo's admin, as a user sees it in the browser.
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Frame } from "./browser.js";
import { eventAndReply, joined } from "./live.js";

/** Options of a new browser context (viewport, device, JavaScript…). */
export type ContextOptions = Parameters<Browser["newContext"]>[0];

/**
 * A new browser context (its own cookies: its own session) logged in on the demo at `url`
 * through the admin's login form as `username` with `password` (default: the username, as the
 * demo's users have); resolves once the login landed on the admin's home page.
 */
export async function loggedIn(browser: Browser, url: string, username: string, opts: ContextOptions & { password?: string } = {}): Promise<BrowserContext> {
  const { password = username, ...contextOptions } = opts;
  const ctx = await browser.newContext(contextOptions);
  const page = await ctx.newPage();
  await page.goto(`${url}/admin/login/`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await Promise.all([page.waitForURL((u) => u.pathname === "/admin/"), page.getByRole("button", { name: "Log in" }).click()]);
  await page.close();
  return ctx;
}

/** The `data-pk` of every row of the change list open on `page`, top to bottom. */
export function rowPks(page: Page): Promise<string[]> {
  return page.$$eval("#result-list tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-pk")!));
}

/** Ticks the rows `pks` of the change list open on `page`, each after the server answered the previous "select" event. */
export async function selectRows(page: Page, frames: Frame[], pks: readonly string[]): Promise<void> {
  for (const pk of pks) {
    const from = frames.length;
    // click, not check(): a live re-render (the change list follows new orders) may land between
    // the click and Playwright's own state check; the server's reply is what decides
    const box = page.locator(`tr[data-pk="${pk}"] input[type=checkbox]`);
    await box.click();
    await eventAndReply(frames, "select", from);
    await page.waitForFunction((pk) => (document.querySelector(`tr[data-pk="${pk}"] input[type=checkbox]`) as HTMLInputElement | null)?.checked === true, pk, { timeout: 10_000 });
  }
}

/**
 * Runs `action` on the change list's selection (Go, then Confirm on the panel that names the
 * count), lands on the job's progress page and waits until it joined.
 */
export async function startJob(page: Page, frames: Frame[], action: string): Promise<void> {
  await page.selectOption('select[name="action"]', action);
  await page.click("button.cl-go");
  const yes = page.locator("#cl-confirm").getByRole("button", { name: "Confirm" });
  await yes.waitFor();
  const from = frames.length;
  await Promise.all([page.waitForURL(/\/admin\/jobs\/[A-Za-z0-9_-]{22,64}\/$/), yes.click()]);
  await joined(frames, 1, from);
}

/**
 * Picks a related object in a foreign-key autocomplete (`autocompleteFields`, or a key past 200
 * related rows): types `text` into `<field>__search`, waits for the results, ↓ and Enter pick
 * the first; resolves when the hidden `<field>` input holds a key.
 */
export async function pickRelated(page: import("playwright-core").Page, field: string, text: string): Promise<void> {
  const input = page.locator(`input[name="${field}__search"]`);
  await input.fill(text);
  await page.locator(`[role="option"]`).first().waitFor();
  await input.press("ArrowDown");
  await page.waitForFunction(() => document.querySelector('[role="option"][aria-selected="true"]') !== null);
  await page.keyboard.press("Enter");
  await page.waitForFunction((f) => ((document.querySelector(`input[type="hidden"][name="${f}"]`) as HTMLInputElement | null)?.value ?? "") !== "", field);
}

/** A job progress page's status badge, as text (`running`, `cancelled`…; the stylesheet capitalises it on screen). */
export async function jobStatus(page: Page): Promise<string> {
  return ((await page.locator("#job-status").textContent()) ?? "").trim();
}

/** A job progress page's rows done so far (the "3 of 12" counter's first number). */
export async function jobCurrent(page: Page): Promise<number> {
  return Number(((await page.locator("#job-counts").textContent()) ?? "").trim().split(" ")[0]!.replace(/,/g, ""));
}

/** Waits (a condition poll, bounded by `timeout` ms) until a job progress page's rows done are above `n`. */
export function jobAdvancesPast(page: Page, n: number, timeout = 20_000): Promise<unknown> {
  return page.waitForFunction((n) => Number(document.querySelector("#job-counts")?.textContent?.trim().split(" ")[0]?.replace(/,/g, "")) > n, n, { timeout, polling: 50 });
}

/**
 * Clicks Cancel on the job page `on` (accepting its confirm) and waits until it, and `alsoOn`
 * (the same job's page on another worker), say cancelled; returns the rows done by then.
 */
export async function cancelJob(on: Page, alsoOn: Page): Promise<number> {
  on.once("dialog", (d) => void d.accept());
  await on.click("#job-cancel");
  await on.locator("#job-status", { hasText: "cancelled" }).waitFor();
  // "cancelled" is stored by the runner's worker once the body has stopped: its own page says so too
  await alsoOn.locator("#job-status", { hasText: "cancelled" }).waitFor();
  return jobCurrent(on);
}
