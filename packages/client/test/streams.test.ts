// Streams in the browser runtime, in real Chromium against the scripted fake server
// (test/server.ts): `s` frames insert / update / delete / reset / limit a container's
// children, and the view's later morphs keep them. Every wait is a condition poll.
import { describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { base, newContext, server, useChromium } from "./chromium.js";
import { C_JOIN } from "../src/protocol.js";
import { streamFrame } from "../src/codec.js";
import { root, until } from "./server.js";

useChromium();
let ctx: BrowserContext;

const view = (title: string) => `<h1 id="t">${title}</h1><ul id="rows" lv-stream="rows"></ul>`;
const li = (id: string, text: string) => `<li id="${id}">${text}</li>`;
/** the ids and texts of the container's children, in order */
const items = (page: Page) => page.$$eval("#rows > li", (els) => els.map((e) => `${e.id}:${e.textContent}`));
const waitCount = (page: Page, n: number) => page.waitForFunction((k) => document.querySelectorAll("#rows > li").length === k, n);

async function start(path: string) {
  server.views.set("tS", view("0"));
  server.pages.set(path, { body: root("s", "tS", view("0")) });
  ctx = await newContext();
  const page = await ctx.newPage();
  await page.goto(base + path);
  const [c, f] = await until(() => server.all().find(([, f]) => f[0] === C_JOIN && f[2] === "tS"), "join");
  return { page, c, ref: f[1] as number };
}

describe("streams in the runtime", () => {
  it("inserts at the end, the start and an index; updates an existing id in place; deletes; resets", async () => {
    const { page, c, ref } = await start("/s/ops");
    server.send(c, streamFrame(ref, "rows", true, [], [["r1", -1, li("x", "one")], ["r2", -1, li("r2", "two")], ["r3", -1, li("r3", "three")]]));
    await waitCount(page, 3);
    // the client sets the id the server named, whatever the item's HTML says
    expect(await items(page)).toEqual(["r1:one", "r2:two", "r3:three"]);
    server.send(c, streamFrame(ref, "rows", false, [], [["r0", 0, li("r0", "zero")], ["r9", 2, li("r9", "nine")], ["r2", -1, li("r2", "TWO")]]));
    await waitCount(page, 5);
    expect(await items(page)).toEqual(["r0:zero", "r1:one", "r9:nine", "r2:TWO", "r3:three"]);
    server.send(c, streamFrame(ref, "rows", false, ["r9", "missing"], []));
    await waitCount(page, 4);
    expect(await items(page)).toEqual(["r0:zero", "r1:one", "r2:TWO", "r3:three"]);
    server.send(c, streamFrame(ref, "rows", true, [], [["n1", -1, li("n1", "new")]]));
    await waitCount(page, 1);
    expect(await items(page)).toEqual(["n1:new"]);
    // an index past the end appends
    server.send(c, streamFrame(ref, "rows", false, [], [["n2", 7, li("n2", "past")]]));
    await waitCount(page, 2);
    expect(await items(page)).toEqual(["n1:new", "n2:past"]);
  });

  it("limit trims from the other end: n keeps the first n, -n the last n", async () => {
    const { page, c, ref } = await start("/s/limit");
    server.send(c, streamFrame(ref, "rows", false, [], [1, 2, 3, 4].map((i) => [`r${i}`, -1, li(`r${i}`, `${i}`)] as [string, number, string])));
    await waitCount(page, 4);
    server.send(c, streamFrame(ref, "rows", false, [], [["r5", -1, li("r5", "5"), -3]]));
    await waitCount(page, 3);
    expect(await items(page)).toEqual(["r3:3", "r4:4", "r5:5"]);
    server.send(c, streamFrame(ref, "rows", false, [], [["r0", 0, li("r0", "0"), 2]]));
    await waitCount(page, 2);
    expect(await items(page)).toEqual(["r0:0", "r3:3"]);
  });

  it("a render of the view (delta or full HTML) keeps the stream's children and the container's new attributes apply", async () => {
    const { page, c, ref } = await start("/s/keep");
    server.send(c, streamFrame(ref, "rows", false, [], [["r1", -1, li("r1", "one")], ["r2", -1, li("r2", "two")]]));
    await waitCount(page, 2);
    server.render(c, ref, `<h1 id="t">1</h1><ul id="rows" lv-stream="rows" class="busy"></ul>`);
    await page.waitForFunction(() => document.getElementById("t")?.textContent === "1");
    expect(await items(page)).toEqual(["r1:one", "r2:two"]);
    expect(await page.getAttribute("#rows", "class")).toBe("busy");
  });

  it("a frame for a stream whose container is not in the view changes nothing", async () => {
    const { page, c, ref } = await start("/s/none");
    server.send(c, streamFrame(ref, "other", false, [], [["o1", -1, li("o1", "x")]]));
    server.send(c, streamFrame(ref, "rows", false, [], [["r1", -1, li("r1", "one")]]));
    await waitCount(page, 1);
    expect(await page.$("#o1")).toBeNull();
  });
});
