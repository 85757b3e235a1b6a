// Pushed updates against the real demo server with the order simulator on (an order every
// 300 ms): the KPI tile on /kpi and nested in /, the nested view's subtree across a parent
// re-render, and focus/typing while the tile is being patched. Waits are condition polls.
import { beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, WebSocketRoute } from "playwright-core";
import { S_RENDERED } from "../packages/client/src/protocol.js";
import { useDemo } from "./support/demo.js";
import { markDocument, numberIn, until, waitForNumberAbove } from "./support/browser.js";
import { CLASS_DISCONNECTED, CLASS_ERROR, openLive, viewRoots } from "./support/live.js";

const e2e = useDemo({ simulateMs: 300 });
let ctx: BrowserContext;

beforeAll(async () => {
  ctx = await e2e.browser.newContext();
});

const TILE = "#orders-today";

const open = (path: string, views: number, route?: (ws: WebSocketRoute) => void) => openLive(ctx, e2e.demo.url + path, views, route);

describe("KPI tile", () => {
  it("on /kpi, orders today goes up without a reload", async () => {
    const { page } = await open("/kpi", 1);
    const same = await markDocument(page);
    const n0 = await numberIn(page, TILE);
    const n1 = await waitForNumberAbove(page, TILE, n0);
    await waitForNumberAbove(page, TILE, n1);
    expect(await same()).toBe(true);
    await page.close();
  });

  it("on / (nested in the home view), both roots join and the tile goes up without a reload", async () => {
    // before JavaScript, the home page already shows the tile with a number
    const html = await (await fetch(`${e2e.demo.url}/`)).text();
    expect(html).toMatch(/lv-child><div class="kpi">.*id="orders-today">\d+<\/strong>/);
    const { page } = await open("/", 2);
    const same = await markDocument(page);
    const roots = await viewRoots(page);
    expect(roots).toHaveLength(2);
    const [home, kpi] = roots;
    expect(home!.child).toBe(false);
    expect(kpi!.child).toBe(true);
    expect(kpi!.id).toBe(`${home!.id}-kpi`);
    // the tile sits inside the home view's root, in its own root
    expect(await page.locator(`#${home!.id} #${kpi!.id} ${TILE}`).count()).toBe(1);

    const n0 = await numberIn(page, TILE);
    const n1 = await waitForNumberAbove(page, TILE, n0);
    await waitForNumberAbove(page, TILE, n1);
    expect(await same()).toBe(true);
    for (const r of await viewRoots(page)) {
      expect(r.classes).not.toContain(CLASS_DISCONNECTED);
      expect(r.classes).not.toContain(CLASS_ERROR);
    }
    await page.close();
  });
});

describe("nested view", () => {
  it("the KPI child's subtree survives a re-render of the home view", async () => {
    // The home view has no events, so the server never re-renders it after the join. To
    // exercise the parent's morph we replay the parent's own join render (with a visible
    // change) into the page through a routed socket. The morph must not enter the child's root.
    let route: WebSocketRoute | undefined;
    const { page, frames } = await open("/", 2, (ws) => {
      route = ws;
      ws.connectToServer(); // frames pass through untouched both ways
    });
    const homeId = (await viewRoots(page)).find((r) => !r.child)!.id;
    const homeRender = await until(
      () => frames.find((f) => f.dir === "received" && f.data[0] === S_RENDERED && String(f.data[2]).includes("<h2>Weft demo</h2>")),
      "the home view's render",
    );
    const [, homeRef, homeHtml] = homeRender.data as [string, number, string];
    // What the parent's HTML holds for the child is stale either way: an empty shell for the
    // child's root (what the server sends today) or the tile with the count of join time.
    const stale = Number(/id="orders-today">(\d+)</.exec(homeHtml)?.[1] ?? -1);

    // the child moved on since the parent rendered it
    const before = await waitForNumberAbove(page, TILE, Math.max(stale, await numberIn(page, TILE)));
    await page.evaluate((sel) => {
      const tile = document.querySelector(sel)!;
      (tile as any).__e2e = "tile";
      (tile.closest("[lv-child]") as any).__e2e = "child";
    }, TILE);

    const changed = homeHtml.replace("<h2>Weft demo</h2>", "<h2>Weft demo (again)</h2>");
    expect(changed).not.toBe(homeHtml);
    route!.send(JSON.stringify([S_RENDERED, homeRef, changed]));
    await page.locator(`#${homeId} h2`, { hasText: "Weft demo (again)" }).waitFor();

    // same child nodes, count not rolled back to the parent's stale copy
    const after = await page.evaluate((sel) => {
      const tile = document.querySelector(sel)!;
      return {
        tile: (tile as any).__e2e,
        child: (tile.closest("[lv-child]") as any).__e2e,
        n: Number(tile.textContent),
      };
    }, TILE);
    expect(after.tile).toBe("tile");
    expect(after.child).toBe("child");
    expect(after.n).toBeGreaterThanOrEqual(before);
    expect(after.n).toBeGreaterThan(stale);
    // and the child keeps receiving its own deltas
    await waitForNumberAbove(page, TILE, after.n);
    for (const r of await viewRoots(page)) {
      expect(r.classes).not.toContain(CLASS_DISCONNECTED);
      expect(r.classes).not.toContain(CLASS_ERROR);
    }
    await page.close();
  });
});

describe("focus", () => {
  it("pushed KPI deltas neither steal focus from nor overwrite an input the user is typing in", async () => {
    const { page } = await open("/", 2);
    // The demo has no page with both a text field and a pushed tile, so the page gets one: a
    // field in the home view's section, next to the live tile, as on a dashboard.
    await page.evaluate(() => {
      const input = document.createElement("input");
      input.id = "e2e-note";
      input.setAttribute("aria-label", "note");
      document.querySelector("section.card")!.append(input);
    });
    const input = page.getByRole("textbox", { name: "note" });
    await input.click();
    const text = "abc 12";
    let typed = "";
    for (const ch of text) {
      // a KPI delta lands, then the next key
      await waitForNumberAbove(page, TILE, await numberIn(page, TILE));
      await page.keyboard.type(ch);
      typed += ch;
      expect(await input.inputValue()).toBe(typed);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("e2e-note");
    }
    const n = await numberIn(page, TILE);
    await waitForNumberAbove(page, TILE, n);
    expect(await input.inputValue()).toBe(text);
    const state = await page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement;
      return { id: el.id, caret: el.selectionStart, end: el.selectionEnd };
    });
    expect(state).toEqual({ id: "e2e-note", caret: text.length, end: text.length });
    await page.close();
  });
});
