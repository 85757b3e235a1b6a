// The demo's live order search (/orders) as the specs drive it: its search box, and the wait
// for the results of a query.
import type { Page } from "playwright-core";

/** The search box of /orders. */
export const searchBox = (page: Page) => page.getByRole("searchbox", { name: "Search orders" });

/** Waits until the total line says the results are for `q`. */
export function waitForResults(page: Page, q: string, timeout = 30_000) {
  return page.waitForFunction((q) => document.querySelector("#order-total")?.textContent?.includes(`matching “${q}”`), q, { timeout });
}
