// Presence across workers, in real Chromium against two demo processes sharing one database and
// a private Redis: a manager on worker B and an admin on worker A editing one order see each
// other through the Redis channel layer; when worker B is killed (SIGKILL: no "leave" is ever
// sent), the admin's notice goes once B's last heartbeat is older than the presence TTL.
import type { Page } from "playwright-core";
import { describe, it } from "vitest";
import { loggedIn } from "./support/admin.js";
import { openLive } from "./support/live.js";
import { useTwoWorkers } from "./support/two-workers.js";

const workers = useTwoWorkers("weft-e2e-presence-", {});

const notice = (page: Page) => page.locator("#cf-presence");

describe("presence across workers", () => {
  it("two workers' forms see each other; a killed worker's form drops out after the TTL", async () => {
    const path = "/admin/shop/order/230/change/";
    const a = (await openLive(await loggedIn(workers.browser, workers.A.url, "admin"), `${workers.A.url}${path}`, 2)).page;
    const m = (await openLive(await loggedIn(workers.browser, workers.B.url, "manager"), `${workers.B.url}${path}`, 2)).page;
    await notice(m).getByText("admin is also editing this order.").waitFor({ timeout: 30_000 });
    await notice(a).getByText("manager is also editing this order.").waitFor({ timeout: 30_000 });
    workers.B.proc.kill("SIGKILL");
    await workers.B.exited;
    // no leave from a dead process: the heartbeat TTL (15 s) clears it
    await a.waitForFunction(() => document.querySelector("#cf-presence")?.textContent?.trim() === "", undefined, { timeout: 60_000, polling: 250 });
  });
});
