// JS commands and the hook additions in real Chromium against the scripted fake server
// (test/server.ts): each operation, that its DOM changes survive a server patch, lv-mounted /
// lv-remove, and hooks' pushEvent reply callback / pushEventTo / execJS. Waits are condition polls.
import { describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { base, newContext, server, useChromium } from "./chromium.js";
import { C_EVENT, C_JOIN, C_NAVIGATE, C_PARAMS, CLASS_LOADING, E_SERVER } from "../src/protocol.js";
import { errorFrame, mountedFrame, replyFrame } from "../src/codec.js";
import { root, until, delta, type Conn } from "./server.js";

useChromium();
let ctx: BrowserContext;

/** A JS command as `@weft/server`'s `JS` renders it into a double-quoted attribute. */
const js = (...ops: Array<[string, Record<string, unknown>]>) => JSON.stringify(ops).replace(/&/g, "&amp;").replace(/"/g, "&quot;");

/** Serves a page with one view (`token`, inner `html`), opens it and waits for its join. */
async function open(path: string, token: string, html: string, opts: { clock?: boolean; extra?: string } = {}) {
  server.views.set(token, html);
  server.pages.set(path, { body: root("v", token, html) + (opts.extra ?? "") });
  ctx = await newContext();
  if (opts.clock) await ctx.clock.install();
  const page = await ctx.newPage();
  await page.goto(base + path);
  if (opts.clock) await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1000);
  const [c, f] = await until(() => server.all().find(([, f]) => f[0] === C_JOIN && f[2] === token), `join ${token}`);
  return { page, c, ref: f[1] as number };
}

const events = (c: Conn, name?: string) => c.frames.filter((f) => f[0] === C_EVENT && (!name || f[3] === name));
/** The first event frame named `name` (waits for it). */
const first = (c: Conn, name: string) => until(() => events(c, name)[0], `event ${name}`);
const display = (page: Page, sel: string) => page.$eval(sel, (el) => getComputedStyle(el).display);
const waitDisplay = (page: Page, sel: string, d: string) =>
  page.waitForFunction(([s, d]) => { const el = document.querySelector(s!); return !!el && getComputedStyle(el).display === d; }, [sel, d]);
const classes = (page: Page, sel: string) => page.$eval(sel, (el) => [...el.classList].sort().join(" "));
/** Sends a render and waits until the page shows `marker` text in `#m`. */
async function patch(page: Page, c: Conn, ref: number, html: string, marker: string) {
  server.render(c, ref, html);
  await page.waitForFunction((t) => document.querySelector("#mark")?.textContent === t, marker);
}

describe("JS commands", () => {
  it("show / hide / toggle run without a frame, and what they did survives server patches", async () => {
    const html = (n: string) =>
      `<p id="mark">${n}</p><div id="modal" hidden>modal ${n}</div>` +
      `<button id="open" lv-click="${js(["show", { to: "#modal", display: "block" }])}">open</button>` +
      `<button id="close" lv-click="${js(["hide", { to: "#modal" }])}">close</button>` +
      `<button id="flip" lv-click="${js(["toggle", { to: "#modal", display: "flex" }])}">flip</button>`;
    const { page, c, ref } = await open("/j/show", "tS", html("0"));
    expect(await display(page, "#modal")).toBe("none");
    await page.click("#open");
    await waitDisplay(page, "#modal", "block");
    // a server render that changes the modal's text (its HTML still says display: none) keeps it open
    await patch(page, c, ref, html("1"), "1");
    expect(await page.textContent("#modal")).toBe("modal 1");
    expect(await display(page, "#modal")).toBe("block");
    await page.click("#close");
    await waitDisplay(page, "#modal", "none");
    await page.click("#flip");
    await waitDisplay(page, "#modal", "flex");
    await page.click("#flip");
    await waitDisplay(page, "#modal", "none");
    await page.click("#flip");
    await waitDisplay(page, "#modal", "flex");
    await patch(page, c, ref, html("2"), "2");
    expect(await display(page, "#modal")).toBe("flex");
    expect(events(c), "no event frame was sent").toEqual([]);
  });

  it("addClass / removeClass / setAttribute / removeAttribute survive a patch; the element keeps server changes too", async () => {
    const html = (n: string) =>
      `<p id="mark">${n}</p><div id="box" class="card old" title="t${n}" hidden data-n="${n}">box</div>` +
      `<button id="go" lv-click="${js(
        ["add", { to: "#box", names: "open wide" }],
        ["remove", { to: "#box", names: "old" }],
        ["set", { to: "#box", attr: "aria-expanded", value: "true" }],
        ["set", { to: "#box", attr: "hidden" }],
      )}">go</button>`;
    const { page, c, ref } = await open("/j/class", "tC", html("0"));
    await page.click("#go");
    await page.waitForFunction(() => document.querySelector("#box")!.classList.contains("wide"));
    const state = () => page.$eval("#box", (el) => [[...el.classList].sort().join(" "), el.getAttribute("aria-expanded"), el.hasAttribute("hidden"), el.getAttribute("title")]);
    expect(await state()).toEqual(["card open wide", "true", false, "t0"]);
    await patch(page, c, ref, html("1"), "1");
    expect(await state()).toEqual(["card open wide", "true", false, "t1"]);
    expect(await page.getAttribute("#box", "data-n")).toBe("1");
    expect(events(c)).toEqual([]);
  });

  it("transition classes stay for `time` ms; hide with a transition hides at its end (fake clock)", async () => {
    const html = `<p id="mark">0</p><div id="box">box</div>` +
      `<button id="shake" lv-click="${js(["transition", { to: "#box", transition: "shake hard", time: 300 }])}">s</button>` +
      `<button id="fade" lv-click="${js(["hide", { to: "#box", transition: "fade", time: 500 }])}">f</button>`;
    const { page } = await open("/j/transition", "tT", html, { clock: true });
    await page.click("#shake");
    expect(await classes(page, "#box")).toBe("hard shake");
    await page.clock.runFor(301);
    await page.waitForFunction(() => document.querySelector("#box")!.className === "");
    await page.click("#fade");
    expect(await classes(page, "#box")).toBe("fade");
    expect(await display(page, "#box")).toBe("block");
    await page.clock.runFor(501);
    await waitDisplay(page, "#box", "none");
    expect(await classes(page, "#box")).toBe("");
  });

  it("dispatch fires a bubbling CustomEvent with its detail; focus focuses the target", async () => {
    const html = `<p id="mark">0</p><input id="q" name="q">` +
      `<button id="d" lv-click="${js(["dispatch", { event: "weft:copy", detail: { text: "hi" }, bubbles: true }], ["focus", { to: "#q" }])}">d</button>`;
    const { page, c } = await open("/j/dispatch", "tD", html);
    await page.evaluate(() => document.addEventListener("weft:copy", (e) => ((window as any).got = [(e.target as Element).id, (e as CustomEvent).detail])));
    await page.click("#d");
    await page.waitForFunction(() => (window as any).got);
    expect(await page.evaluate(() => (window as any).got)).toEqual(["d", { text: "hi" }]);
    await page.waitForFunction(() => document.activeElement?.id === "q");
    expect(events(c)).toEqual([]);
  });

  it("push sends the binding's payload merged with its value, with the loading class; a plain name still pushes; a form submit pushes its values", async () => {
    const html = `<p id="mark">0</p><div id="box">box</div>` +
      `<button id="b" lv-value-id="7" lv-click="${js(["push", { event: "inc", value: { by: 2 } }], ["add", { to: "#box", names: "busy" }])}">b</button>` +
      `<button id="plain" lv-click="plain">p</button>` +
      `<form id="f" lv-submit="${js(["push", { event: "save" }], ["hide", { to: "#f" }])}"><input name="title" value="x"><button id="s">s</button></form>`;
    const { page, c, ref } = await open("/j/push", "tP", html);
    await page.click("#b");
    const e = await first(c, "inc");
    expect(e).toEqual([C_EVENT, ref, e[2], "inc", { id: "7", by: 2 }]);
    expect(await page.$eval("#b", (el, l) => el.classList.contains(l), CLASS_LOADING)).toBe(true);
    expect(await classes(page, "#box")).toBe("busy");
    server.send(c, replyFrame(ref, e[2] as number));
    await page.waitForFunction((l) => !document.querySelector("#b")!.classList.contains(l), CLASS_LOADING);
    await page.click("#plain");
    await until(() => events(c, "plain").length, "plain");
    await page.click("#s");
    const s = await first(c, "save");
    expect(s[4]).toEqual({ title: "x" });
    await waitDisplay(page, "#f", "none");
  });

  it("patch changes the URL and sends params; navigate is a live navigation (push or replace), a page load off-site", async () => {
    const html = `<p id="mark">0</p>` +
      `<a id="p" href="#" lv-click="${js(["patch", { href: "/j/nav?page=2" }])}">p</a>` +
      `<a id="n" href="#" lv-click="${js(["navigate", { href: "/j/other" }])}">n</a>`;
    const other = `<p id="other">other</p><a id="r" href="#" lv-click="${js(["navigate", { href: "/j/third", replace: true }])}">r</a>` +
      `<a id="off" href="#" lv-click="${js(["navigate", { href: base.replace("127.0.0.1", "localhost") + "/j/off" }])}">off</a>`;
    server.pages.set("/j/off", { body: "<p id=off-site>off</p>" });
    const { page, c, ref } = await open("/j/nav", "tN", html);
    await page.click("#p");
    await page.waitForURL(/page=2/);
    const p = await until(() => c.frames.find((f) => f[0] === C_PARAMS), "params");
    expect(p).toEqual([C_PARAMS, ref, base + "/j/nav?page=2"]);
    const hits = server.hits.length;
    const entries = await page.evaluate(() => history.length);
    // navigate: over the socket, the server mounts the next view (as an lv-navigate link)
    await page.click("#n");
    const n = await until(() => c.frames.find((f) => f[0] === C_NAVIGATE), "navigate");
    expect(n).toEqual([C_NAVIGATE, ref, ref + 1, "/j/other"]);
    server.send(c, mountedFrame(ref + 1, other, "Other", "lv-o", "vo", "tO"));
    await page.waitForSelector("#other");
    expect(page.url()).toBe(base + "/j/other");
    expect(await page.evaluate(() => history.length)).toBe(entries + 1);
    // replace: the next view takes the history entry's place
    await page.click("#r");
    const r = await until(() => c.frames.filter((f) => f[0] === C_NAVIGATE)[1], "second navigate");
    expect(r).toEqual([C_NAVIGATE, ref + 1, ref + 2, "/j/third"]);
    server.send(c, mountedFrame(ref + 2, `<p id="third">third</p>` + other.replace(`<p id="other">other</p>`, ""), "Third", "lv-t", "vt", "tT"));
    await page.waitForSelector("#third");
    expect(page.url()).toBe(base + "/j/third");
    expect(await page.evaluate(() => history.length)).toBe(entries + 1);
    expect(server.hits.length).toBe(hits);
    expect(server.conns).toHaveLength(1);
    // another site (another origin): a page load, no navigate frame
    await page.click("#off");
    await page.waitForSelector("#off-site");
    expect(c.frames.filter((f) => f[0] === C_NAVIGATE)).toHaveLength(2);
    expect(server.hits.at(-1)).toBe("/j/off");
  });

  it("lv-mounted runs once when an element appears (join included); lv-remove runs before it goes", async () => {
    const html = (extra: string, n: string) =>
      `<p id="mark">${n}</p><div id="a" lv-mounted="${js(["toggle", { display: "block" }])}" hidden>a</div>` + extra;
    const late = `<div id="late" lv-mounted="${js(["add", { names: "in" }])}" lv-remove="${js(["push", { event: "gone", value: { id: "late" } }])}">l</div>`;
    const { page, c, ref } = await open("/j/mounted", "tM", html("", "0"));
    await waitDisplay(page, "#a", "block");
    await patch(page, c, ref, html(late, "1"), "1");
    await page.waitForFunction(() => document.querySelector("#late")?.classList.contains("in"));
    // a second render does not run lv-mounted again (the toggle would hide #a)
    await patch(page, c, ref, html(late.replace(">l<", ">L<"), "2"), "2");
    expect(await display(page, "#a")).toBe("block");
    expect(events(c)).toEqual([]);
    await patch(page, c, ref, html("", "3"), "3");
    const g = await first(c, "gone");
    expect(g).toEqual([C_EVENT, ref, g[2], "gone", { id: "late" }]);
  });
});

describe("hooks", () => {
  /** Registers the `Rep` hook, then renders an element using it. */
  async function withHook(page: Page, c: Conn, ref: number, html: string) {
    await page.evaluate(() => {
      (window as any).replies = [];
      (window as any).weftHooks.Rep = {
        mounted() {
          (window as any).rep = this;
        },
      };
    });
    server.render(c, ref, html);
    await page.waitForFunction(() => (window as any).rep);
  }

  it("pushEvent's onReply gets the reply value after the reply's render; an error drops it", async () => {
    const start = `<p id="mark">0</p>`;
    const html = (n: string) => `<p id="mark">${n}</p><div id="h" lv-hook="Rep"></div>`;
    const { page, c, ref } = await open("/j/reply", "tR", start);
    await withHook(page, c, ref, html("0"));
    await page.evaluate(() => {
      const w = window as any;
      w.rep.pushEvent("save", { a: 1 }, (r: unknown) => w.replies.push([r, document.querySelector("#mark")!.textContent]));
      w.rep.pushEvent("plain", {}, (r: unknown) => w.replies.push([r]));
      w.rep.pushEvent("fails", {}, (r: unknown) => w.replies.push(["fails", r]));
    });
    const save = await first(c, "save");
    const plain = await first(c, "plain");
    const fails = await first(c, "fails");
    expect(save[4]).toEqual({ a: 1 });
    server.send(c, errorFrame(ref, E_SERVER, "no", fails[2] as number));
    server.send(c, replyFrame(ref, save[2] as number, delta(html("0"), html("1")), { id: 9 }));
    c.last.set(ref, html("1"));
    server.send(c, replyFrame(ref, plain[2] as number));
    await page.waitForFunction(() => (window as any).replies.length === 2);
    expect(await page.evaluate(() => (window as any).replies)).toEqual([[{ id: 9 }, "1"], [{}]]);
  });

  it("pushEventTo sends to the view of each matched element (one event per element); execJS runs a command", async () => {
    const html = `<p id="mark">0</p><div id="h" lv-hook="Rep"></div><div id="box"></div>`;
    server.views.set("tO", `<i class="t">o1</i><i class="t">o2</i>`);
    const { page, c, ref } = await open("/j/to", "tQ", `<p id="mark">0</p>`, {
      extra: root("o", "tO", `<i class="t">o1</i><i class="t">o2</i>`),
    });
    const [, jo] = await until(() => server.all().find(([, f]) => f[0] === C_JOIN && f[2] === "tO"), "join tO");
    await withHook(page, c, ref, html);
    await page.evaluate(() => (window as any).rep.pushEventTo(".t", "ping", { n: 1 }));
    await page.evaluate(() => (window as any).rep.pushEventTo(document.querySelector("#v"), "pong"));
    const ping = await first(c, "ping");
    const pong = await first(c, "pong");
    await until(() => events(c, "ping").length === 2, "a ping per matched element");
    expect(events(c, "ping").map((f) => [f[1], f[4]])).toEqual([[jo[1], { n: 1 }], [jo[1], { n: 1 }]]);
    expect(ping).toEqual([C_EVENT, jo[1], ping[2], "ping", { n: 1 }]);
    expect(pong).toEqual([C_EVENT, ref, pong[2], "pong", {}]);
    await page.evaluate((cmd) => (window as any).rep.execJS(cmd), JSON.stringify([["add", { to: "#box", names: "lit" }]]));
    expect(await classes(page, "#box")).toBe("lit");
  });
});
