// JS commands in real Chromium against examples/hello's /modal page (the built app,
// dist/main.js, as a child process on a free port): the dialog opens and closes in the browser without a frame to the server, stays
// open while the server re-renders what is inside it, and `JS.push(…).hide(…)` sends the
// event and closes at once. Waits are condition polls.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { C_EVENT, C_HEARTBEAT } from "../packages/client/src/protocol.js";
import { launchBrowser, until, type Frame } from "./support/browser.js";
import { openLive } from "./support/live.js";

let app: ChildProcess | undefined;
let base = "";
let browser: Browser;

beforeAll(async () => {
  const main = fileURLToPath(new URL("../examples/hello/dist/main.js", import.meta.url));
  const child = (app = spawn(process.execPath, [main], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] }));
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  base = await until(() => /the counter at (http:\/\/[^/\s]+)\//.exec(out)?.[1] ?? (child.exitCode !== null && fail(out)), "hello to start (run `pnpm build`)", 30_000);
  browser = await launchBrowser();
});

const fail = (out: string): never => {
  throw new Error(`examples/hello/dist/main.js exited:\n${out}`);
};

afterAll(async () => {
  await browser?.close();
  if (app && app.exitCode === null && app.signalCode === null) {
    const exited = new Promise((r) => app!.once("exit", r));
    app.kill();
    await exited;
  }
});

/** What the page sent besides heartbeats, after the join. */
const sent = (frames: Frame[]) => frames.filter((f) => f.dir === "sent" && f.data[0] !== C_HEARTBEAT).slice(1);
const shown = (page: Page) => page.isVisible("#modal");

describe("hello's modal: JS commands", () => {
  it("opens and closes without a round trip, and stays open across server patches", async () => {
    const ctx = await browser.newContext();
    const { page, frames } = await openLive(ctx, base + "/modal");
    expect(await shown(page)).toBe(false);

    await page.click("#open");
    await page.waitForSelector("#modal", { state: "visible" });
    expect(await page.getAttribute("#open", "aria-expanded")).toBe("true");
    await page.waitForFunction(() => document.activeElement?.id === "like");
    expect(sent(frames), "opening sent nothing").toEqual([]);

    // a server render of the dialog's content (its HTML still says `hidden`) keeps it open
    await page.click("#like");
    await page.waitForFunction(() => document.querySelector("#likes")?.textContent === "1");
    await page.click("#like");
    await page.waitForFunction(() => document.querySelector("#likes")?.textContent === "2");
    expect(await shown(page)).toBe(true);
    expect(await page.getAttribute("#open", "aria-expanded")).toBe("true");
    expect(sent(frames).map((f) => [f.data[0], f.data[3]])).toEqual([[C_EVENT, "like"], [C_EVENT, "like"]]);

    await page.click("#close");
    await page.waitForSelector("#modal", { state: "hidden" });
    expect(await page.getAttribute("#open", "aria-expanded")).toBe("false");
    expect(sent(frames), "closing sent nothing").toHaveLength(2);

    // push and hide together: the event goes, the dialog closes, the save's render keeps it closed
    await page.click("#open");
    await page.waitForSelector("#modal", { state: "visible" });
    await page.click("#save");
    await page.waitForFunction(() => document.querySelector("#saved")?.textContent === "1");
    expect(await shown(page)).toBe(false);
    await until(() => sent(frames).length === 3, "the save event");
    expect(sent(frames)[2]!.data[3]).toBe("save");
    await ctx.close();
  });
});
