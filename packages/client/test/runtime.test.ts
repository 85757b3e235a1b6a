// The browser runtime in real Chromium against a scripted fake server (test/server.ts).
// Every wait is a condition poll; nothing asserts on timing.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import type { BrowserContext, Page } from "playwright-core";
import { base, newContext, server, useChromium } from "./chromium.js";
import {
  C_EVENT, C_HEARTBEAT, C_JOIN, C_LEAVE, C_PARAMS, CLASS_DISCONNECTED, CLASS_ERROR, CLASS_LOADING,
  CLOSE_SESSION_ENDED, CLOSE_UNAUTHORIZED, E_INVALID_TOKEN, E_SERVER, E_UNAUTHORIZED, PROTOCOL_VERSION,
} from "../src/protocol.js";
import { errorFrame, htmlHash, patchFrame, pushFrame, redirectFrame, renderedFrame, replyFrame, unchangedFrame } from "../src/codec.js";
import { root, until, delta, type Conn } from "./server.js";

useChromium();
let ctx: BrowserContext;

/** Serves `body` at `path`, opens it in a fresh context and returns the page. */
async function open(path: string, body: string, opts: { head?: string; module?: boolean; clock?: boolean } = {}): Promise<Page> {
  server.pages.set(path, { body, ...opts });
  ctx = await newContext();
  if (opts.clock) await ctx.clock.install();
  const page = await ctx.newPage();
  await page.goto(base + path);
  // the installed clock flows with real time until paused; from here on only runFor moves it
  if (opts.clock) await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1000);
  return page;
}

/** The join frame for `token` (waits for it), on whichever connection sent it last. */
async function joined(token: string, after = 0): Promise<{ c: Conn; ref: number; frame: unknown[] }> {
  const [c, frame] = await until(
    () => server.all().filter(([c, f]) => f[0] === C_JOIN && f[2] === token && server.conns.indexOf(c) >= after).at(-1),
    `join of ${token}`,
  );
  return { c, ref: frame[1] as number, frame };
}

/** The first event frame named `name` (waits for it). */
async function event(name: string, c?: Conn): Promise<unknown[]> {
  return until(() => server.all().find(([k, f]) => f[0] === C_EVENT && f[3] === name && (!c || k === c))?.[1], `event ${name}`);
}

const has = (page: Page, sel: string, cls: string) => page.$eval(sel, (el, c) => el.classList.contains(c), cls);
const waitClass = (page: Page, sel: string, cls: string, on = true) =>
  page.waitForFunction(([s, c, o]) => document.querySelector(s as string)?.classList.contains(c as string) === o, [sel, cls, on]);
const waitText = (page: Page, sel: string, text: string) =>
  page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent === t, [sel, text]);

describe("weft runtime", () => {
  it("both bundles start with morphdom's license notice", () => {
    for (const file of ["weft.js", "weft.mjs"]) {
      const head = readFileSync(new URL(`../dist/${file}`, import.meta.url), "utf8").slice(0, 200);
      expect(head).toMatch(/^\/\*! morphdom \d+\.\d+\.\d+ \| Copyright \(c\) Patrick Steele-Idem .* \| MIT License \*\/\n/);
    }
  });

  it("connects to /live/websocket?v=1 and joins every root with its token and the URL", async () => {
    server.views.set("tA", "<p>a</p>").set("tB", "<p>b</p>");
    const page = await open("/p/join", root("a", "tA", "<p>a</p>") + root("b", "tB", "<p>b</p>"));
    const a = await joined("tA");
    const b = await joined("tB");
    expect(a.c.url).toBe(`/live/websocket?v=${PROTOCOL_VERSION}`);
    expect(a.c).toBe(b.c);
    // no forms on a first join; the hash of the root's HTML (the browser serializes it back as the server wrote it)
    expect(a.frame).toEqual([C_JOIN, a.ref, "tA", base + "/p/join", null, htmlHash("<p>a</p>")]);
    expect(b.ref).not.toBe(a.ref);
    expect(server.conns).toHaveLength(1);
    expect(page.url()).toBe(base + "/p/join");
  });

  it("uses the socket path from <meta name=lv-socket> (ESM build)", async () => {
    server.views.set("tA", "<p>a</p>");
    await open("/p/meta", root("a", "tA", "<p>a</p>"), { head: `<meta name="lv-socket" content="/custom/ws">`, module: true });
    const { c } = await joined("tA");
    expect(c.url).toBe(`/custom/ws?v=${PROTOCOL_VERSION}`);
  });

  it("click sends lv-value-* and shows the loading class until the reply's delta is applied", async () => {
    const html = (n: number) => `<p id="n">${n}</p><button id="inc" lv-click="inc" lv-value-by="1" lv-value-user-id="7">+</button>`;
    server.views.set("tC", html(5));
    const page = await open("/p/click", root("c", "tC", html(5)));
    const { c, ref } = await joined("tC");
    await page.click("#inc");
    const e = await event("inc");
    expect(e).toEqual([C_EVENT, ref, e[2], "inc", { by: "1", "user-id": "7" }]);
    expect(await has(page, "#inc", CLASS_LOADING)).toBe(true);
    server.send(c, replyFrame(ref, e[2] as number, delta(html(5), html(6))));
    await waitText(page, "#n", "6");
    await waitClass(page, "#inc", CLASS_LOADING, false);
  });

  it("lv-target on the bound element (button, form) adds the component id to the event frame; none, none", async () => {
    const html =
      `<button id="t" lv-click="add" lv-target="cart">+</button><div lv-target="outer"><button id="plain" lv-click="add">+</button></div>` +
      `<form id="f" lv-submit="save" lv-target="signup"><input name="a" value="1"><button id="go">Go</button></form>`;
    server.views.set("tT", html);
    const page = await open("/p/target", root("tt", "tT", html));
    const { ref } = await joined("tT");
    await page.click("#t");
    await page.click("#plain");
    await page.click("#go");
    const sent = await until(() => {
      const es = server.all().filter(([, f]) => f[0] === C_EVENT).map(([, f]) => f);
      return es.length >= 3 && es;
    }, "three events");
    expect(sent[0]).toEqual([C_EVENT, ref, sent[0]![2], "add", {}, "cart"]);
    // an lv-target on an ancestor is not the bound element's: the event goes to the view
    expect(sent[1]).toEqual([C_EVENT, ref, sent[1]![2], "add", {}]);
    expect(sent[2]).toEqual([C_EVENT, ref, sent[2]![2], "save", { a: "1" }, "signup"]);
  });

  it("a rendered or delta frame while an event is in flight keeps the loading class", async () => {
    const html = (n: number) => `<p id="n">${n}</p><button id="inc" lv-click="inc">+</button>`;
    server.views.set("tC", html(1));
    const page = await open("/p/inflight", root("c", "tC", html(1)));
    const { c, ref } = await joined("tC");
    await page.click("#inc");
    const e = await event("inc");
    server.render(c, ref, html(2)); // a broadcast render, not the reply
    await waitText(page, "#n", "2");
    expect(await has(page, "#inc", CLASS_LOADING)).toBe(true);
    server.send(c, replyFrame(ref, e[2] as number));
    await waitClass(page, "#inc", CLASS_LOADING, false);
  });

  it("lv-confirm: a dismissed confirm sends nothing, an accepted one sends the event", async () => {
    const html = `<button id="del" lv-click="delete" lv-confirm="Sure?">x</button><button id="ok" lv-click="other">o</button>`;
    server.views.set("tK", html);
    const page = await open("/p/confirm", root("k", "tK", html));
    await joined("tK");
    page.once("dialog", (d) => void d.dismiss());
    await page.click("#del");
    await page.click("#ok");
    await event("other");
    expect(server.all().some(([, f]) => f[3] === "delete")).toBe(false);
    page.once("dialog", (d) => void d.accept());
    await page.click("#del");
    await event("delete");
  });

  it("lv-change is debounced (300 ms by default) and sends the form values with _target (fake clock)", async () => {
    const html =
      `<form id="f" lv-change="validate"><input name="title" id="title">` +
      `<input type="checkbox" name="tags" value="a" checked><input type="checkbox" name="tags" value="b" checked></form>`;
    server.views.set("tF", html);
    const page = await open("/p/change", root("f1", "tF", html), { clock: true });
    const { ref } = await joined("tF");
    await page.type("#title", "abc");
    await page.clock.runFor(300);
    const e = await event("validate");
    // one frame for the whole burst: the first one already carries every keystroke
    expect(e).toEqual([C_EVENT, ref, e[2], "validate", { title: "abc", tags: ["a", "b"], _target: "title" }]);
  });

  it("lv-submit prevents the navigation and sends the form values (repeated names as arrays)", async () => {
    const html =
      `<form id="s" lv-submit="save"><input name="name" value="Ada"><select name="role" multiple>` +
      `<option selected>x</option><option selected>y</option></select><button id="go" name="act" value="go">Save</button></form>`;
    server.views.set("tS", html);
    const page = await open("/p/submit", root("s1", "tS", html));
    const { c, ref } = await joined("tS");
    await page.click("#go");
    const e = await event("save");
    expect(e).toEqual([C_EVENT, ref, e[2], "save", { name: "Ada", role: ["x", "y"], act: "go" }]);
    expect(await has(page, "#s", CLASS_LOADING)).toBe(true);
    server.send(c, replyFrame(ref, e[2] as number, `<p id="done">saved</p>`));
    await waitText(page, "#done", "saved");
    expect(page.url()).toBe(base + "/p/submit");
  });

  it("submit lock: while lv-submit is in flight the fields are read-only, submit buttons disabled with lv-disable-with text, resubmits dropped; the reply releases it", async () => {
    const html =
      `<form id="s" lv-submit="save"><input id="name" name="name" value="Ada"><input id="fixed" name="fixed" value="x" readonly>` +
      `<textarea id="note" name="note"></textarea><button id="go" lv-disable-with="Saving…">Save</button>` +
      `<button id="other" type="button">Other</button></form><span id="probe" lv-click="probe">p</span>`;
    server.views.set("tL", html);
    const page = await open("/p/lock", root("l", "tL", html));
    const { c, ref } = await joined("tL");
    const state = () =>
      page.evaluate(() => {
        const q = (id: string) => document.getElementById(id) as HTMLInputElement & HTMLButtonElement;
        return { name: q("name").readOnly, fixed: q("fixed").readOnly, note: q("note").readOnly, go: [q("go").disabled, q("go").textContent], other: q("other").disabled };
      });
    await page.dblclick("#go");
    const e = await event("save");
    expect(await state()).toEqual({ name: true, fixed: true, note: true, go: [true, "Saving…"], other: false });
    // typing changes nothing; Enter in a field and a scripted submit are dropped
    await page.press("#name", "Z");
    await page.press("#name", "Enter");
    expect(await page.inputValue("#name")).toBe("Ada");
    await page.evaluate(() => (document.getElementById("s") as HTMLFormElement).requestSubmit());
    await page.click("#probe"); // frames arrive in order: a save sent before the probe is here once the probe is
    await event("probe");
    server.send(c, replyFrame(ref, e[2] as number));
    await page.waitForFunction(() => !(document.getElementById("go") as HTMLButtonElement).disabled);
    // exactly one save was sent for the double click, the Enter and the scripted submit
    expect(server.all().filter(([, f]) => f[0] === C_EVENT && f[3] === "save")).toHaveLength(1);
    // released: as before, the field that was read-only before stays so
    expect(await state()).toEqual({ name: false, fixed: true, note: false, go: [false, "Save"], other: false });
    await page.click("#go");
    await until(() => server.all().filter(([, f]) => f[0] === C_EVENT && f[3] === "save").length === 2 || undefined, "a second save after the release");
  });

  it("click lock: a second click on an lv-click button in flight is dropped; other elements are not locked; an error frame releases", async () => {
    const html = `<button id="b" lv-click="inc" lv-disable-with="…">+</button><span id="t" lv-click="tap">t</span>`;
    server.views.set("tB", html);
    const page = await open("/p/clicklock", root("cl", "tB", html));
    const { c, ref } = await joined("tB");
    const count = (name: string) => server.all().filter(([, f]) => f[0] === C_EVENT && f[3] === name).length;
    await page.dblclick("#b");
    const e = await event("inc");
    expect(await page.$eval("#b", (b) => [(b as HTMLButtonElement).disabled, b.textContent])).toEqual([true, "…"]);
    await page.dblclick("#t");
    await until(() => count("tap") === 2 || undefined, "both taps on a span");
    expect(count("inc")).toBe(1);
    server.send(c, errorFrame(ref, E_SERVER, "Something went wrong", e[2] as number));
    await page.waitForFunction(() => !(document.getElementById("b") as HTMLButtonElement).disabled);
    expect(await page.textContent("#b")).toBe("+");
    await page.click("#b");
    await until(() => count("inc") === 2 || undefined, "a click after the release");
  });

  it("a redirect keeps the submit lock until the page is gone, though the reply arrives", async () => {
    const html = `<form id="s" lv-submit="save"><input id="name" name="name"><button id="go">Save</button></form>`;
    const probe = `<p id="on">0</p><span id="probe" lv-click="probe">p</span>`;
    server.views.set("tG", html).set("tO", probe);
    const page = await open("/p/going", root("g", "tG", html) + root("o", "tO", probe));
    const { c, ref } = await joined("tG");
    const other = await joined("tO");
    // the next page answers 204 No Content: the browser stays on this page, as while a slow next page loads
    const silent = createNetServer((sock) => sock.end("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const later = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/later`;
    await page.click("#go");
    const e = await event("save");
    server.send(c, redirectFrame(ref, later));
    server.send(c, replyFrame(ref, e[2] as number));
    server.render(other.c, other.ref, probe.replace(">0<", ">1<")); // sent after the reply: once shown, the reply was handled
    await waitText(page, "#on", "1");
    expect(await page.$eval("#go", (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await page.evaluate(() => (document.getElementById("s") as HTMLFormElement).requestSubmit());
    await page.click("#probe"); // frames arrive in order: a save sent before the probe is here once the probe is
    await event("probe");
    expect(server.all().filter(([, f]) => f[0] === C_EVENT && f[3] === "save")).toHaveLength(1);
    silent.close();
  });

  it("lv-keydown with lv-key sends only that key, with the input's value; lv-blur sends the value", async () => {
    const html = `<input id="q" name="q" lv-keydown="search" lv-key="Enter" lv-blur="left" lv-value-k="1"><button id="b">b</button>`;
    server.views.set("tQ", html);
    const page = await open("/p/keys", root("q1", "tQ", html));
    const { ref } = await joined("tQ");
    await page.type("#q", "ab");
    await page.keyboard.press("Enter");
    const e = await event("search");
    expect(e).toEqual([C_EVENT, ref, e[2], "search", { k: "1", key: "Enter", value: "ab" }]);
    await page.click("#b");
    const b = await event("left");
    expect(b[4]).toEqual({ k: "1", value: "ab" });
  });

  it("a patch never overwrites the focused input's value or caret, but updates the others", async () => {
    const html = (v: string, t: string) => `<input id="q" name="q" value="${v}"><input id="o" value="${v}"><p id="t">${t}</p>`;
    server.views.set("tI", html("", "0"));
    const page = await open("/p/focus", root("i", "tI", html("", "0")));
    const { c, ref } = await joined("tI");
    await page.type("#q", "hello");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("ArrowLeft");
    server.render(c, ref, html("server", "1"));
    await waitText(page, "#t", "1");
    expect(await page.$eval("#q", (el) => [(el as HTMLInputElement).value, (el as HTMLInputElement).selectionStart])).toEqual(["hello", 3]);
    expect(await page.$eval("#o", (el) => (el as HTMLInputElement).value)).toBe("server");
  });

  it("a parent's morph never enters a child root or an lv-ignore subtree; new roots join, removed ones leave", async () => {
    const child = (inner: string) => root("p-c", "tChild", inner, " lv-child");
    const parent = (t: string, extra = "") => `<p id="pt">${t}</p>${child("<i>stale</i>")}<div id="ig" lv-ignore>server</div>${extra}`;
    server.views.set("tP", parent("0")).set("tChild", "<i>live</i>").set("tNew", "<b>new live</b>");
    const page = await open("/p/nested", root("p", "tP", parent("0")));
    const p = await joined("tP");
    await joined("tChild");
    await waitText(page, "#p-c", "live");
    await page.$eval("#ig", (el) => (el.textContent = "client"));
    server.render(p.c, p.ref, parent("1", root("p-n", "tNew", "<b>new</b>", " lv-child")));
    await waitText(page, "#pt", "1");
    expect(await page.textContent("#p-c")).toBe("live");
    expect(await page.textContent("#ig")).toBe("client");
    const n = await joined("tNew");
    await waitText(page, "#p-n", "new live");
    server.render(p.c, p.ref, parent("2"));
    await until(() => p.c.frames.find((f) => f[0] === C_LEAVE && f[1] === n.ref), "leave");
    expect(await page.$("#p-n")).toBeNull();
  });

  it("lv-patch pushes the URL and sends params to top-level views; back sends params again; a patch frame updates the URL", async () => {
    const html = `<a id="l" href="/p/patch?page=2" lv-patch>2</a>` + root("t-c", "tPc", "c", " lv-child");
    server.views.set("tPa", html).set("tPc", "c");
    const page = await open("/p/patch", root("t", "tPa", html));
    const { c, ref } = await joined("tPa");
    await joined("tPc");
    await page.click("#l");
    const p = await until(() => c.frames.find((f) => f[0] === C_PARAMS), "params");
    expect(p).toEqual([C_PARAMS, ref, base + "/p/patch?page=2"]);
    // the URL as Playwright knows it follows by its own channel: wait for it, do not read it
    await page.waitForURL(base + "/p/patch?page=2");
    expect(server.hits).toHaveLength(1);
    // Back, started in the page; the wait is for its result (the params frame), not for a
    // navigation event that may already have fired (page.goBack() waits for one)
    await page.evaluate(() => void setTimeout(() => history.back()));
    await page.waitForURL(base + "/p/patch");
    const back = await until(() => c.frames.filter((f) => f[0] === C_PARAMS)[1], "params after back");
    expect(back).toEqual([C_PARAMS, ref, base + "/p/patch"]);
    expect(c.frames.filter((f) => f[0] === C_PARAMS)).toHaveLength(2); // never for the child
    server.send(c, patchFrame(ref, "/p/patch?sort=name", false));
    await page.waitForURL(base + "/p/patch?sort=name");
    expect(server.hits).toHaveLength(1);
  });

  it("a redirect frame navigates", async () => {
    server.views.set("tR", "r");
    const page = await open("/p/redir", root("r", "tR", "r"));
    server.pages.set("/p/there", { body: "<p id=there>there</p>" });
    const { c, ref } = await joined("tR");
    server.send(c, redirectFrame(ref, "/p/there"));
    await page.waitForURL(base + "/p/there");
  });

  it("reconnects after the server drops the socket, rejoins with the typed form values, never resends events", async () => {
    const html = `<form id="f" lv-change="validate"><input name="title" id="title"></form><button id="b" lv-click="slow">s</button>`;
    server.views.set("tRc", html);
    const page = await open("/p/reconnect", root("rc", "tRc", html));
    const first = await joined("tRc");
    expect(first.frame[4]).toBeNull(); // no forms on the first join
    await page.type("#title", "typed");
    await event("validate");
    await page.click("#b");
    await event("slow");
    expect(await has(page, "#b", CLASS_LOADING)).toBe(true);
    server.autoJoin = false; // hold the rejoin's render so the disconnected state is observable
    first.c.ws.close(1001);
    const again = await joined("tRc", 1);
    expect(again.frame).toEqual([C_JOIN, again.ref, "tRc", base + "/p/reconnect", [["validate", { title: "typed" }]], expect.any(String)]);
    // (the hash is of the DOM as it is now: the button kept an empty class attribute, so the server's HTML differs and is sent)
    expect(await has(page, "#rc", CLASS_DISCONNECTED)).toBe(true);
    expect(await has(page, "#b", CLASS_LOADING)).toBe(false);
    // the real server applies the recovered forms before rendering
    server.send(again.c, renderedFrame(again.ref, html.replace('id="title"', 'id="title" value="typed"')));
    await waitClass(page, "#rc", CLASS_DISCONNECTED, false);
    expect(await page.inputValue("#title")).toBe("typed");
    expect(again.c.frames.some((f) => f[0] === C_EVENT)).toBe(false);
  });

  it("keeps retrying while the server is away", async () => {
    server.views.set("tW", "w");
    const page = await open("/p/away", root("w", "tW", "w"));
    const first = await joined("tW");
    server.autoJoin = false;
    server.onFrame = (c, f) => f[0] === C_JOIN && c.ws.close(1011);
    first.c.ws.close(1012);
    await until(() => server.conns.length >= 3, "retries");
    expect(await has(page, "#w", CLASS_DISCONNECTED)).toBe(true);
    server.autoJoin = true;
    server.onFrame = () => {};
    await waitClass(page, "#w", CLASS_DISCONNECTED, false);
  });

  it("hooks: mounted after join, handleEvent via push, pushEvent, updated, disconnected/reconnected, destroyed", async () => {
    const html = (t: string, hook = true) => (hook ? `<div id="chart" lv-hook="Chart">${t}</div>` : "") + `<p id="x">${t}</p>`;
    server.views.set("tH", html("0"));
    const page = await open("/p/hooks", root("h", "tH", html("0")));
    const { c, ref } = await joined("tH");
    const log = () => page.evaluate(() => (window as unknown as { hookLog: string[] }).hookLog);
    await page.waitForFunction(() => (window as any).hookLog?.includes("mounted:chart"));
    server.send(c, pushFrame(ref, "ping", { n: 4 }));
    const pong = await event("pong");
    expect(pong).toEqual([C_EVENT, ref, pong[2], "pong", { n: 4 }]);
    server.render(c, ref, html("1"));
    await page.waitForFunction(() => (window as any).hookLog.includes("updated:chart"));
    server.views.set("tH", html("1"));
    c.ws.close(1001);
    const again = await joined("tH", 1);
    await page.waitForFunction(() => (window as any).hookLog.includes("reconnected:chart"));
    server.render(again.c, again.ref, html("2", false));
    await page.waitForFunction(() => (window as any).hookLog.includes("destroyed:chart"));
    expect(await log()).toEqual(["mounted:chart", "ping:4", "updated:chart", "disconnected:chart", "reconnected:chart", "destroyed:chart"]);
  });

  it("an error frame releases the loading class and warns; a token error marks the root", async () => {
    const html = `<button id="b" lv-click="boom">b</button>`;
    server.views.set("tE", html).set("tBad", "bad");
    const page = await open("/p/error", root("e", "tE", html) + root("bad", "tBad", "bad"));
    const warnings: string[] = [];
    page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
    const { c, ref } = await joined("tE");
    const bad = await joined("tBad");
    await page.click("#b");
    const e = await event("boom");
    expect(await has(page, "#b", CLASS_LOADING)).toBe(true);
    server.send(c, errorFrame(ref, E_SERVER, "Something went wrong", e[2] as number));
    await waitClass(page, "#b", CLASS_LOADING, false);
    await until(() => warnings.some((w) => w.includes(E_SERVER)), "console.warn");
    server.send(c, errorFrame(bad.ref, E_INVALID_TOKEN, "Invalid token"));
    await waitClass(page, "#bad", CLASS_ERROR);
    expect(await has(page, "#e", CLASS_ERROR)).toBe(false);
    server.send(c, errorFrame(0, E_UNAUTHORIZED, "Unauthorized")); // socket-level: every root
    await waitClass(page, "#e", CLASS_ERROR);
  });

  it("close code 4401 reloads the page once, then shows the error class instead of looping", async () => {
    server.views.set("tU", "u");
    const page = await open("/p/unauth", root("u", "tU", "u"));
    const first = await joined("tU");
    first.c.ws.close(CLOSE_UNAUTHORIZED);
    await until(() => server.hits.length === 2, "reload");
    const second = await joined("tU", 1);
    await page.waitForFunction(() => document.querySelector("#u")?.textContent === "u");
    second.c.ws.close(CLOSE_UNAUTHORIZED);
    await waitClass(page, "#u", CLASS_ERROR);
    expect(server.hits).toHaveLength(2);
  });

  it("close code 4403 says \"You have been signed out\" with a login link (an on-site path only) and never reconnects (fake clock)", async () => {
    server.views.set("tS", "s");
    for (const [reason, href] of [["/login/?next=x", "/login/?next=x"], ["//evil.example/", "/p/signed-out"], ["/\\evil.example/", "/p/signed-out"]]) {
      const page = await open("/p/signed-out", root("s", "tS", "s"), { clock: true });
      const first = await joined("tS", server.conns.length ? server.conns.length - 1 : 0);
      const sockets = server.conns.length;
      const hits = server.hits.length;
      first.c.ws.close(CLOSE_SESSION_ENDED, reason);
      await page.locator(".lv-signed-out").waitFor();
      expect(await page.locator(".lv-signed-out").textContent()).toBe("You have been signed out. Log in");
      expect(await page.locator(".lv-signed-out").getAttribute("role")).toBe("alert");
      const link = new URL(await page.locator(".lv-signed-out a").evaluate((a) => (a as HTMLAnchorElement).href));
      expect(link.origin + link.pathname + link.search).toBe(base + href);
      expect(await page.locator("#s").textContent()).toBe("s");
      await waitClass(page, "#s", CLASS_DISCONNECTED);
      // a minute of backoff and heartbeat timers: no new connection, no reload
      await page.clock.runFor(60_000);
      expect(server.conns.length).toBe(sockets);
      expect(server.hits.length).toBe(hits);
      await ctx.close();
    }
  });

  it("rendered frames replace the view's HTML and later deltas apply to it", async () => {
    server.views.set("tD", "<p id=a>1</p>");
    const page = await open("/p/rendered", root("d", "tD", "<p id=a>1</p>"));
    const { c, ref } = await joined("tD");
    server.send(c, renderedFrame(ref, `<p id="a">full</p><p id="b">x</p>`));
    c.last.set(ref, `<p id="a">full</p><p id="b">x</p>`);
    await waitText(page, "#a", "full");
    server.render(c, ref, `<p id="a">full</p><p id="b">y</p>`);
    await waitText(page, "#b", "y");
  });


  it("a join answered unchanged keeps the DOM (nodes, focus, caret, typed text), mounts hooks only then, and later deltas apply to the HTML it hashed", async () => {
    const html = `<p id="n">1</p><input id="q" name="q" value="abc"><div lv-hook="Chart" id="chart">c</div>`;
    server.views.set("tU", html);
    server.autoJoin = false; // the answer is sent by hand, after the page was touched
    const page = await open("/p/unchanged", root("u", "tU", html));
    const { c, ref, frame } = await joined("tU");
    expect(frame[5]).toBe(htmlHash(html));
    await page.focus("#q");
    await page.$eval("#q", (el: HTMLInputElement) => ((el.value = "abcdef"), el.setSelectionRange(1, 3)));
    await page.evaluate(() => ((window as any).before = document.querySelector("#n")));
    expect(await page.evaluate(() => (window as any).hookLog.length)).toBe(0); // no hook before the answer
    server.send(c, unchangedFrame(ref));
    c.last.set(ref, html);
    await page.waitForFunction(() => (window as any).hookLog.includes("mounted:chart"));
    expect(await page.evaluate(() => [document.activeElement?.id, (document.querySelector("#q") as HTMLInputElement).value, (document.querySelector("#q") as HTMLInputElement).selectionStart, (document.querySelector("#q") as HTMLInputElement).selectionEnd])).toEqual(["q", "abcdef", 1, 3]);
    expect(await page.evaluate(() => (window as any).before === document.querySelector("#n"))).toBe(true);
    server.render(c, ref, html.replace(">1<", ">2<"));
    await waitText(page, "#n", "2");
    expect(await page.evaluate(() => (window as any).before === document.querySelector("#n"))).toBe(true);
  });
  it("lv-debounce waits for quiet, lv-throttle sends the first and the last of a burst (fake clock)", async () => {
    const html =
      `<input id="i" name="i" lv-change="typed" lv-debounce="1000">` +
      `<button id="t" lv-click="tick" lv-throttle="1000">t</button><button id="probe" lv-click="probe">p</button>`;
    server.views.set("tT", html);
    const page = await open("/p/rate", root("r", "tT", html), { clock: true });
    const { c, ref } = await joined("tT");
    const names = () => c.frames.filter((f) => f[0] === C_EVENT).map((f) => f[3]);
    const probe = async (n: number) => {
      await page.click("#probe");
      await until(() => names().filter((x) => x === "probe").length === n, "probe");
      // answered: the probe button's click lock is released for the next probe
      server.send(c, replyFrame(ref, c.frames.filter((f) => f[0] === C_EVENT && f[3] === "probe").at(-1)![2] as number));
    };
    await page.type("#i", "abc");
    await page.click("#t");
    await page.click("#t");
    await page.click("#t");
    await page.clock.runFor(900);
    await probe(1); // frames arrive in order: whatever was sent before the probe is here now
    expect(names()).toEqual(["tick", "probe"]);
    await page.clock.runFor(200);
    await until(() => names().length === 4, "debounced and trailing events");
    expect(names().slice(2).sort()).toEqual(["tick", "typed"]);
    expect(c.frames.find((f) => f[3] === "typed")![4]).toEqual({ i: "abc", _target: "i" });
    await page.clock.runFor(5000);
    await probe(2);
    expect(names()).toHaveLength(5);
  });

  it("sends a heartbeat every 30 s and reconnects when none is answered within 10 s (fake clock)", async () => {
    server.views.set("tHb", `<p id="s">0</p>`);
    const page = await open("/p/heartbeat", root("hb", "tHb", `<p id="s">0</p>`), { clock: true });
    const first = await joined("tHb");
    const beats = () => first.c.frames.filter((f) => f[0] === C_HEARTBEAT).length;
    await page.clock.runFor(30_000);
    await until(() => beats() === 1, "heartbeat");
    server.render(first.c, first.ref, `<p id="s">1</p>`); // after the answer: once shown, the answer was read
    await waitText(page, "#s", "1");
    await page.clock.runFor(10_000);
    server.answerHeartbeats = false;
    await page.clock.runFor(20_000);
    await until(() => beats() === 2, "second heartbeat");
    expect(server.conns).toHaveLength(1);
    server.autoJoin = false; // hold the rejoin's render so the disconnected state is observable
    await page.clock.runFor(11_000); // the answer's deadline, then the first backoff (at most 250 ms)
    const again = await joined("tHb", 1);
    expect(await has(page, "#hb", CLASS_DISCONNECTED)).toBe(true);
    server.send(again.c, renderedFrame(again.ref, `<p id="s">2</p>`));
    await waitClass(page, "#hb", CLASS_DISCONNECTED, false);
  });
});
