// What the runtime tests in real Chromium (runtime*.test.ts) share: a page served by the fake
// server (test/server.ts) in a fresh context, waits for the frames the runtime sends, and reads
// of the page's classes and text. Every wait is a condition poll.
import type { BrowserContext, Page } from "playwright-core";
import { base, newContext, server } from "./chromium.js";
import { C_EVENT, C_JOIN } from "../src/protocol.js";
import { until, type Conn } from "./server.js";

/** the browser context of the page {@link open} opened last */
export let ctx: BrowserContext;

/** Serves `body` at `path`, opens it in a fresh context and returns the page. */
export async function open(path: string, body: string, opts: { head?: string; module?: boolean; clock?: boolean } = {}): Promise<Page> {
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
export async function joined(token: string, after = 0): Promise<{ c: Conn; ref: number; frame: unknown[] }> {
  const [c, frame] = await until(
    () => server.all().filter(([c, f]) => f[0] === C_JOIN && f[2] === token && server.conns.indexOf(c) >= after).at(-1),
    `join of ${token}`,
  );
  return { c, ref: frame[1] as number, frame };
}

/** The first event frame named `name` (waits for it). */
export async function event(name: string, c?: Conn): Promise<unknown[]> {
  return until(() => server.all().find(([k, f]) => f[0] === C_EVENT && f[3] === name && (!c || k === c))?.[1], `event ${name}`);
}

export const has = (page: Page, sel: string, cls: string) => page.$eval(sel, (el, c) => el.classList.contains(c), cls);
export const waitClass = (page: Page, sel: string, cls: string, on = true) =>
  page.waitForFunction(([s, c, o]) => document.querySelector(s as string)?.classList.contains(c as string) === o, [sel, cls, on]);
export const waitText = (page: Page, sel: string, text: string) =>
  page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent === t, [sel, text]);
