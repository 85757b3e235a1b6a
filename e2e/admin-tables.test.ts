// Change-list tables that fit (issue 14's defects): at 1366×900 the orders, customers and
// products lists fit their box (lower-priority columns, `listDisplayPriority`, give way by CSS),
// and at 390×844 each row is a card (title, checkbox, "label: value" pairs) with its status in
// view. Neither size scrolls the page sideways. Saves docs/screenshots/orders-list-{1366,390}.png.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loggedIn } from "./support/admin.js";
import { recordFrames, SCREEN_SIZES } from "./support/browser.js";
import { useDemo } from "./support/demo.js";
import { joined } from "./support/live.js";

const SHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const LISTS = ["/admin/shop/order/", "/admin/shop/customer/", "/admin/inventory/product/", "/admin/support/ticket/"];

const e2e = useDemo({ simulateMs: 0 });

/** Widths that tell whether anything overflows: the page, and the table inside its box. */
const widths = (page: Page) =>
  page.evaluate(() => {
    const wrap = document.querySelector(".cl-table-wrap")!;
    return { page: document.scrollingElement!.scrollWidth, inner: window.innerWidth, table: wrap.scrollWidth, box: wrap.clientWidth };
  });

describe("change-list tables at 1366 px and as cards on a phone", () => {
  for (const size of SCREEN_SIZES) {
    it(`at ${size.viewport.width}×${size.viewport.height}`, async () => {
      mkdirSync(SHOTS, { recursive: true });
      const ctx = await loggedIn(e2e.browser, e2e.demo.url, "manager", { viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.isMobile });
      const page = await ctx.newPage();
      for (const list of LISTS) {
        const frames = recordFrames(page);
        await page.goto(e2e.demo.url + list);
        await joined(frames);
        const w = await widths(page);
        expect(w.page, `${list} at ${size.name} scrolls the page sideways`).toBeLessThanOrEqual(w.inner);
        expect(w.table, `${list} at ${size.name} scrolls its table`).toBeLessThanOrEqual(w.box);
      }
      // the demo's customers: country and placed are priority 3, hidden under 1440 px and in cards
      const shown = () => page.$$eval("#result-list tbody tr:first-child td[data-label]", (tds) => tds.filter((td) => td.getBoundingClientRect().width > 0).map((td) => td.dataset.label));
      await page.goto(`${e2e.demo.url}${LISTS[1]}`);
      await page.locator("#result-list tbody tr").first().waitFor();
      expect(await shown()).toEqual(["Name", "Email", "City", "Is vip"]);

      await page.goto(`${e2e.demo.url}${LISTS[0]}`);
      await page.locator("#result-list tbody tr").first().waitFor();
      const cards = await page.$$eval("#result-list tbody tr", (trs) =>
        trs.slice(0, 10).map((tr) => {
          const title = tr.querySelector<HTMLElement>("td.cl-title")!;
          const status = tr.querySelector<HTMLElement>('td[data-label="Status"]')!;
          const box = status.getBoundingClientRect();
          return {
            display: getComputedStyle(tr).display,
            title: title.textContent!.trim(),
            titleTop: title.getBoundingClientRect().top,
            status: status.textContent!.trim(),
            statusLabel: getComputedStyle(status, "::before").content,
            statusVisible: box.width > 0 && box.left >= 0 && box.right <= window.innerWidth,
            checkbox: tr.querySelector<HTMLElement>("td.cl-check input")!.getBoundingClientRect().width > 0,
            rowRight: tr.getBoundingClientRect().right,
            // "Placed" is priority 2: kept at 1366 px and in the phone cards
            placed: tr.querySelector<HTMLElement>('td[data-label="Placed"]')!.getBoundingClientRect().width > 0,
          };
        }),
      );
      expect(cards.length).toBe(10);
      for (const c of cards) {
        expect(c.statusVisible, `status of ${c.title} in view`).toBe(true);
        expect(c.status).not.toBe("");
        expect(c.checkbox).toBe(true);
        expect(c.placed).toBe(true);
        if (size.name === "390") {
          expect(c.display).toBe("block");
          expect(c.statusLabel).toBe('"Status"');
          expect(c.rowRight).toBeLessThanOrEqual(390);
        } else {
          expect(c.display).toBe("table-row");
          expect(c.statusLabel).toBe("none");
        }
      }
      await page.screenshot({ animations: "disabled", path: `${SHOTS}orders-list-${size.name}.png` });
      await ctx.close();
    });
  }
});
