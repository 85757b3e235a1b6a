// Counter and 50-row table against the real demo server, in real Chromium.
// Waits are condition polls (Playwright auto-waiting, waitForFunction); nothing asserts on timing.
import { beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { useDemo } from "./support/demo.js";
import { CLASS_DISCONNECTED, CLASS_ERROR, eventAndReply, openLive, viewRoots } from "./support/live.js";

const e2e = useDemo({ simulateMs: 0 });
let ctx: BrowserContext;

beforeAll(async () => {
  ctx = await e2e.browser.newContext();
});

/** Opens `path` in a new page of the shared context, recording socket frames; waits for the join. */
const open = (path: string) => openLive(ctx, e2e.demo.url + path);

describe("counter", () => {
  it("is readable before JavaScript: the HTML already shows 0", async () => {
    const res = await fetch(`${e2e.demo.url}/counter`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<p class="big" id="count">0<\/p>/);
    expect(html).toMatch(/<div id="lv-[^"]+" lv-view="counter" lv-token="[^"]+">/);
  });

  it("shows 0 with JavaScript disabled", async () => {
    const noJs = await e2e.browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await noJs.newPage();
      await page.goto(`${e2e.demo.url}/counter`);
      expect(await page.locator("#count").innerText()).toBe("0");
    } finally {
      await noJs.close();
    }
  });

  it("counts three clicks on + to 3", async () => {
    const { page } = await open("/counter");
    const count = page.locator("#count");
    expect(await count.innerText()).toBe("0");
    const plus = page.getByRole("button", { name: "increment" });
    await plus.click();
    await plus.click();
    await plus.click();
    await page.waitForFunction(() => document.querySelector("#count")?.textContent === "3");
    expect(await count.innerText()).toBe("3");
    const roots = await viewRoots(page);
    expect(roots).toHaveLength(1);
    expect(roots[0]!.classes).not.toContain(CLASS_DISCONNECTED);
    expect(roots[0]!.classes).not.toContain(CLASS_ERROR);
    await page.close();
  });
});

describe("table", () => {
  it("+1 on row 7 changes only that cell, and the reply is a small delta", async () => {
    const { page, frames } = await open("/table");
    const cells = () => page.$$eval("#stock tbody td", (tds) => tds.map((td) => td.textContent));
    const before = await cells();
    expect(before.length).toBe(50 * 5);
    const stock7 = Number(await page.locator("#row-7 td.stock").innerText());
    // tag every row element: a morph that patches in place keeps them; a full replace would not
    await page.$$eval("#stock tbody tr", (trs) => trs.forEach((tr, i) => ((tr as any).__e2e = i)));

    const sentBefore = frames.length;
    await page.locator("#row-7 button").click();
    await page.waitForFunction(
      (n) => document.querySelector("#row-7 td.stock")?.textContent === String(n),
      stock7 + 1,
    );

    const after = await cells();
    const changed = after.flatMap((t, i) => (t === before[i] ? [] : [i]));
    expect(changed).toEqual([6 * 5 + 2]); // row 7, third column (Stock)
    expect(after[6 * 5 + 2]).toBe(String(stock7 + 1));
    const kept = await page.$$eval("#stock tbody tr", (trs) => trs.every((tr, i) => (tr as any).__e2e === i));
    expect(kept).toBe(true);

    const { event, reply } = await eventAndReply(frames, "restock", sentBefore);
    expect(event.data[4]).toEqual({ id: "7" });
    const update = reply.data[3];
    expect(Array.isArray(update), `reply carries a delta, got ${reply.raw.slice(0, 200)}`).toBe(true);
    expect(reply.bytes).toBeLessThan(100);
    expect(reply.raw).not.toContain("<tr");
    await page.close();
  });
});
