// Per-user job caps across worker processes: two real demo processes on different ports share
// one SQLite file and a private Redis. One user fires 20 job starts at once at the HTTP action
// endpoint, alternating the two workers and two actions: the caps (3 running or queued per user,
// 2 per action) are counted atomically in Redis, so exactly 3 start and 17 get 429 JSON; another
// user still starts one. The actions' pace is set to an hour a row: no job ends during the test,
// so no slot frees itself meanwhile, however loaded the machine.
import type { BrowserContext } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loggedIn } from "./support/admin.js";
import type { Worker } from "./support/faults-workers.js";
import { useTwoWorkers } from "./support/two-workers.js";

const LIST = "/admin/shop/order/";
const HOUR_A_ROW = { ACTION_ROW_DELAY_MS: "3600000" };

const workers = useTwoWorkers("weft-e2e-caps-", HOUR_A_ROW, { kill: true });

/** The CSRF token of `ctx`'s session (the shell's logout form). */
async function csrfOf(ctx: BrowserContext, w: Worker): Promise<string> {
  const html = await (await ctx.request.get(`${w.url}/admin/`)).text();
  return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
}

describe("per-user job caps across two worker processes", () => {
  it("20 concurrent starts by one user → exactly 3 started, 17 refused with 429 JSON; another user still starts one", async () => {
    const manager = await loggedIn(workers.browser, workers.A.url, "manager");
    const csrf = await csrfOf(manager, workers.A);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        manager.request.post(`${(i % 2 ? workers.A : workers.B).url}${LIST}action/`, {
          form: { _csrf: csrf, action: i % 4 < 2 ? "refund_selected" : "sync_with_vendor", _selected_action: String(1 + i) },
          maxRedirects: 0,
        }),
      ),
    );
    const statuses = responses.map((r) => r.status());
    expect(statuses.filter((s) => s === 303)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(17);
    for (const r of responses.filter((x) => x.status() === 429)) {
      const body = (await r.json()) as { code: string; message: string; scope: string; limit: number };
      expect(body.code).toBe("WEFT_ERR_JOB_QUOTA");
      expect(body.message).toMatch(/^You already have (3 jobs|2 “(Refund selected orders|Sync with vendor)” jobs) running or queued; nothing was started\./);
    }
    // the 3 are the manager's only jobs, on either worker's "My jobs"
    const page = await manager.newPage();
    for (const w of [workers.A, workers.B]) {
      await page.goto(`${w.url}/admin/jobs/`);
      expect(await page.locator("[data-job]").count(), w.name).toBe(3);
    }
    // another user is not starved
    const admin = await loggedIn(workers.browser, workers.A.url, "admin");
    const other = await admin.request.post(`${workers.B.url}${LIST}action/`, { form: { _csrf: await csrfOf(admin, workers.B), action: "sync_with_vendor", _selected_action: "30" }, maxRedirects: 0 });
    expect(other.status()).toBe(303);
    await admin.close();
    await manager.close();
  });
});
