// A 10,000-item stream (examples/hello's /feed) in real Chromium against the hello app on a
// real port: the items arrive once, a later render of other parts of the view keeps them,
// and inserting one item sends one small frame. Waits are condition polls.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { useHelloApp } from "./support/hello.js";
import { S_STREAM } from "../packages/client/src/protocol.js";
import { recordFrames, until, type Frame } from "./support/browser.js";
import { eventAndReply, joined } from "./support/live.js";

const hello = useHelloApp("streams-e2e-secret-0123456789-abcdefgh");
let ctx: BrowserContext;

beforeAll(async () => {
  ctx = await hello.browser.newContext();
});

afterAll(async () => {
  await ctx?.close();
});

const count = (page: Page) => page.$$eval("#rows > li", (els) => els.length);
/**
 * A bound for the waits on a 10,000-row frame (ms): rendering, sending and applying it takes a
 * second or two on an idle machine, but the machine may be shared and loaded.
 */
const BIG_MS = 120_000;
const waitCount = (page: Page, n: number) => page.waitForFunction((k) => document.querySelectorAll("#rows > li").length === k, n, { timeout: BIG_MS });
const ends = (page: Page) => page.$$eval("#rows > li", (els) => [els[0]?.id, els[1]?.id, els.at(-1)?.id, els.at(-1)?.textContent]);
/** Opens /feed recording its frames, with the bounds of {@link BIG_MS}, and waits for the join. */
async function openFeed(): Promise<{ page: Page; frames: Frame[] }> {
  const page = await ctx.newPage();
  page.setDefaultTimeout(BIG_MS);
  const frames = recordFrames(page);
  await page.goto(`${hello.base}/feed`);
  await joined(frames, 1, 0, BIG_MS);
  return { page, frames };
}
const streamFrames = (frames: Frame[], from = 0) => frames.slice(from).filter((f) => f.dir === "received" && f.data[0] === S_STREAM);

describe("a 10,000-item stream (examples/hello /feed)", () => {
  it("is in the HTML page before JavaScript runs", async () => {
    const html = await (await fetch(`${hello.base}/feed`)).text();
    expect(html.match(/<li id="rows-\d+">/g)).toHaveLength(10_000);
    expect(html).toContain('<li id="rows-10000">Row 10000 · 0</li>');
  });

  it("joins with the rows in stream frames, keeps them across a render of other parts, and one inserted row is one small frame", async () => {
    const { page, frames } = await openFeed();
    // the join's stream frames (the rows in runs of at most 64 KiB of HTML) bring the 10,000
    // rows again; the first one resets the container
    const rowsIn = (fs: Frame[]) => fs.reduce((n, f) => n + (f.data[5] as unknown[]).length, 0);
    await until(() => rowsIn(streamFrames(frames)) === 10_000, "the join's stream frames", BIG_MS);
    const join = streamFrames(frames);
    expect(join.map((f) => f.data[3])).toEqual([1, ...join.slice(1).map(() => 0)]);
    expect(join.length).toBeGreaterThanOrEqual(5);
    // at most 64 Ki characters of row HTML per frame (the ids and JSON's escapes come on top)
    for (const f of join) expect((f.data[5] as Array<[string, number, string]>).reduce((n, i) => n + i[2].length, 0)).toBeLessThanOrEqual(64 * 1024);
    await waitCount(page, 10_000);
    expect(await ends(page)).toEqual(["rows-1", "rows-2", "rows-10000", "Row 10000 · 0"]);

    // a render of another part of the view: a small delta, no stream frame, the rows stay
    let from = frames.length;
    await page.getByRole("button", { name: "tick" }).click();
    const tick = await eventAndReply(frames, "tick", from);
    await page.waitForFunction(() => document.querySelector("#ticks")?.textContent === "1");
    expect(tick.reply.data[0]).toBe("ad");
    expect(tick.reply.bytes).toBeLessThan(40);
    expect(await count(page)).toBe(10_000);
    expect(await ends(page)).toEqual(["rows-1", "rows-2", "rows-10000", "Row 10000 · 0"]);

    // one row: the reply carries no render, and the row comes in one stream frame of a few dozen bytes
    from = frames.length;
    await page.getByRole("button", { name: "add a row", exact: true }).click();
    await waitCount(page, 10_001);
    const add = await eventAndReply(frames, "add", from);
    expect(add.reply.data[0]).toBe("a");
    const [insert, ...more] = streamFrames(frames, from);
    expect(more).toEqual([]);
    const ref = insert!.data[1];
    const expected = JSON.stringify(["s", ref, "rows", 0, [], [["rows-10001", -1, '<li id="rows-10001">Row 10001 · 7</li>']]]);
    expect(insert!.raw).toBe(expected);
    expect(insert!.bytes).toBe(Buffer.byteLength(expected));
    expect(insert!.bytes).toBeLessThanOrEqual(90);
    expect(await ends(page)).toEqual(["rows-1", "rows-2", "rows-10001", "Row 10001 · 7"]);

    // at 0 and delete, then another render: still all there, in order
    await page.getByRole("button", { name: "add a row on top" }).click();
    await waitCount(page, 10_002);
    await page.getByRole("button", { name: "remove row 1" }).click();
    await waitCount(page, 10_001);
    await page.getByRole("button", { name: "tick" }).click();
    await page.waitForFunction(() => document.querySelector("#ticks")?.textContent === "2");
    expect(await ends(page)).toEqual(["rows-10002", "rows-2", "rows-10001", "Row 10001 · 7"]);
    await page.close();
  });

  it("after a reconnect the mount's stream replaces the page's items: no duplicates, no leftovers", async () => {
    const { page, frames } = await openFeed();
    await waitCount(page, 10_000);
    await page.getByRole("button", { name: "add a row", exact: true }).click();
    await waitCount(page, 10_001);
    const from = frames.length;
    // the server drops every socket (as a restart would); the runtime reconnects and rejoins
    for (const ws of (hello.app as unknown as { websocketServer: { clients: Set<{ terminate(): void }> } }).websocketServer.clients) ws.terminate();
    const again = await until(() => streamFrames(frames, from)[0], "the rejoin's stream frame", BIG_MS);
    expect(again.data[3]).toBe(1);
    await waitCount(page, 10_000);
    expect(await ends(page)).toEqual(["rows-1", "rows-2", "rows-10000", "Row 10000 · 0"]);
    expect(await page.$$eval("#rows > li", (els) => new Set(els.map((e) => e.id)).size)).toBe(10_000);
    await page.close();
  });
});
