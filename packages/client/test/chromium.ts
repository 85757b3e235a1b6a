// What the runtime tests in real Chromium share: the runtime built once per file, one
// scripted fake server (test/server.ts) and one headless Chromium per file, a fresh browser
// context per page (closed after each test), and the fake server reset after each test.
import { afterAll, afterEach, beforeAll } from "vitest";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from "playwright-core";
import { FakeServer } from "./server.js";

/** the file's fake server and its base URL, and its browser: set by {@link useChromium}'s beforeAll */
export let server: FakeServer;
export let base: string;
export let browser: Browser;
let current: BrowserContext | undefined;

/** Registers the file's hooks: build the runtime, start the fake server and Chromium; reset and close after. */
export function useChromium(): void {
  beforeAll(async () => {
    execFileSync(process.execPath, [fileURLToPath(new URL("../build.mjs", import.meta.url))], { stdio: "pipe" });
    server = new FakeServer();
    base = await server.listen();
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
    server.reset();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
}

/** A fresh browser context for one test's page; closed after the test. */
export async function newContext(opts?: BrowserContextOptions): Promise<BrowserContext> {
  current = await browser.newContext(opts);
  return current;
}
