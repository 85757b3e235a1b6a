// The browser runtime's connection in real Chromium against a scripted fake server
// (test/server.ts): reconnects and rejoins, retries while the server is away, error frames,
// close codes 4401 and 4403, and heartbeats.
// Every wait is a condition poll; nothing asserts on timing.
import { describe, expect, it } from "vitest";
import { base, server, useChromium } from "./chromium.js";
import { C_EVENT, C_HEARTBEAT, C_JOIN, CLASS_DISCONNECTED, CLASS_ERROR, CLASS_LOADING, CLOSE_SESSION_ENDED, CLOSE_UNAUTHORIZED, E_INVALID_TOKEN, E_SERVER, E_UNAUTHORIZED } from "../src/protocol.js";
import { errorFrame, renderedFrame } from "../src/codec.js";
import { root, until } from "./server.js";
import { ctx, event, has, joined, open, waitClass, waitText } from "./runtime-page.js";

useChromium();

describe("weft runtime", () => {
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
