// The browser runtime in real Chromium against a scripted fake server (test/server.ts): the
// bundles, joining every root, rendered and unchanged joins, morphing (focus, <details> open, child roots,
// lv-ignore), URL patches and redirects. Bindings and locks: runtime-bindings.test.ts; the
// connection (reconnects, errors, close codes, heartbeats): runtime-connection.test.ts.
// Every wait is a condition poll; nothing asserts on timing.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { base, server, useChromium } from "./chromium.js";
import { C_JOIN, C_LEAVE, C_PARAMS, PROTOCOL_VERSION } from "../src/protocol.js";
import { htmlHash, patchFrame, redirectFrame, renderedFrame, unchangedFrame } from "../src/codec.js";
import { root, until } from "./server.js";
import { joined, open, waitText } from "./runtime-page.js";

useChromium();

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

  it("a render keeps the open state of a <details> the user toggled (a dropdown stays open while its list updates), and the rest of it updates", async () => {
    const html = (n: string) => `<details id="d"><summary id="s">bell</summary><ul><li id="li">${n}</li></ul></details><details id="d2" open><summary id="s2">b</summary></details><p id="t">${n}</p>`;
    server.views.set("tD", html("0"));
    const page = await open("/p/details", root("i", "tD", html("0")));
    const { c, ref } = await joined("tD");
    await page.click("#s"); // the user opens the first
    await page.click("#s2"); // and shuts the second, which the server renders open
    server.render(c, ref, html("1"));
    await waitText(page, "#t", "1");
    expect(await page.$eval("#d", (el) => (el as HTMLDetailsElement).open)).toBe(true);
    expect(await page.$eval("#d2", (el) => (el as HTMLDetailsElement).open)).toBe(false);
    expect(await page.innerText("#li")).toBe("1");
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
});
