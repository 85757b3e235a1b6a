// Live order search on /orders against the real demo server (400k seeded orders), in Chromium:
// debounced lv-change search, the URL kept by pushPatch, lv-patch pagination, back, reload, and
// an older render landing on the focused input while the user keeps typing.
import { beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { S_PATCH } from "../packages/client/src/protocol.js";
import { useDemo } from "./support/demo.js";
import { historyGo, numberIn, recordFrames, until } from "./support/browser.js";
import { joined, openLive } from "./support/live.js";
import { searchBox, waitForResults } from "./support/orders.js";

const e2e = useDemo({ simulateMs: 0 });
let ctx: BrowserContext;

beforeAll(async () => {
  ctx = await e2e.browser.newContext();
});

const open = (path: string) => openLive(ctx, e2e.demo.url + path);

/** The visible rows as [order number, customer name]. */
const rows = (page: Page) =>
  page.$$eval("#order-rows tbody tr", (trs) =>
    trs.map((tr) => [(tr as HTMLTableRowElement).cells[0]!.textContent!, (tr as HTMLTableRowElement).cells[1]!.textContent!]),
  );
const numbers = async (page: Page) => (await rows(page)).map(([n]) => n);
const totalText = (page: Page) => page.locator("#order-total").innerText();

/** Waits until the visible order numbers differ from / equal `list`. */
function waitForNumbers(page: Page, list: string[], equal: boolean) {
  return page.waitForFunction(
    ([list, equal]) => {
      const now = [...document.querySelectorAll("#order-rows tbody tr")].map((tr) => (tr as HTMLTableRowElement).cells[0]!.textContent);
      return (JSON.stringify(now) === JSON.stringify(list)) === equal;
    },
    [list, equal] as const,
  );
}

describe("order search", () => {
  it("finds a customer's orders by surname; URL, total, paging, back and reload follow", async () => {
    const { page } = await open("/orders");
    const allTotal = await numberIn(page, "#order-total");
    expect(allTotal).toBeGreaterThanOrEqual(400_000);
    expect(await totalText(page)).not.toContain("matching");

    // a surname seen on the first page of all orders
    const names = (await rows(page)).map(([, name]) => name.split(" ").at(-1)!);
    const term = names.find((n) => /^[A-Za-z]{5,}$/.test(n));
    expect(term, `a plain surname among ${names.join(", ")}`).toBeTruthy();
    const q = term!;

    await searchBox(page).click();
    await searchBox(page).pressSequentially(q);
    await waitForResults(page, q);
    await page.waitForURL((u) => u.pathname === "/orders" && u.searchParams.get("q") === q);

    const total = await numberIn(page, "#order-total");
    expect(total).toBeGreaterThan(50); // enough for a second page
    expect(total).toBeLessThan(allTotal);
    const page1 = await rows(page);
    expect(page1).toHaveLength(50);
    for (const [number, name] of page1) expect(`${number} ${name}`.toLowerCase()).toContain(q.toLowerCase());
    await expect.poll(() => page.locator(".pager").innerText()).toMatch(/Page 1 of \d+/);
    const page1Numbers = page1.map(([n]) => n);

    // Next page: page=2 in the URL, other rows, still matching
    await page.getByRole("link", { name: "Next →" }).click();
    await page.waitForURL((u) => u.searchParams.get("q") === q && u.searchParams.get("page") === "2");
    await waitForNumbers(page, page1Numbers, false);
    const page2 = await rows(page);
    expect(page2.length).toBeGreaterThan(0);
    for (const [number] of page2) expect(page1Numbers).not.toContain(number);
    for (const [number, name] of page2) expect(`${number} ${name}`.toLowerCase()).toContain(q.toLowerCase());
    expect(await page.locator(".pager").innerText()).toMatch(/Page 2 of/);

    // Back: page 1 again
    // (waits for the URL and the rows, not for a navigation event that may already have fired)
    await historyGo(page, -1, (u) => u.searchParams.get("q") === q && !u.searchParams.has("page"));
    await waitForNumbers(page, page1Numbers, true);
    expect(await page.locator(".pager").innerText()).toMatch(/Page 1 of/);

    // Reload keeps the search (the server renders it from the URL)
    const frames = recordFrames(page);
    await page.reload();
    expect(await searchBox(page).inputValue()).toBe(q);
    expect(await numbers(page)).toEqual(page1Numbers);
    expect(await numberIn(page, "#order-total")).toBe(total);
    await joined(frames);
    expect(await searchBox(page).inputValue()).toBe(q);
    expect(await numbers(page)).toEqual(page1Numbers);
    await page.close();
  });

  it("finds orders by number prefix", async () => {
    const { page } = await open("/orders");
    await searchBox(page).click();
    await searchBox(page).pressSequentially("ORD-00012");
    await waitForResults(page, "ORD-00012");
    await page.waitForURL((u) => u.searchParams.get("q") === "ORD-00012");
    // ORD-000120 … ORD-000129
    expect(await totalText(page)).toContain("10 orders matching");
    const found = (await numbers(page)).sort();
    expect(found).toEqual(Array.from({ length: 10 }, (_, i) => `ORD-00012${i}`));
    expect(await page.getByRole("link", { name: "Next →" }).count()).toBe(0);
    await page.close();
  });

  it("a render of an older query landing while the user types keeps focus, caret and every typed character", async () => {
    // The socket is routed through the test so the server's answers can be held back: the
    // render for "First L" is delivered only after the user typed "First Last…". That render
    // sets the input's value attribute to the older text while the focused box holds more.
    let holding = false;
    let held: string[] = [];
    let toPage: ((m: string) => void) | undefined;
    const page = await ctx.newPage();
    await page.routeWebSocket(/\/live\/websocket/, (ws) => {
      const server = ws.connectToServer();
      toPage = (m) => ws.send(m);
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => (holding ? held.push(String(m)) : ws.send(m)));
    });
    const frames = recordFrames(page);
    await page.goto(`${e2e.demo.url}/orders`);
    await joined(frames);
    const [first, last] = (await rows(page))[0]![1].split(" ") as [string, string];
    const stale = `${first} ${last[0]}`;
    const text = `${first} ${last}`;
    expect(last.length).toBeGreaterThan(1);

    const input = searchBox(page);
    await input.click();
    await input.pressSequentially(`${first} `);
    await waitForResults(page, first);

    holding = true;
    await page.keyboard.type(last[0]!);
    // the server answered "First L" (reply, render, patch), all held
    await until(
      () => held.some((m) => {
        const f = JSON.parse(m) as unknown[];
        return f[0] === S_PATCH && new URL(String(f[2]), e2e.demo.url).searchParams.get("q") === stale;
      }),
      `the held answer to "${stale}"`,
    );
    const older = held;
    held = [];
    await page.keyboard.type(last.slice(1));
    expect(await input.inputValue()).toBe(text);

    for (const m of older) toPage!(m);
    // the older render landed (its URL patch, held after it, too); the box keeps what the user
    // typed: while its change waits out the debounce the form's fields are left whole (morph.ts)
    await page.waitForURL((u) => u.searchParams.get("q") === stale);
    expect(await input.inputValue()).toBe(text);
    expect(await page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement;
      return { name: el.name, caret: el.selectionStart, end: el.selectionEnd };
    })).toEqual({ name: "q", caret: text.length, end: text.length });

    holding = false;
    for (const m of held.splice(0)) toPage!(m);
    await waitForResults(page, text);
    expect(await input.inputValue()).toBe(text);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("q");
    const found = await rows(page);
    expect(found.length).toBeGreaterThan(0);
    for (const [, name] of found) expect(name.toLowerCase()).toContain(text.toLowerCase());
    await page.close();
  });
});
