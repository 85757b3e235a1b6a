// The demo's orders list with `listEditable: ["status"]` in Chromium: change the status of two
// rows in their selects (the list marks them unsaved), Save once under the table, and the
// database holds both statuses with one "change" audit entry each. A view-only user sees plain
// cells. Screenshots of the list with unsaved edits at 1366×900 and 390×844
// (docs/screenshots/orders-list-editable-*.png). Every wait is a condition.
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loggedIn, rowPks } from "./support/admin.js";
import { useDemo } from "./support/demo.js";
import { eventAndReply, openLive } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });
const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const LIST = "/admin/shop/order/?status__exact=pending";
// the demo's driver (not a dependency of the e2e package), to read its database file
const Database = createRequire(new URL("../examples/admin-demo/package.json", import.meta.url))("better-sqlite3") as new (file: string, o: { readonly: boolean }) => { prepare(sql: string): { all(...a: unknown[]): unknown[] }; close(): void };

function query<T>(sql: string, ...args: unknown[]): T[] {
  const db = new Database(e2e.demo.dbFile, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

describe("listEditable on the orders list", () => {
  it("edits two statuses in the list and saves them at once: the database and the audit log agree", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "admin", { viewport: { width: 1366, height: 900 } });
    const { page, frames } = await openLive(ctx, e2e.demo.url + LIST);
    const [a, b] = (await rowPks(page)).slice(0, 2);
    expect(a && b).toBeTruthy();
    const before = query<{ n: number }>("select count(*) n from weft_audit_log where model = 'shop.order' and object_id in (?, ?)", a, b)[0]!.n;
    const select = (pk: string) => page.locator(`#result-list tr[data-pk="${pk}"] select`);
    expect(await select(a!).inputValue()).toBe("pending");

    let from = frames.length;
    await select(a!).selectOption("paid");
    await eventAndReply(frames, "list_edit", from);
    from = frames.length;
    await select(b!).selectOption("shipped");
    await eventAndReply(frames, "list_edit", from);
    await page.locator(".cl-dirty-count", { hasText: "2 unsaved rows" }).waitFor();
    expect(await page.locator("tr.cl-dirty").count()).toBe(2);
    // nothing is written before Save
    expect(query<{ status: string }>("select status from orders where id = ?", a)[0]!.status).toBe("pending");

    mkdirSync(SHOTS, { recursive: true });
    for (const [w, h, size] of [[1366, 900, "1366"], [390, 844, "390"]] as const) {
      await page.setViewportSize({ width: w, height: h });
      // on a phone the widgets above the table fill the first screen: the table at the top
      await page.evaluate((phone) => window.scrollTo(0, phone ? document.querySelector("#cl-actions")!.getBoundingClientRect().top + window.scrollY - 64 : 0), w < 600);
      await page.waitForFunction(() => document.getAnimations().every((an) => an.playState !== "running"), null, { polling: 50 });
      await page.waitForTimeout(400); // CSS transitions without running animations (layout settle); a screenshot only
      // the inputs fit their cells: no horizontal overflow of the page
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `no overflow at ${w}px`).toBe(true);
      await page.screenshot({ path: `${SHOTS}orders-list-editable-${size}.png`, fullPage: false });
    }
    await page.setViewportSize({ width: 1366, height: 900 });

    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.locator(".flash-success", { hasText: "2 orders were changed successfully." }).waitFor();
    expect(query<{ id: number; status: string }>("select id, status from orders where id in (?, ?) order by id", a, b)).toEqual(
      [
        { id: Number(a), status: "paid" },
        { id: Number(b), status: "shipped" },
      ].sort((x, y) => x.id - y.id),
    );
    const entries = query<{ object_id: string; action: string; changes: string }>("select object_id, action, changes from weft_audit_log where model = 'shop.order' and object_id in (?, ?) order by id desc limit 2", a, b);
    expect(query<{ n: number }>("select count(*) n from weft_audit_log where model = 'shop.order' and object_id in (?, ?)", a, b)[0]!.n).toBe(before + 2);
    expect(entries.map((e) => e.action)).toEqual(["change", "change"]);
    const statusOf = (pk: string) => (JSON.parse(entries.find((e) => e.object_id === pk)!.changes) as { status: [string, string] }).status;
    expect(statusOf(a!)).toEqual(["pending", "paid"]);
    expect(statusOf(b!)).toEqual(["pending", "shipped"]);
    expect(await page.locator(".cl-dirty-count").count()).toBe(0);
    await ctx.close();
  });

  it("a view-only user sees plain cells, no inputs and no Save", async () => {
    const ctx = await loggedIn(e2e.browser, e2e.demo.url, "viewer");
    const { page } = await openLive(ctx, e2e.demo.url + LIST);
    await page.locator("#result-list tbody tr").first().waitFor();
    expect(await page.locator("#result-list select").count()).toBe(0);
    expect(await page.locator("form#cl-editable").count()).toBe(0);
    expect(await page.locator("#result-list .badge").count()).toBeGreaterThan(0);
    await ctx.close();
  });
});
