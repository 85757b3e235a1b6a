// One headless Chromium per spec file, plus small helpers for what the specs look at.
import { chromium, type Browser, type Page, type WebSocket } from "playwright-core";

/** Launches the system Chromium headless. Close it in afterAll. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

/** A frame seen on the page's live socket. */
export interface Frame {
  dir: "sent" | "received";
  /** the raw text as it went over the wire */
  raw: string;
  /** the decoded JSON array */
  data: unknown[];
  /** UTF-8 bytes of the frame's payload */
  bytes: number;
}

/**
 * Records every text frame of every WebSocket the page opens (call before `goto`).
 * The returned array fills up as frames pass.
 */
export function recordFrames(page: Page): Frame[] {
  const frames: Frame[] = [];
  const add = (dir: Frame["dir"]) => ({ payload }: { payload: string | Buffer }) => {
    const raw = typeof payload === "string" ? payload : payload.toString("utf8");
    let data: unknown[] = [];
    try {
      data = JSON.parse(raw) as unknown[];
    } catch {}
    frames.push({ dir, raw, data, bytes: Buffer.byteLength(raw, "utf8") });
  };
  page.on("websocket", (ws: WebSocket) => {
    ws.on("framesent", add("sent"));
    ws.on("framereceived", add("received"));
  });
  return frames;
}

/**
 * Goes `delta` entries through the page's session history (as Back / Forward do) and waits until
 * the URL satisfies `url`. The wait is for that condition, not for a navigation event: awaiting
 * `page.goBack()` waits for one, and under load it hung for its 30 s when the event it waited
 * for had already fired. Wait for the content the entry shows too (it follows the URL).
 */
export async function historyGo(page: Page, delta: number, url: (u: URL) => boolean): Promise<void> {
  // deferred to a task of its own, so the evaluate returns before any navigation starts
  await page.evaluate((d) => void setTimeout(() => history.go(d)), delta);
  await page.waitForURL(url);
}

/** Polls `fn` until it returns a value other than undefined/false/null (or throws after `timeout`). */
export async function until<T>(fn: () => T | undefined | null | false, what: string, timeout = 15_000): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The integer shown in the element matching `selector` (digits only, separators dropped). */
export async function numberIn(page: Page, selector: string): Promise<number> {
  const text = await page.locator(selector).innerText();
  return Number(text.replace(/[^\d]/g, ""));
}

/** Waits until the integer shown in `selector` is greater than `than`; returns it. */
export async function waitForNumberAbove(page: Page, selector: string, than: number, timeout = 15_000): Promise<number> {
  await page.waitForFunction(
    ([sel, n]) => {
      const el = document.querySelector(sel as string);
      return !!el && Number(el.textContent!.replace(/[^\d]/g, "")) > (n as number);
    },
    [selector, than] as const,
    { timeout, polling: 50 },
  );
  return numberIn(page, selector);
}

/** Marks the current document; `same()` is true while no reload/navigation replaced it. */
export async function markDocument(page: Page): Promise<() => Promise<boolean>> {
  const mark = Math.random().toString(36).slice(2);
  await page.evaluate((m) => ((window as any).__e2eMark = m), mark);
  return async () => (await page.evaluate(() => (window as any).__e2eMark)) === mark;
}

/** The two screen sizes the screenshots are taken at (docs/screenshots/*-1366.png, *-390.png): a laptop and a phone. */
export const SCREEN_SIZES = [
  { name: "1366", viewport: { width: 1366, height: 900 }, isMobile: false },
  { name: "390", viewport: { width: 390, height: 844 }, isMobile: true },
] as const;
