// Several machines for real, in real Chromium: two demo processes that share NOTHING but a
// PostgreSQL database (DATABASE_URL: a database of its own, @weft/admin/testing) and a private
// Redis (REDIS_URL) — each runs in its own empty working directory with its own DEMO_DB path
// (never created: the data is in PostgreSQL), and no WEFT_SECRET: both read the token secret
// the first one stored in the database. A refund started on A is watched live and cancelled
// on B; a save on A moves the order's activity and today's revenue open on B without a reload;
// a CSV export run on A downloads from B (the file is in the database, not on A's disk).
// Waits are condition polls.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createTestDatabase, type TestDatabase } from "@weft/admin/testing";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRedis, type TestRedis } from "../packages/server/test/support/redis.js";
import { cancelJob, jobAdvancesPast, jobCurrent, jobStatus, loggedIn, rowPks, selectRows, startJob } from "./support/admin.js";
import { launchBrowser } from "./support/browser.js";
import { startWorker, stopWorker, type Worker } from "./support/faults-workers.js";
import { joined, openLive } from "./support/live.js";
import { parseCsv } from "../packages/admin/src/jobs/csv/format.js";

const SEED_CLI = fileURLToPath(new URL("../examples/admin-demo/dist/db/seed-cli.js", import.meta.url));
const LIST = "/admin/shop/order/";
/** The jobs' pace: slow enough to watch and cancel however loaded the machine. */
const ROW_DELAY_MS = 1_000;

let database: TestDatabase;
let redis: TestRedis;
let browser: Browser;
const machines: { dir: string; worker?: Worker }[] = [];
let A: Worker;
let B: Worker;

/** A "machine": an empty working directory of its own, with the demo started in it. */
async function machine(name: string): Promise<Worker> {
  const dir = await mkdtemp(join(tmpdir(), `weft-e2e-machine-${name}-`));
  const m: { dir: string; worker?: Worker } = { dir };
  machines.push(m);
  m.worker = await startWorker(name, join(dir, "never-created.db"), redis.url, { DATABASE_URL: database.url, ACTION_ROW_DELAY_MS: String(ROW_DELAY_MS) }, dir);
  return m.worker;
}

beforeAll(async () => {
  [database, redis, browser] = await Promise.all([createTestDatabase({ prefix: "e2e_machines" }), startTestRedis(), launchBrowser()]);
  // a small shop (the demo would seed 400k orders into an empty database)
  await promisify(execFile)(process.execPath, [SEED_CLI, database.url, "--customers", "300", "--products", "40", "--orders", "2000", "--tickets", "40"], { maxBuffer: 1 << 24 });
  A = await machine("A");
  B = await machine("B");
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(machines.map((m) => stopWorker(m.worker)));
  await redis?.stop();
  await database?.drop();
  for (const m of machines) await rm(m.dir, { recursive: true, force: true });
});

describe("two machines sharing only PostgreSQL and Redis", () => {
  it("each runs in its own empty directory and writes no file there", () => {
    for (const m of machines) expect(readdirSync(m.dir), m.dir).toEqual([]);
    expect(existsSync(join(machines[0]!.dir, "never-created.db"))).toBe(false);
  });

  it("a refund started on A advances live on B, and Cancel on B stops it on A", async () => {
    const ctx = await loggedIn(browser, A.url, "manager");
    const { page: onA, frames } = await openLive(ctx, `${A.url}${LIST}?status__exact=paid`);
    await selectRows(onA, frames, (await rowPks(onA)).slice(0, 12));
    await startJob(onA, frames, "refund_selected");
    const path = new URL(onA.url()).pathname;
    const { page: onB } = await openLive(ctx, `${B.url}${path}`);
    expect(await onB.locator("h1#job-title").innerText()).toBe("Refund selected orders");
    await jobAdvancesPast(onB, 1);
    await jobAdvancesPast(onB, await jobCurrent(onB));
    expect(await jobStatus(onB)).toBe("running");
    const done = await cancelJob(onB, onA);
    expect(done).toBeLessThan(12);
    expect(await onA.locator("#job-summary").innerText()).toBe(`Cancelled after ${done} of 12 orders.`);
    await ctx.close();
  });

  it("a save on A is seen live on B: the order's activity and today's revenue move without a reload", async () => {
    const ctx: BrowserContext = await loggedIn(browser, A.url, "admin");
    const res = await ctx.request.get(`${A.url}${LIST}?createdAt__range=today&status__exact=paid`);
    const row = /<tr data-pk="(\d+)"[\s\S]*?(ORD-\d+)/.exec(await res.text());
    expect(row, "a paid order placed today").not.toBeNull();
    const [, id, number] = row!;
    const form = (await openLive(ctx, `${B.url}${LIST}${id}/change/`, 3)).page;
    const list = (await openLive(ctx, `${B.url}${LIST}`, 4)).page;
    const before = await list.locator("[data-revenue]").innerText();
    const stamp = await list.evaluate(() => ((window as { __mark?: number }).__mark = Math.random()));

    const { page: edit } = await openLive(ctx, `${A.url}${LIST}${id}/change/`, 3);
    await edit.selectOption('select[name="status"]', "cancelled");
    await edit.getByRole("button", { name: "Save and continue editing" }).click();
    await edit.locator(".flash-success").filter({ hasText: `The order “${number}” was changed successfully.` }).waitFor();

    await form.locator('[data-slot="order-activity"]').filter({ hasText: "status: paid → cancelled" }).waitFor();
    await list.waitForFunction((before) => document.querySelector("[data-revenue]")?.textContent !== before, before);
    expect(await list.evaluate(() => (window as { __mark?: number }).__mark)).toBe(stamp);
    await ctx.close();
  });

  it("a CSV export run on A downloads from B, the bytes A serves; neither machine writes a file in its directory", async () => {
    const ctx = await loggedIn(browser, A.url, "admin", { acceptDownloads: true });
    const { page: onA, frames } = await openLive(ctx, `${A.url}${LIST}?status__exact=shipped`);
    await selectRows(onA, frames, (await rowPks(onA)).slice(0, 5));
    await onA.selectOption('select[name="action"]', "export_csv");
    const from = frames.length;
    // no confirmation: the export changes nothing
    await Promise.all([onA.waitForURL(/\/admin\/jobs\/[A-Za-z0-9_-]{22,64}\/$/), onA.click("button.cl-go")]);
    await joined(frames, 1, from);
    await onA.locator("#job-download").waitFor({ timeout: 60_000 });
    const path = new URL(onA.url()).pathname;
    const onB = await ctx.newPage();
    await onB.goto(`${B.url}${path}`);
    const [download] = await Promise.all([onB.waitForEvent("download"), onB.locator("#job-download").click()]);
    const fromB = readFileSync((await download.path())!);
    const fromA = Buffer.from(await (await ctx.request.get(`${A.url}${path}download`)).body());
    expect(fromB.equals(fromA)).toBe(true);
    const rows = parseCsv(fromB.toString("utf8"));
    expect(rows.length).toBe(6);
    expect(rows.slice(1).every((r) => r.includes("shipped"))).toBe(true);
    for (const m of machines) expect(readdirSync(m.dir), m.dir).toEqual([]);
    await ctx.close();
  });
});
