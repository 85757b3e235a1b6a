// Presence and optimistic concurrency on the change form, in real Chromium against the demo:
// two sessions (admin, manager) on one order see "‹user› is also editing this order"; when one
// leaves, the other's notice goes. A save over the other's newer save is refused with who saved,
// when and what changed; the fields the user left alone take the other's values, what they
// typed stays, and saving again goes through. Waits are condition polls.
import type { BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { loggedIn } from "./support/admin.js";
import { useDemo } from "./support/demo.js";
import { openLive } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });
const ORDER = "/admin/shop/order/";

/** The change form's presence notice (empty when nobody else is there). */
const presence = (page: Page) => page.locator("#cf-presence");

/** Opens the change form of order `id` and waits until it (and its Activity widget) joined. */
async function form(ctx: BrowserContext, id: number): Promise<Page> {
  const { page } = await openLive(ctx, `${e2e.demo.url}${ORDER}${id}/change/`, 2);
  return page;
}

async function saveAndContinue(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Save and continue editing" }).click();
}

describe("change form: presence and concurrent saves", () => {
  let admin: BrowserContext;
  let manager: BrowserContext;

  beforeAll(async () => {
    [admin, manager] = await Promise.all([loggedIn(e2e.browser, e2e.demo.url, "admin"), loggedIn(e2e.browser, e2e.demo.url, "manager")]);
  });

  it("each sees the other editing the order; the notice goes when the other leaves", async () => {
    const a = await form(admin, 210);
    expect((await presence(a).innerText()).trim()).toBe("");
    const m = await form(manager, 210);
    // the newcomer hears the join's answer at once; the first form hears the join
    await presence(m).getByText("admin is also editing this order.").waitFor();
    await presence(a).getByText("manager is also editing this order.").waitFor();
    // another order's form sees nobody
    const other = await form(manager, 211);
    expect((await presence(other).innerText()).trim()).toBe("");
    await other.close();
    await m.close();
    await a.waitForFunction(() => document.querySelector("#cf-presence")?.textContent?.trim() === "", undefined, { timeout: 15_000 });
    await a.close();
  });

  it("a save over the other's newer save is refused with their change shown; saving again goes through", async () => {
    const a = await form(admin, 220);
    const m = await form(manager, 220);
    const total0 = await a.getByLabel("Total").inputValue();
    const newTotal = (Number(total0) + 100).toFixed(2);

    // the manager saves a new total first
    await m.getByLabel("Total").fill(newTotal);
    await saveAndContinue(m);
    await m.locator(".flash-success, .flash-info").first().waitFor();

    // the admin, still on the old version, changes the note and saves
    const note = `checked by admin ${Date.now()}`;
    await a.getByLabel("Note").fill(note);
    await saveAndContinue(a);
    const error = a.locator(".cf-form-error");
    await error.waitFor();
    const cents = (s: string) => String(Math.round(Number(s) * 100));
    expect((await error.innerText()).trim()).toMatch(new RegExp(`^manager saved this order at \\d\\d:\\d\\d UTC: total ${cents(total0)} → ${cents(newTotal)}(; updated at [^]*?)?\\. Review and save again\\.$`)); // the demo's saveModel stamps updatedAt
    // what the admin typed stays; the total they left alone now shows the manager's
    expect(await a.getByLabel("Note").inputValue()).toBe(note);
    await a.waitForFunction((v) => (document.querySelector('input[name="totalCents"]') as HTMLInputElement | null)?.value === v, newTotal);

    // saving again goes through, keeping both changes
    await saveAndContinue(a);
    await a.locator(".flash-success, .flash-info").first().waitFor();
    expect(await a.locator(".cf-form-error").count()).toBe(0);
    const check = await form(admin, 220);
    expect(await check.getByLabel("Note").inputValue()).toBe(note);
    expect(await check.getByLabel("Total").inputValue()).toBe(newTotal);
    for (const p of [a, m, check]) await p.close();
  });
});
