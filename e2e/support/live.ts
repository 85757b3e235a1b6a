// Helpers that know the Weft wire protocol (names from the one shared protocol module).
import type { BrowserContext, Page, WebSocketRoute } from "playwright-core";
import {
  A_VIEW, C_EVENT, CLASS_DISCONNECTED, CLASS_ERROR, S_RENDERED, S_UNCHANGED,
} from "../../packages/client/src/protocol.js";
import { decodeServerFrame, isReply } from "../../packages/client/src/codec.js";
import { recordFrames, until, type Frame } from "./browser.js";

export { A_VIEW, CLASS_DISCONNECTED, CLASS_ERROR };

/**
 * The refs the server answered a join for (`rendered` frames, or `unchanged` when the page
 * already showed the render), in arrival order, deduplicated.
 */
export function renderedRefs(frames: Frame[]): number[] {
  const refs: number[] = [];
  for (const f of frames) {
    if (f.dir === "received" && (f.data[0] === S_RENDERED || f.data[0] === S_UNCHANGED) && !refs.includes(f.data[1] as number)) refs.push(f.data[1] as number);
  }
  return refs;
}

/**
 * Waits until `count` views have their first render from the server (i.e. they joined), after
 * frame index `from` (use the frame count before a reconnect to wait for the rejoin, with
 * {@link REJOIN_MS} as `timeoutMs`).
 */
export function joined(frames: Frame[], count = 1, from = 0, timeoutMs?: number): Promise<number[]> {
  return until(() => {
    const refs = renderedRefs(frames.slice(from));
    return refs.length >= count && refs;
  }, `${count} joined view(s)`, timeoutMs);
}

/**
 * A bound for a rejoin after the server came back (ms): the runtime's reconnect backoff alone
 * may wait up to 10 s (full jitter, capped), then the join; on a loaded machine the default
 * 15 s bound was too tight.
 */
export const REJOIN_MS = 45_000;

/**
 * Opens `url` in a new page of `ctx`, recording its socket frames (and routing its socket
 * through `route` when given), and waits until `views` views joined.
 */
export async function openLive(
  ctx: BrowserContext,
  url: string,
  views = 1,
  route?: (ws: WebSocketRoute) => void,
): Promise<{ page: Page; frames: Frame[] }> {
  const page = await ctx.newPage();
  if (route) await page.routeWebSocket(/\/live\/websocket/, route);
  const frames = recordFrames(page);
  await page.goto(url);
  await joined(frames, views);
  // the page's own view is the client's first join (ref 1); the layout's small views (health,
  // the jobs bell) may answer before it, so a count alone could return with it still mounting
  await until(() => renderedRefs(frames).includes(1), "the page's own view joined", 60_000);
  return { page, frames };
}

/** Waits until the page's first view root has (`yes`) or has not the class `cls`, e.g. `CLASS_DISCONNECTED`. */
export function viewHasClass(page: Page, cls: string, yes: boolean, timeout = 30_000) {
  return page.waitForFunction(
    ([sel, cls, yes]) => {
      const el = document.querySelector(sel as string);
      return !!el && el.classList.contains(cls as string) === yes;
    },
    [`[${A_VIEW}]`, cls, yes] as const,
    { timeout },
  );
}

/** The `event` frame the page sent for handler `name` (the last one), and the reply to it (`a`, `ar` or `ad`). */
export async function eventAndReply(frames: Frame[], name: string, from = 0): Promise<{ event: Frame; reply: Frame }> {
  const event = await until(
    () => frames.slice(from).findLast((f) => f.dir === "sent" && f.data[0] === C_EVENT && f.data[3] === name),
    `an "${name}" event frame`,
  );
  const [, ref, seq] = event.data;
  const reply = await until(
    () =>
      frames.find((f) => {
        if (f.dir !== "received") return false;
        const m = decodeServerFrame(f.data);
        return isReply(m) && m.ref === ref && m.seq === seq;
      }),
    `the reply to "${name}" #${String(seq)}`,
  );
  return { event, reply };
}

/** Every view root on the page: its id and class list. */
export function viewRoots(page: Page): Promise<Array<{ id: string; child: boolean; classes: string[] }>> {
  return page.$$eval(`[${A_VIEW}]`, (els) =>
    els.map((el) => ({ id: el.id, child: el.hasAttribute("lv-child"), classes: [...el.classList] })),
  );
}
