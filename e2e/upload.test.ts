// Uploads in real Chromium through examples/hello's /upload page (the app in this process):
// the upload chunk loads only on a page with an lv-upload input; a chosen file goes up chunk by
// chunk to 100 %, "Upload" hands the server its bytes; a wrong type, a file too large and too
// many files show their errors; cancel removes an entry; a dropped file uploads too.
// Waits are condition polls; nothing asserts on timing.
import { createHash } from "node:crypto";
import type { BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useHelloApp } from "./support/hello.js";
import { openLive } from "./support/live.js";

const hello = useHelloApp("upload-e2e-secret-0123456789-abcdefgh");
let ctx: BrowserContext;

beforeAll(async () => {
  ctx = await hello.browser.newContext();
});

/** `n` bytes that are not all alike (so a wrong offset changes the hash). */
const bytes = (n: number, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255));
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Opens a live page of the app, recording its socket frames; waits for the join. */
const open = (path: string) => openLive(ctx, hello.base + path, 1);

/** Waits until the upload form lists `n` entries. */
const entries = (page: Page, n: number) => page.waitForFunction((n) => document.querySelectorAll("#entries .entry").length === n, n);

describe("uploads in Chromium", () => {
  it("renders the form before JavaScript, names the chunk in the head, and serves it immutable", async () => {
    const html = await (await fetch(hello.base + "/upload")).text();
    expect(html).toContain('<input type="file" id="photos" name="photos" lv-upload="photos" accept=".png,.jpg,.jpeg,.txt" multiple>');
    const chunk = /<meta name="lv-upload" content="(\/live\/upload\.[0-9a-f]{10}\.js)">/.exec(html)?.[1];
    expect(chunk).toBeTruthy();
    const res = await fetch(hello.base + chunk);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect(await res.text()).toMatch(/export\s*\{\s*\w+ as default\s*\}/);
  });

  it("loads the upload chunk only on a page with an lv-upload input", async () => {
    const loads: string[] = [];
    const page = await ctx.newPage();
    page.on("request", (r) => loads.push(new URL(r.url()).pathname));
    await page.goto(hello.base + "/");
    await page.locator("#count").waitFor();
    await page.getByRole("button", { name: "increment" }).click();
    await page.waitForFunction(() => document.querySelector("#count")?.textContent === "1");
    expect(loads.filter((p) => /\/live\/upload\.[0-9a-f]{10}\.js$/.test(p))).toEqual([]);
    await page.goto(hello.base + "/upload");
    await page.waitForRequest((r) => /\/live\/upload\.[0-9a-f]{10}\.js$/.test(r.url()));
    await page.close();
  });

  it("uploads a chosen file chunk by chunk to 100 %, and Upload hands the server its bytes", async () => {
    const { page, frames } = await open("/upload");
    const file = bytes(100_000);
    await page.setInputFiles("#photos", { name: "a.png", mimeType: "image/png", buffer: file });
    await entries(page, 1);
    await page.waitForFunction(() => document.querySelector("#entries .progress")?.textContent === "100%");
    // 100,000 bytes in 32,768-byte chunks: four asks with bytes, then the stop
    const asks = frames.filter((f) => f.dir === "received" && f.data[0] === "k").map((f) => f.data.slice(3));
    expect(asks).toEqual([[0, 32768], [32768, 32768], [65536, 32768], [98304, 1696], [100000, 0]]);
    expect(frames.filter((f) => f.dir === "sent" && f.data[0] === "c")).toHaveLength(4);
    await page.click("#save");
    await page.waitForFunction(() => document.querySelectorAll("#saved li").length === 1);
    expect(await page.locator("#saved li").innerText()).toBe(`a.png · 100000 bytes · sha256 ${sha256(file)}`);
    expect(await page.locator("#entries .entry").count()).toBe(0);
    await page.close();
  });

  it("shows a wrong type, a file too large and too many files as errors, and sends none of them", async () => {
    const { page, frames } = await open("/upload");
    await page.setInputFiles("#photos", [
      { name: "evil.exe", mimeType: "application/octet-stream", buffer: bytes(10) },
      { name: "huge.png", mimeType: "image/png", buffer: bytes(1_000_001) },
      { name: "a.txt", mimeType: "text/plain", buffer: bytes(5) },
      { name: "b.txt", mimeType: "text/plain", buffer: bytes(6) },
      { name: "c.txt", mimeType: "text/plain", buffer: bytes(7) },
    ]);
    await entries(page, 5);
    const errors = () => page.$$eval("#entries .entry", (lis) => lis.map((li) => [li.querySelector(".name")!.textContent, [...li.querySelectorAll(".error")].map((e) => (e as HTMLElement).dataset.code).join()]));
    expect(await errors()).toEqual([["evil.exe", "not_accepted"], ["huge.png", "too_large"], ["a.txt", ""], ["b.txt", ""], ["c.txt", "too_many_files"]]);
    expect(await page.locator("#entries .error").first().innerText()).toBe("This type of file is not accepted (.png, .jpg, .jpeg, .txt)");
    await page.waitForFunction(() => [...document.querySelectorAll("#entries .progress")].filter((p) => p.textContent === "100%").length === 2);
    // only the two accepted files were asked for and sent: one chunk each
    const sentFor = new Set(frames.filter((f) => f.dir === "sent" && f.data[0] === "c").map((f) => f.data[2]));
    expect(sentFor.size).toBe(2);
    await page.close();
  });

  it("cancel removes one entry, and Upload consumes only the other", async () => {
    const { page } = await open("/upload");
    await page.setInputFiles("#photos", [
      { name: "keep.txt", mimeType: "text/plain", buffer: bytes(40_000, 2) },
      { name: "drop.txt", mimeType: "text/plain", buffer: bytes(40_000, 3) },
    ]);
    await entries(page, 2);
    await page.locator("#entries .entry", { hasText: "drop.txt" }).getByRole("button", { name: "cancel" }).click();
    await entries(page, 1);
    expect(await page.locator("#entries .name").innerText()).toBe("keep.txt");
    await page.waitForFunction(() => document.querySelector("#entries .progress")?.textContent === "100%");
    await page.click("#save");
    await page.waitForFunction(() => document.querySelectorAll("#saved li").length === 1);
    expect(await page.locator("#saved li").innerText()).toBe(`keep.txt · 40000 bytes · sha256 ${sha256(bytes(40_000, 2))}`);
    await page.close();
  });

  it("uploads a file dropped on the lv-drop-target", async () => {
    const { page } = await open("/upload");
    await page.waitForFunction(() => performance.getEntriesByType("resource").some((r) => /\/live\/upload\./.test(r.name)));
    const dt = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["dropped bytes"], "dropped.txt", { type: "text/plain" }));
      return dt;
    });
    await page.dispatchEvent("#drop", "dragover", { dataTransfer: dt });
    await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
    await entries(page, 1);
    await page.waitForFunction(() => document.querySelector("#entries .progress")?.textContent === "100%");
    await page.click("#save");
    await page.waitForFunction(() => document.querySelectorAll("#saved li").length === 1);
    expect(await page.locator("#saved li").innerText()).toBe(`dropped.txt · 13 bytes · sha256 ${sha256(Buffer.from("dropped bytes"))}`);
    await page.close();
  });
});
