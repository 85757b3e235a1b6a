// The admin's widget slots and health banner in real Chromium, across worker processes that
// share one SQLite file and a private Redis (started for this file on a free port, unless
// REDIS_URL is set: then the Redis stop/start spec is skipped):
//
// - two demo processes on different ports: a save made on worker A moves the order activity and
//   today's revenue open on worker B, without a reload; login attempts are counted across both;
// - slot sizes lay out as declared (sm a third, md a half, lg the row) and permissions decide
//   who gets the low-stock alert;
// - Redis stopped: the open page shows "Live updates are paused…", and it goes by itself when
//   Redis is back;
// - `--workers 2` (node:cluster on one port): the page and its socket land wherever the primary
//   sends them, and live updates still arrive.
//
// Screenshots go to e2e/screenshots/ (gitignored). Every wait is a condition poll.
import { type ChildProcess, spawn } from "node:child_process";
import { constants as fsc, mkdirSync } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { externalRedis, startTestRedis, type TestRedis } from "../packages/server/test/support/redis.js";
import { loggedIn } from "./support/admin.js";
import { launchBrowser, until } from "./support/browser.js";
import { freePort } from "@weft/server/testing";
import { MAIN, seededTemplate, STOP_GRACE_MS } from "./support/demo.js";
import { openLive } from "./support/live.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// the demo's SQLite driver (e2e/ has no dependency of its own on it)
const Database = createRequire(join(ROOT, "examples/admin-demo/package.json"))("better-sqlite3") as typeof import("better-sqlite3");
const SHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));
const PAUSED = "Live updates are paused: reconnecting to Redis…";
const ACTIVITY = '[data-slot="order-activity"]';
const REVENUE = "[data-revenue]";

/** One demo process (a single server, or a cluster's primary). */
interface Server {
  url: string;
  proc: ChildProcess;
  output(): string;
}

const procs = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of procs) p.kill("SIGKILL");
});

let redis: TestRedis;
let dir: string;
let dbFile: string;
let browser: Browser;
const servers: Server[] = [];

/** Starts dist/main.js on a free port with the shared database and Redis; resolves once it listens. */
async function startServer(args: string[] = []): Promise<Server> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: "", PORT: String(port), HOST: "127.0.0.1", DEMO_DB: dbFile, REDIS_URL: redis.url, SIMULATE_MS: "0", LOG_LEVEL: "warn" };
  delete env.WEFT_SECRET; // every process reads <DEMO_DB>.secret
  delete env.WORKERS;
  const proc = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  procs.add(proc);
  proc.once("exit", () => procs.delete(proc));
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => void (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => void (out += d.toString()));
  await until(() => out.includes("Weft demo:") || proc.exitCode !== null, "the demo to listen", 60_000);
  if (!out.includes("Weft demo:")) throw new Error(`the demo exited before listening:\n${out}`);
  const s = { url: `http://127.0.0.1:${port}`, proc, output: () => out };
  servers.push(s);
  return s;
}

async function stopServer(s: Server): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => s.proc.once("exit", () => resolve()));
  s.proc.kill("SIGTERM");
  const timer = setTimeout(() => s.proc.kill("SIGKILL"), STOP_GRACE_MS); // a bound: the test expects exit code 0
  await exited;
  clearTimeout(timer);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const template = await seededTemplate();
  dir = await mkdtemp(join(tmpdir(), "weft-e2e-workers-"));
  dbFile = join(dir, "demo.db");
  await copyFile(template, dbFile, fsc.COPYFILE_FICLONE);
  [redis, browser] = await Promise.all([startTestRedis(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map(stopServer));
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** GETs the login form (session cookie + CSRF token) and posts a wrong password for `username`; the status. */
async function wrongLogin(base: string, username: string): Promise<number> {
  const form = await fetch(`${base}/admin/login/`);
  const cookie = form.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const res = await fetch(`${base}/admin/login/`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: csrf, username, password: "wrong" }),
  });
  return res.status;
}

/** Opens `url` and waits until `views` views joined over the socket. */
async function open(ctx: BrowserContext, url: string, views: number): Promise<Page> {
  return (await openLive(ctx, url, views)).page;
}

/**
 * A paid (else pending) order moved to now, so that it counts towards today's revenue. The seed's
 * "today" slice is as old as the cached template: seeded before midnight, it is yesterday's.
 * The order is then found through the admin's own filter, as a user would find it.
 */
async function todaysOrder(ctx: BrowserContext, base: string): Promise<{ id: number; number: string; status: string }> {
  const db = new Database(dbFile);
  let picked: { id: number; status: string } | undefined;
  try {
    db.pragma("busy_timeout = 10000");
    picked = db
      .prepare("select id, status from orders where status in ('paid', 'pending') order by status = 'paid' desc, id desc limit 1")
      .get() as { id: number; status: string } | undefined;
    if (picked) db.prepare("update orders set created_at = ? where id = ?").run(Date.now(), picked.id);
  } finally {
    db.close();
  }
  if (!picked) throw new Error("no paid or pending order left in the seed");
  const res = await ctx.request.get(`${base}/admin/shop/order/?createdAt__range=today&status__exact=${picked.status}`);
  const row = new RegExp(`<tr data-pk="${picked.id}"[\\s\\S]*?(ORD-\\d+)`).exec(await res.text());
  if (!row) throw new Error(`order ${picked.id}, moved to now, is not in today's ${picked.status} orders`);
  return { id: picked.id, number: row[1]!, status: picked.status };
}

/** Cancels an order through the change form open on `page` (Save and continue editing). */
async function cancelOrder(page: Page, number: string): Promise<void> {
  await page.selectOption('select[name="status"]', "cancelled");
  await page.getByRole("button", { name: "Save and continue editing" }).click();
  await page.locator(".flash-success").filter({ hasText: `The order “${number}” was changed successfully.` }).waitFor();
}

describe("two demo processes on different ports", () => {
  let a: Server;
  let b: Server;
  let admin: BrowserContext;

  beforeAll(async () => {
    a = await startServer();
    b = await startServer();
    admin = await loggedIn(browser, a.url, "admin", { viewport: { width: 1280, height: 900 } });
  });

  it("counts login attempts across workers: the 11th wrong password for a username gets 429 on either", async () => {
    const user = `intruder-${Date.now()}`;
    for (let i = 0; i < 10; i++) expect(await wrongLogin(i % 2 ? b.url : a.url, user)).toBe(401);
    expect(await wrongLogin(a.url, user)).toBe(429);
    expect(await wrongLogin(b.url, user)).toBe(429);
    // per IP and username: another username from the same address still gets its answer
    expect(await wrongLogin(b.url, `${user}-2`)).toBe(401);
  });

  it("a save on worker A moves the order activity and today's revenue open on worker B", async () => {
    const order = await todaysOrder(admin, a.url);
    // on B: the order's change form (page view + activity + health) and the order list (page + 2 slots + health)
    const form = await open(admin, `${b.url}/admin/shop/order/${order.id}/change/`, 3);
    await expect(form.locator(ACTIVITY).innerText()).resolves.toContain("Order placed");
    const list = await open(admin, `${b.url}/admin/shop/order/`, 4);
    const before = await list.locator(REVENUE).innerText();
    const stamp = await list.evaluate(() => ((window as any).__mark = Math.random()));

    // on A: cancel it
    const edit = await open(admin, `${a.url}/admin/shop/order/${order.id}/change/`, 3);
    await cancelOrder(edit, order.number);

    // on B, without a reload
    await form.locator(ACTIVITY).filter({ hasText: `status: ${order.status} → cancelled` }).waitFor();
    await expect(form.locator(ACTIVITY).innerText()).resolves.toContain("admin changed");
    await form.screenshot({ path: join(SHOTS, "workers-order-activity.png") });
    await list.waitForFunction(([sel, text]) => document.querySelector(sel as string)?.textContent !== text, [REVENUE, before] as const);
    expect(await list.evaluate(() => (window as any).__mark)).toBe(stamp);
    await list.screenshot({ path: join(SHOTS, "workers-order-list-slots.png") });
    for (const p of [form, list, edit]) await p.close();
  });

  it("slot sizes lay out as declared; the low-stock alert only for users holding inventory.view_low_stock", async () => {
    const manager = await loggedIn(browser, a.url, "manager", { viewport: { width: 1280, height: 900 } });
    const viewer = await loggedIn(browser, a.url, "viewer", { viewport: { width: 1280, height: 900 } });

    const orders = await open(manager, `${a.url}/admin/shop/order/`, 4);
    const grid = (await orders.locator(".cl-widgets").boundingBox())!;
    const revenue = (await orders.locator(".slot", { has: orders.locator(REVENUE) }).boundingBox())!;
    // sm: a third of the row (less the gaps)
    expect(revenue.width).toBeGreaterThan(grid.width / 3 - 24);
    expect(revenue.width).toBeLessThan(grid.width / 3 + 1);
    await orders.close();

    const products = await open(manager, `${b.url}/admin/inventory/product/`, 3);
    const alert = products.locator('.slot[aria-label="Low stock"]');
    await products.screenshot({ path: join(SHOTS, "workers-low-stock.png") });
    await expect(alert.locator(".slot-label").innerText()).resolves.toMatch(/low stock/i);
    const box = (await alert.boundingBox())!;
    const row = (await products.locator(".cl-widgets").boundingBox())!;
    // md: half the row
    expect(box.width).toBeGreaterThan(row.width / 2 - 16);
    expect(box.width).toBeLessThan(row.width / 2 + 1);
    await products.close();

    const denied = await open(viewer, `${b.url}/admin/inventory/product/`, 2);
    expect(await denied.locator(".slot").count()).toBe(0);
    expect(await denied.locator(".cl-widgets").count()).toBe(0);
    expect(await denied.locator("text=Low stock").count()).toBe(0);
    await denied.close();

    // the activity spans the change form's row
    const form = await open(manager, `${a.url}/admin/shop/order/${(await todaysOrder(manager, a.url)).id}/change/`, 3);
    const slot = (await form.locator(".slot", { has: form.locator(ACTIVITY) }).boundingBox())!;
    const formRow = (await form.locator(".cf-widgets").boundingBox())!;
    expect(Math.abs(slot.width - formRow.width)).toBeLessThan(2);
    await form.close();
    await manager.close();
    await viewer.close();
  });

  describe.skipIf(externalRedis)("when Redis goes away", () => {
    it("the open page shows the degraded banner, and it goes by itself when Redis is back", async () => {
      const page = await open(admin, `${b.url}/admin/shop/order/`, 4);
      const stamp = await page.evaluate(() => ((window as any).__mark = Math.random()));
      expect(await page.locator(".health-banner").count()).toBe(0);

      await redis.kill();
      const banner = page.locator(".health-banner");
      await banner.filter({ hasText: PAUSED }).waitFor();
      expect(await banner.getAttribute("role")).toBe("status");
      // below the top bar, in view
      const box = (await banner.boundingBox())!;
      expect(box.y).toBeGreaterThan(0);
      expect(box.y).toBeLessThan(120);
      await page.screenshot({ animations: "disabled", path: join(SHOTS, "workers-health-banner.png") });

      // pages still open meanwhile, with the banner in their first HTML
      const other = await admin.newPage();
      await other.goto(`${a.url}/admin/`);
      await other.locator(".health-banner").filter({ hasText: PAUSED }).waitFor();
      await other.close();
      // the login form still answers (attempts are not counted while Redis is away)
      expect(await wrongLogin(a.url, `outage-${Date.now()}`)).toBe(401);

      await redis.restart();
      await banner.waitFor({ state: "detached", timeout: 30_000 });
      expect(await page.evaluate(() => (window as any).__mark)).toBe(stamp);
      await page.close();
    });
  });
});

describe("--workers 2 (node:cluster, one port)", () => {
  it("serves the admin and its live slots whichever worker gets the page and the socket", async () => {
    const c = await startServer(["--workers", "2"]);
    expect(c.output()).toMatch(/Workers: +2 \(node:cluster/);
    const ctx = await loggedIn(browser, c.url, "admin");
    const order = await todaysOrder(ctx, c.url);
    const form = await open(ctx, `${c.url}/admin/shop/order/${order.id}/change/`, 3);
    const list = await open(ctx, `${c.url}/admin/shop/order/`, 4);
    const before = await list.locator(REVENUE).innerText();
    await cancelOrder(form, order.number);
    await form.locator(ACTIVITY).filter({ hasText: `status: ${order.status} → cancelled` }).waitFor();
    await list.waitForFunction(([sel, text]) => document.querySelector(sel as string)?.textContent !== text, [REVENUE, before] as const);
    await ctx.close();
    await stopServer(c);
    expect(c.proc.exitCode).toBe(0);
  });
});
