// Live navigation and the smaller bindings of issue 12 in real Chromium against the scripted
// fake server (test/server.ts): lv-navigate, the server's g / m / ti frames, back / forward
// with scroll restoration, lv-debounce="blur", lv-window-keydown / keyup, lv-click-away.
// Every wait is a condition poll; nothing asserts on timing.
import { describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { base, newContext, server, useChromium } from "./chromium.js";
import { C_EVENT, C_JOIN, C_NAVIGATE, C_PARAMS } from "../src/protocol.js";
import { goFrame, mountedFrame, redirectFrame, titleFrame } from "../src/codec.js";
import { root, until } from "./server.js";

useChromium();
let ctx: BrowserContext;

async function open(path: string, body: string, head = ""): Promise<Page> {
  server.pages.set(path, { body, head });
  ctx = await newContext();
  const page = await ctx.newPage();
  await page.goto(base + path);
  return page;
}

const frames = (type: string) => server.all().filter(([, f]) => f[0] === type);
const last = (type: string) => until(() => frames(type).at(-1), `a ${type} frame`);

describe("live navigation", () => {
  it("lv-navigate mounts the next view over the same socket: no page load, URL, title, active link and scroll follow; back restores them", async () => {
    // (the fake server's CSP forbids inline styles: the page is long by its content)
    const tall = "<p>line</p>".repeat(200);
    const nav = `<nav lv-nav><a id="home" href="/n/a">A</a><a id="to-b" href="/n/b" lv-navigate>B</a></nav>`;
    server.views.set("tA", `<p id="a">page a</p>${tall}`);
    const page = await open("/n/a", nav + root("lv-a", "tA", `<p id="a">page a</p>${tall}`), `<title data-suffix=" | Site">A | Site</title>`);
    const a = await until(() => frames(C_JOIN).at(-1), "join");
    const [c, join] = a;
    await page.evaluate(() => ((window as any).marker = 1));
    expect(await page.getAttribute("#home", "aria-current")).toBe("page");
    await page.evaluate(() => scrollTo(0, 700));
    await page.waitForFunction(() => scrollY === 700);
    const hits = server.hits.length;
    // a script click: Playwright's would scroll the link into view first
    await page.evaluate(() => document.getElementById("to-b")!.click());
    const [, n] = await last(C_NAVIGATE);
    expect(n).toEqual([C_NAVIGATE, join[1], (join[1] as number) + 1, base + "/n/b"]);
    server.send(c, mountedFrame(n[2] as number, `<p id="b">page b</p>`, "B", "lv-b", "vb", "tB"));
    await page.waitForSelector("#b");
    expect(page.url()).toBe(base + "/n/b");
    expect(await page.title()).toBe("B | Site");
    expect(await page.getAttribute("[lv-view]", "lv-token")).toBe("tB");
    expect(await page.getAttribute("[lv-view]", "id")).toBe("lv-b");
    expect(await page.getAttribute("#to-b", "aria-current")).toBe("page");
    expect(await page.getAttribute("#home", "aria-current")).toBeNull();
    expect(await page.evaluate(() => scrollY)).toBe(0);
    expect(await page.evaluate(() => (window as any).marker)).toBe(1);
    expect(server.hits.length).toBe(hits);
    expect(server.conns).toHaveLength(1);
    // back: the URL changes, params go to the new view, the server answers "navigate" (another route)
    await page.goBack();
    const [, p] = await last(C_PARAMS);
    expect(p).toEqual([C_PARAMS, n[2], base + "/n/a"]);
    server.send(c, goFrame(n[2] as number, base + "/n/a", true));
    const [, back] = await until(() => frames(C_NAVIGATE).length === 2 && frames(C_NAVIGATE)[1], "second navigate");
    expect(back).toEqual([C_NAVIGATE, n[2], (n[2] as number) + 1, base + "/n/a"]);
    server.send(c, mountedFrame(back[2] as number, `<p id="a">page a</p>${tall}`, "A", "lv-a2", "va", "tA2"));
    await page.waitForSelector("#a");
    await page.waitForFunction(() => scrollY === 700);
    expect(page.url()).toBe(base + "/n/a");
    expect(await page.title()).toBe("A | Site");
    expect(await page.getAttribute("#home", "aria-current")).toBe("page");
    expect(await page.evaluate(() => (window as any).marker)).toBe(1);
    expect(server.hits.length).toBe(hits);
  });

  it("the server's navigate (pushNavigate) starts a navigation; a redirect answer loads the page", async () => {
    server.views.set("tA", `<p id="a">a</p>`);
    server.pages.set("/n/other", { body: "<p id=other>other</p>" });
    const page = await open("/n/start", root("lv-a", "tA", `<p id="a">a</p>`));
    const [c, join] = await until(() => frames(C_JOIN).at(-1), "join");
    server.send(c, goFrame(join[1] as number, "/n/other", false));
    const [, n] = await last(C_NAVIGATE);
    expect(n).toEqual([C_NAVIGATE, join[1], (join[1] as number) + 1, "/n/other"]);
    server.send(c, redirectFrame(n[2] as number, "/n/other"));
    await page.waitForSelector("#other");
    expect(server.hits.at(-1)).toBe("/n/other");
  });

  it("a title frame sets the document title with the <title>'s data-suffix", async () => {
    server.views.set("tA", `<p>a</p>`);
    const page = await open("/n/title", root("lv-a", "tA", `<p>a</p>`), `<title data-suffix=" · Weft">x · Weft</title>`);
    const [c, join] = await until(() => frames(C_JOIN).at(-1), "join");
    server.send(c, titleFrame(join[1] as number, "3 unread"));
    await page.waitForFunction(() => document.title === "3 unread · Weft");
  });
});

describe("smaller bindings", () => {
  it('lv-debounce="blur" sends nothing while typing, then the latest values once the field loses focus', async () => {
    const html = `<form lv-change="typed" lv-debounce="blur"><input id="i" name="q"></form><button id="out">x</button>`;
    server.views.set("tA", html);
    const page = await open("/n/blur", root("lv-a", "tA", html));
    await until(() => frames(C_JOIN).at(-1), "join");
    await page.type("#i", "abc");
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
    expect(frames(C_EVENT)).toHaveLength(0);
    await page.click("#out");
    const [, e] = await last(C_EVENT);
    expect(e[3]).toBe("typed");
    expect(e[4]).toEqual({ q: "abc", _target: "q" });
    await page.click("#out");
    expect(frames(C_EVENT)).toHaveLength(1);
  });

  it("lv-window-keydown / keyup fire wherever the focus is, filtered by lv-key; lv-click-away fires on clicks outside only", async () => {
    const html = `<div id="k" lv-window-keydown="esc" lv-key="Escape"></div><div id="u" lv-window-keyup="up"></div>` +
      `<div id="menu" lv-click-away="close" lv-value-id="m"><button id="inside">in</button></div><button id="outside">out</button>`;
    server.views.set("tA", html);
    const page = await open("/n/keys", root("lv-a", "tA", html));
    await until(() => frames(C_JOIN).at(-1), "join");
    await page.keyboard.press("a");
    await page.keyboard.press("Escape");
    await until(() => frames(C_EVENT).some(([, f]) => f[3] === "esc"), "esc");
    const names = () => frames(C_EVENT).map(([, f]) => f[3]);
    await until(() => names().filter((n) => n === "up").length === 2, "two keyups");
    expect(names().filter((n) => n === "esc")).toHaveLength(1);
    expect(frames(C_EVENT).find(([, f]) => f[3] === "esc")![1][4]).toMatchObject({ key: "Escape" });
    await page.click("#inside");
    await page.click("#outside");
    await until(() => names().includes("close"), "click-away");
    expect(names().filter((n) => n === "close")).toHaveLength(1);
    expect(frames(C_EVENT).find(([, f]) => f[3] === "close")![1][4]).toEqual({ id: "m" });
  });
});
