// The Authentication screens (issue 13) in real Chromium against the real demo: the superuser
// "admin" creates a staff user, a group with chosen permissions, puts the user in it; the user
// logs in and sees exactly those models in the sidebar. Then an API token is issued on the
// user's form (its secret shown once), used on the widgets API, revoked (401); the group's
// permissions show on the user's form ("via"), the user is renamed, then deleted. Screenshots of the
// user list and the user form at 1366×900 and 390×844 under docs/screenshots/. Waits are condition polls.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loggedIn } from "./support/admin.js";
import { SCREEN_SIZES } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { openLive } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });
const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const USERS = "/admin/auth/users/";

/** Ticks a checkbox until it stays ticked (a re-render of the filter may land between the click and Playwright's check). */
async function tick(page: Page, sel: string): Promise<void> {
  for (let i = 0; i < 10 && !(await page.isChecked(sel)); i++) {
    await page.click(sel);
    await page.waitForTimeout(200);
  }
  expect(await page.isChecked(sel)).toBe(true);
}

const modelLinks = (page: Page) => page.$$eval(".sidebar a.sidebar-model", (as) => as.map((a) => a.getAttribute("href")!).filter((h) => h.split("/").length === 5));

describe("users, groups and tokens", () => {
  it("a superuser creates a staff user and a group; the user sees exactly the group's models; a token is issued, used, revoked", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin");
    const { page } = await openLive(ctx, e2e.demo.url + "/admin/");
    page.on("dialog", (d) => void d.accept());
    // the sidebar's Authentication group
    await page.locator(`.sidebar a[href="${USERS}"]`).click();
    await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Users");

    // add the user
    await page.click("#user-add");
    await page.fill("#user-create [name=username]", "e2e-clerk");
    await page.fill("#user-create [name=password1]", "clerk-secret-1");
    await page.fill("#user-create [name=password2]", "clerk-secret-1");
    await page.click("#user-create button[type=submit]");
    await page.locator('#user-edit[data-user="e2e-clerk"]').waitFor();

    // the group, with two view permissions chosen in the picker (filtered first)
    await page.locator('.sidebar a[href="/admin/auth/groups/"]').click();
    await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Groups");
    await page.fill("#group-create [name=name]", "Catalogue readers");
    await page.click("#group-create button[type=submit]");
    await page.locator('form[data-group="Catalogue readers"]').waitFor();
    await page.fill("#perm-filter input", "inventory");
    await page.waitForFunction(() => [...document.querySelectorAll("[data-perm-row]")].filter((r) => !(r as HTMLElement).hidden).length === 1);
    await tick(page, '[name="perm:inventory.view_product"]');
    await page.fill("#perm-filter input", "");
    await page.waitForFunction(() => [...document.querySelectorAll("[data-perm-row]")].every((r) => !(r as HTMLElement).hidden));
    await tick(page, '[name="perm:shop.view_customer"]');
    await page.click('form[data-group="Catalogue readers"] button[type=submit]');
    await page.getByText("The group “Catalogue readers” was changed.").waitFor();

    // the user into the group
    await page.locator(`.sidebar a[href="${USERS}"]`).click();
    await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Users");
    await page.click('tr[data-user="e2e-clerk"] button');
    await page.locator('#user-edit[data-user="e2e-clerk"]').waitFor();
    await page.locator("#user-edit label", { hasText: "Catalogue readers" }).locator("input").check();
    await page.click("#user-edit form[lv-submit=save] button[type=submit]");
    await page.getByText("The user “e2e-clerk” was changed.").waitFor();

    // the user logs in and sees exactly those models
    const clerk = await loggedIn(e2e.browser, e2e.demo.url, "e2e-clerk", { password: "clerk-secret-1" });
    const clerkPage = await clerk.newPage();
    await clerkPage.goto(`${e2e.demo.url}/admin/`);
    expect((await modelLinks(clerkPage)).sort()).toEqual(["/admin/inventory/product/", "/admin/shop/customer/"]);
    expect(await clerkPage.locator(`.sidebar a[href="${USERS}"]`).count()).toBe(0);
    expect((await clerkPage.goto(`${e2e.demo.url}${USERS}`))!.status()).toBe(403);
    await clerk.close();

    // a token: shown once, works on the widgets API, revoked → 401
    await page.fill("#user-tokens [name=name]", "reporting");
    await page.click("#user-tokens button[type=submit]");
    const secret = (await page.locator("#token-secret code").textContent())!;
    expect(secret).toMatch(/^weft_[A-Za-z0-9_-]{43}$/);
    const api = () => fetch(`${e2e.demo.url}/admin/api/dashboard/widgets/`, { headers: { authorization: `Bearer ${secret}` } });
    expect((await api()).status).toBe(200);
    await page.click('#user-tokens li[data-token="reporting"] button');
    await page.getByText("The token “reporting” was revoked.").waitFor();
    expect(await page.locator("#token-secret").count()).toBe(0);
    expect((await api()).status).toBe(401);

    // the permissions held through the group show beside the boxes, read-only
    await page.locator('[data-via="inventory.view_product"]', { hasText: "via Catalogue readers" }).waitFor();
    expect(await page.isChecked('[name="perm:inventory.view_product"]')).toBe(false);
    // rename, then delete after the confirmation
    await page.fill("#user-edit #id_username", "e2e-clerk2");
    await page.click("#user-edit form[lv-submit=save] button[type=submit]");
    await page.getByText("The user “e2e-clerk2” was changed.").waitFor();
    await page.click("#user-edit .au-delete");
    await page.locator("#user-delete-confirm").waitFor();
    await page.click("#user-delete-confirm button.danger");
    await page.getByText("The user “e2e-clerk2” was deleted; their sessions were signed out.").waitFor();
    expect(await page.locator('tr[data-user="e2e-clerk2"]').count()).toBe(0);
    await ctx.close();
  });

  for (const size of SCREEN_SIZES) {
    it(`screenshots of the user list and form at ${size.viewport.width}×${size.viewport.height}`, async () => {
      mkdirSync(SHOTS, { recursive: true });
      const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.isMobile });
      const { page } = await openLive(ctx, `${e2e.demo.url}${USERS}`);
      const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      await page.locator('tr[data-user="manager"]').waitFor();
      expect(await fits(), "the list scrolls sideways").toBe(true);
      await page.screenshot({ animations: "disabled", path: `${SHOTS}auth-users-list-${size.name}.png` });
      await page.click('tr[data-user="manager"] button');
      await page.locator('#user-edit[data-user="manager"]').waitFor();
      await page.locator("#user-edit").scrollIntoViewIfNeeded();
      expect(await fits(), "the form scrolls sideways").toBe(true);
      await page.screenshot({ animations: "disabled", path: `${SHOTS}auth-users-form-${size.name}.png`, });
      await ctx.close();
    });
  }
});
