// The browser runtime's bindings in real Chromium against a scripted fake server
// (test/server.ts): clicks, lv-target, loading classes, confirms, change / submit / key events,
// debounce and throttle, submit and click locks, and client hooks.
// Every wait is a condition poll; nothing asserts on timing.
import { describe, expect, it } from "vitest";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { base, server, useChromium } from "./chromium.js";
import { C_EVENT, CLASS_LOADING, E_SERVER } from "../src/protocol.js";
import { errorFrame, pushFrame, redirectFrame, replyFrame } from "../src/codec.js";
import { root, until, delta } from "./server.js";
import { event, has, joined, open, waitClass, waitText } from "./runtime-page.js";

useChromium();

describe("weft runtime", () => {
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

  it("a render while a form's lv-change waits out its debounce leaves its fields (a select too) as the user set them; after the send, renders apply again; a submit ends the wait (fake clock)", async () => {
    const opt = (v: string, on: string) => `<option value="${v}"${v === on ? " selected" : ""}>${v}</option>`;
    const html = (status: string, note: string, t: string) =>
      `<form id="f" lv-change="validate" lv-submit="save"><select id="s" name="status">${opt("paid", status)}${opt("refunded", status)}</select>` +
      `<input id="o" name="note" value="${note}"></form><p id="t">${t}</p>`;
    server.views.set("tD", html("paid", "", "0"));
    const page = await open("/p/debounced", root("d", "tD", html("paid", "", "0")), { clock: true });
    const { c, ref } = await joined("tD");
    const value = (sel: string) => page.$eval(sel, (el) => (el as HTMLInputElement).value);
    await page.selectOption("#s", "refunded");
    // not focused: the debounce alone keeps the choice (a focused select's value cannot be copied into the morph's target)
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    // e.g. another editor's presence: the server renders what it knows, the old status
    server.render(c, ref, html("paid", "server", "1"));
    await waitText(page, "#t", "1");
    expect([await value("#s"), await value("#o")]).toEqual(["refunded", ""]);
    await page.clock.runFor(300);
    expect((await event("validate", c))[4]).toEqual({ status: "refunded", note: "", _target: "status" });
    // sent: the server's renders apply again, whatever they say
    server.render(c, ref, html("paid", "server", "2"));
    await waitText(page, "#t", "2");
    expect([await value("#s"), await value("#o")]).toEqual(["paid", "server"]);
    // a submit while a change waits sends the form as it is and ends the wait
    await page.selectOption("#s", "refunded");
    await page.evaluate(() => (document.getElementById("f") as HTMLFormElement).requestSubmit());
    const save = await event("save", c);
    expect(save[4]).toEqual({ status: "refunded", note: "server" });
    server.send(c, replyFrame(ref, save[2] as number));
    server.render(c, ref, html("paid", "saved", "3"));
    await waitText(page, "#t", "3");
    expect([await value("#s"), await value("#o")]).toEqual(["paid", "saved"]);
    await page.clock.runFor(1000);
    expect(c.frames.filter((f) => f[0] === C_EVENT && f[3] === "validate")).toHaveLength(1);
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
});
