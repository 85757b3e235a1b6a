// Presence across workers, in real Chromium against two demo processes sharing one database and
// a private Redis: a manager on worker B and an admin on worker A editing one order see each
// other through the Redis channel layer; when worker B is killed (SIGKILL: no "leave" is ever
// sent), the admin's notice goes once B's last heartbeat is older than the presence TTL.
import { rm } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { TestRedis } from "../packages/server/test/support/redis.js";
import { loggedIn } from "./support/admin.js";
import { stopWorker, type Worker } from "./support/faults-workers.js";
import { openLive } from "./support/live.js";
import { startTwoWorkers } from "./support/two-workers.js";

let redis: TestRedis;
let dir = "";
let A: Worker;
let B: Worker;
let browser: Browser;

beforeAll(async () => {
  ({ redis, dir, A, B, browser } = await startTwoWorkers("weft-e2e-presence-", {}));
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([stopWorker(A), stopWorker(B)]);
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const notice = (page: Page) => page.locator("#cf-presence");

describe("presence across workers", () => {
  it("two workers' forms see each other; a killed worker's form drops out after the TTL", async () => {
    const path = "/admin/shop/order/230/change/";
    const a = (await openLive(await loggedIn(browser, A.url, "admin"), `${A.url}${path}`, 2)).page;
    const m = (await openLive(await loggedIn(browser, B.url, "manager"), `${B.url}${path}`, 2)).page;
    await notice(m).getByText("admin is also editing this order.").waitFor({ timeout: 30_000 });
    await notice(a).getByText("manager is also editing this order.").waitFor({ timeout: 30_000 });
    B.proc.kill("SIGKILL");
    await B.exited;
    // no leave from a dead process: the heartbeat TTL (15 s) clears it
    await a.waitForFunction(() => document.querySelector("#cf-presence")?.textContent?.trim() === "", undefined, { timeout: 60_000, polling: 250 });
  });
});
