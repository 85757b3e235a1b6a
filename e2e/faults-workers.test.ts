// Fault: `kill -9` of one of three workers. Three demo processes on different ports share a
// private Redis and one SQLite file (W2 runs the order simulator). 30 protocol clients per worker
// (e2e/support/faults-client.ts), a Chromium page with the live dashboard on W3 and a refund job
// started on W1 and watched on W2. W1 gets SIGKILL mid-job: its clients reconnect (full-jitter
// backoff) through a "proxy" that picks another live worker, and re-mount there; the job's page
// on W2 turns to *lost* once the lease (15 s) expires; W2's and W3's clients never drop, their
// events keep answering, and the dashboard tile keeps moving. Waits are condition polls.
import { constants as fsc } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRedis, type TestRedis } from "../packages/server/test/support/redis.js";
import { loggedIn, startJob } from "./support/admin.js";
import { launchBrowser, numberIn, waitForNumberAbove } from "./support/browser.js";
import { seededTemplate } from "./support/demo.js";
import { FaultClient, pool } from "./support/faults-client.js";
import { startWorker, stopWorker, type Worker } from "./support/faults-workers.js";
import { eventAndReply, openLive } from "./support/live.js";

const PER_WORKER = 30;
const BEFORE = 3;
const AFTER = 2;
const ORDERS = '[data-widget="shop.order.orders-today"] .tile-headline';

let redis: TestRedis;
let dir = "";
let W: Worker[] = [];
let browser: Browser;

beforeAll(async () => {
  const [template, r, b] = await Promise.all([seededTemplate(), startTestRedis(), launchBrowser()]);
  redis = r;
  browser = b;
  dir = await mkdtemp(join(tmpdir(), "weft-e2e-faults-workers-"));
  const dbFile = join(dir, "demo.db");
  await copyFile(template, dbFile, fsc.COPYFILE_FICLONE);
  const w1 = await startWorker("W1", dbFile, redis.url, { ACTION_ROW_DELAY_MS: "500" }); // first: writes the secret
  const [w2, w3] = await Promise.all([
    startWorker("W2", dbFile, redis.url, { ACTION_ROW_DELAY_MS: "500", SIMULATE_MS: "400" }),
    startWorker("W3", dbFile, redis.url, { ACTION_ROW_DELAY_MS: "500" }),
  ]);
  W = [w1, w2, w3];
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(W.map(stopWorker));
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("faults: kill -9 of one of three workers", () => {
  it("its clients land on the other workers, its job turns lost, nothing else is affected", async () => {
    const [w1, w2, w3] = W as [Worker, Worker, Worker];
    let rr = 0;
    /** the proxy: the client's own worker while it lives, else the next live one */
    const via = (home: Worker) => () => {
      if (home.alive()) return home.url;
      const live = W.filter((w) => w.alive());
      return live[rr++ % live.length]!.url;
    };
    const clients = W.flatMap((w) => Array.from({ length: PER_WORKER }, (_, i) => new FaultClient(w.url, i % 2 ? "/table" : "/counter", via(w))));
    const onW1 = clients.filter((c) => c.base === w1.url);
    const others = clients.filter((c) => c.base !== w1.url);
    try {
      await pool(clients, 20, async (c) => {
        await c.load();
        c.connect();
        await c.until(() => c.joined, "the first join");
        for (let k = 0; k < BEFORE; k++) await c.eventAndReply();
        expect(c.value()).toBe(BEFORE);
      });

      const ctx = await loggedIn(browser, w1.url, "manager");
      // the live dashboard on W3 (the simulator runs on W2: its publishes reach W3 through Redis)
      const dash = await openLive(ctx, `${w3.url}/admin/`, 5);
      const o0 = await numberIn(dash.page, ORDERS);
      await waitForNumberAbove(dash.page, ORDERS, o0);

      // a refund of a page of paid orders started on W1 (500 ms a row: far from done), watched on W2
      const list = await openLive(ctx, `${w1.url}/admin/shop/order/?status__exact=paid`);
      const from = list.frames.length;
      await list.page.locator("#result-list thead input[type=checkbox]").check();
      await eventAndReply(list.frames, "selectPage", from);
      await startJob(list.page, list.frames, "refund_selected");
      const path = new URL(list.page.url()).pathname;
      await list.page.close();
      const job = await openLive(ctx, `${w2.url}${path}`);
      await job.page.waitForFunction(() => Number(document.querySelector("#job-counts")?.textContent?.trim().split(" ")[0]) > 0, null, { timeout: 20_000, polling: 50 });
      expect((await job.page.locator("#job-status").textContent())?.trim()).toBe("running");

      w1.proc.kill("SIGKILL");
      expect(await w1.exited).toMatchObject({ signal: "SIGKILL" });

      // W1's clients: dropped, reconnected to W2/W3 by the "proxy", re-mounted, answering
      await Promise.all(onW1.map((c) => c.until(() => c.joined && c.at !== w1.url, "a rejoin on another worker", 45_000)));
      await pool(onW1, 20, async (c) => {
        expect(c.value()).toBe(0); // a fresh mount: nothing re-applied
        for (let k = 0; k < AFTER; k++) await c.eventAndReply();
        expect(c.value()).toBe(AFTER);
      });
      const landed = { W2: onW1.filter((c) => c.at === w2.url).length, W3: onW1.filter((c) => c.at === w3.url).length };
      expect(landed.W2 + landed.W3).toBe(PER_WORKER);

      // the others: still on their socket, still answering, the tile still moving
      await pool(others, 20, async (c) => {
        for (let k = 0; k < AFTER; k++) await c.eventAndReply();
        expect(c.value()).toBe(BEFORE + AFTER);
      });
      const o1 = await numberIn(dash.page, ORDERS);
      await waitForNumberAbove(dash.page, ORDERS, o1);

      // the job: nobody renews its lease; W2's page shows it lost
      await job.page.locator("#job-status", { hasText: "lost" }).waitFor({ timeout: 40_000 });
      expect(await job.page.locator("#job-error").innerText()).toBe("The worker running this job stopped responding; its outcome is unknown.");

      for (const c of others) {
        expect(c.drops).toBe(0);
        expect(c.renders.length).toBe(1);
      }
      for (const c of clients) {
        expect([...c.replies.values()].every((n) => n === 1)).toBe(true);
        expect(c.errors).toEqual([]);
      }
      const reconnectAttempts = onW1.reduce((n, c) => n + c.drops, 0);
      const o2 = await waitForNumberAbove(dash.page, ORDERS, o1);
      expect(w2.alive() && w3.alive()).toBe(true);
      console.log(
        `faults-workers: ${clients.length} protocol clients on 3 workers + dashboard (W3) + job page (W2); ` +
          `W1 killed: ${onW1.length}/${PER_WORKER} clients re-mounted elsewhere (W2 ${landed.W2}, W3 ${landed.W3}; ` +
          `${reconnectAttempts} dropped/failed attempts); job lost after the lease; ${others.length} other clients: 0 drops, ` +
          `${others.length * AFTER} events answered after the kill; dashboard tile ${o0} -> ${o2}`,
      );
      await ctx.close();
    } finally {
      for (const c of clients) c.close();
    }
  }, 240_000); // a bound: 60 s of it under two CPU hogs
});
