/**
 * The built demo (dist/main.js) as real processes sharing one SQLite file and a private Redis:
 *
 * - two processes on different ports: a login on A is a login on B (sessions in SQLite), a page
 *   rendered by A joins over a WebSocket on B (HMAC tokens, every nested view registered at
 *   start-up), and an admin save on A moves live widgets joined on B (pubsub through Redis);
 * - the widget slots: the order change form's activity for that order, the low-stock alert for
 *   managers only (viewers get no placeholder either);
 * - `--workers 2`: node:cluster on one port, requests spread over both workers, a killed worker
 *   is replaced, SIGTERM stops everything.
 *
 * Needs `pnpm exec tsc -b` first (it runs dist/). No timing assertions: every wait is a poll.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@weft/server/testing";
import { Client } from "../../../packages/server/test/helpers.js";
import { joinView, login as loginThroughForm, type Jar } from "../../../packages/admin/test/support.js";
import { startTestRedis, type TestRedis } from "../../../packages/server/test/support/redis.js";
import { openDatabase } from "../src/db/open.js";
import { dayRange } from "../src/db/queries.js";
import { seed } from "../src/db/seed.js";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

const dir = mkdtempSync(join(tmpdir(), "weft-workers-"));
const dbFile = join(dir, "demo.db");
let redis: TestRedis;
const procs: Proc[] = [];
const sockets: Client[] = [];

async function until<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One demo process (a single server, or a cluster's primary). */
interface Proc {
  child: ChildProcess;
  base: string;
  port: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts dist/main.js with the shared database and Redis; resolves once it printed "Weft demo:". */
async function startDemo(args: string[] = [], env: Record<string, string> = {}): Promise<Proc> {
  const port = await freePort();
  const e: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: "", PORT: String(port), HOST: "127.0.0.1", DEMO_DB: dbFile, SIMULATE_MS: "0", REDIS_URL: redis.url, LOG_LEVEL: "warn", STOP_GRACE_MS: "60000", ...env };
  delete e.WEFT_SECRET; // the processes must agree through <DEMO_DB>.secret
  delete e.WORKERS;
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: e, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => void (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => void (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => void (done = true));
  const p: Proc = {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    output: () => out,
    exited,
    stop: async () => {
      if (!done) child.kill("SIGTERM");
      // a bound, not a wait (the test expects exit code 0): a loaded machine closes slowly
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
  procs.push(p);
  await until(() => out.includes("Weft demo:") || done, "the demo to listen", 60_000);
  if (done) throw new Error(`the demo exited before listening:\n${out}`);
  return p;
}

/** Logs in on `base` through the real form (the demo's users have their name as password). */
const login = (base: string, username: string) => loginThroughForm(base, username, { password: username, next: "/admin/" });

/** An admin page: status, HTML, and its view roots (id, view id, token). */
const page = (jar: Jar, url: string) => jar.html(url);

beforeAll(async () => {
  redis = await startTestRedis();
  const { sqlite } = openDatabase(dbFile);
  seed(sqlite, { customers: 300, products: 40, orders: 2_000, tickets: 60, ordersToday: 20 });
  sqlite.close();
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all(procs.map((p) => p.stop()));
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("two demo processes on different ports, one database, one Redis", () => {
  let a: Proc;
  let b: Proc;
  beforeAll(async () => {
    a = await startDemo();
    b = await startDemo();
  });

  it("each says which channel layer and how many workers", () => {
    expect(a.output()).toContain(`Channel layer: Redis at ${redis.url}`);
    expect(a.output()).toMatch(/Workers: +1 /);
  });

  it("a login on A is a login on B; a page from A joins over B's socket; a save on A moves B's live widgets", async () => {
    const jar = await login(a.base, "admin");
    // sessions live in SQLite: B knows the cookie
    const onB = await page(jar, `${b.base}/admin/shop/order/`);
    expect(onB.res.status).toBe(200);
    expect(onB.html).toContain("Today&#39;s revenue");

    // an order of today that still counts towards revenue
    const ro = new Database(dbFile, { readonly: true });
    const { start } = dayRange();
    const order = ro.prepare("SELECT id, number, status FROM orders WHERE created_at >= ? AND status NOT IN ('cancelled', 'refunded') ORDER BY id DESC LIMIT 1").get(start) as { id: number; number: string; status: string };
    ro.close();
    expect(order).toBeDefined();

    // pages rendered by A ...
    const list = await page(jar, `${a.base}/admin/shop/order/`);
    const form = await page(jar, `${a.base}/admin/shop/order/${order.id}/change/`);
    const revenueRoot = list.roots.find((r) => r.view === "slot-todays-revenue")!;
    const activityRoot = form.roots.find((r) => r.view === "slot-order-activity")!;
    expect(revenueRoot && activityRoot).toBeTruthy();
    expect(form.html).toContain(`data-order="${order.number}"`);

    // ... joined over a socket on B, as behind a proxy that sent the page to A and the socket to B
    // (tokens are HMAC with the shared secret; B never rendered a change form, yet knows
    // OrderActivity: every widget-slot class is registered at start-up)
    const onBSocket = await Client.open(b.base, jar.header);
    sockets.push(onBSocket);
    onBSocket.join(1, list.roots[0].token, `${b.base}/admin/shop/order/`);
    onBSocket.join(2, revenueRoot.token, `${b.base}/admin/shop/order/`);
    onBSocket.join(3, activityRoot.token, `${b.base}/admin/shop/order/${order.id}/change/`);
    await onBSocket.until(() => [1, 2, 3].every((r) => onBSocket.html.has(r)), "three views joined on B");
    expect(onBSocket.frames.filter((f) => f[0] === "!")).toEqual([]);
    const revenueBefore = /data-revenue>([^<]+)</.exec(onBSocket.html.get(2)!)![1];
    expect(onBSocket.html.get(3)).not.toContain("changed");

    // the change form on A saves the order as cancelled: A publishes on `orders` through Redis
    const onASocket = await joinView({ base: a.base, cookie: jar.header, token: form.roots[0].token, url: `${a.base}/admin/shop/order/${order.id}/change/`, sockets });
    const saved = await onASocket.reply(onASocket.event(1, "save", { status: "cancelled", _continue: "" }));
    expect(["a", "ar", "ad"]).toContain(saved[0]); // a reply, with or without the render it caused

    // B's widgets re-read SQLite when the publish arrives
    await onBSocket.until(() => onBSocket.html.get(3)?.includes(`status: ${order.status} → cancelled`), "the activity on B shows the change");
    expect(onBSocket.html.get(3)).toContain("<strong>admin</strong> changed");
    await onBSocket.until(() => !onBSocket.html.get(2)!.includes(`data-revenue>${revenueBefore}<`), "today's revenue on B moves");
  });

  it("session authority: a logout on A closes the user's socket on B within 1 s, and the save sent after it is never run", async () => {
    const ro = new Database(dbFile, { readonly: true });
    const order = ro.prepare("SELECT id, status FROM orders WHERE status NOT IN ('cancelled', 'refunded') ORDER BY id LIMIT 1").get() as { id: number; status: string };
    ro.close();
    const times: number[] = [];
    for (let round = 0; round < 5; round++) {
      const jar = await login(a.base, "manager");
      const form = await page(jar, `${a.base}/admin/shop/order/${order.id}/change/`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.html)![1];
      // the change form rendered by A, joined on B, as a tab open since before the logout
      const onB = await joinView({ base: b.base, cookie: jar.header, token: form.roots[0].token, url: `${b.base}/admin/shop/order/${order.id}/change/`, sockets });
      const t0 = performance.now();
      expect((await jar.post("/admin/logout/", { _csrf: csrf })).status).toBe(302);
      // the attack: the tab saves right after the logout
      onB.event(1, "save", { status: "cancelled", _continue: "" });
      await onB.until(() => onB.closed, "B's socket closed", 10_000);
      times.push(performance.now() - t0);
      expect(onB.closed).toEqual({ code: 4403, reason: "/admin/login/" });
      expect(onB.frames.some((f) => f[0] === "a" || f[0] === "ar" || f[0] === "ad")).toBe(false);
    }
    const sorted = [...times].sort((x, y) => x - y);
    console.log(`session authority across processes: logout on A → socket on B closed, 5 rounds (Redis channel layer, logout request included): ${times.map((t) => t.toFixed(1)).join(", ")} ms; median ${sorted[2].toFixed(1)} ms, max ${sorted[4].toFixed(1)} ms`);
    expect(sorted[4]).toBeLessThan(1_000);
    const after = new Database(dbFile, { readonly: true });
    expect(after.prepare("SELECT status FROM orders WHERE id = ?").get(order.id)).toEqual({ status: order.status });
    after.close();
  });

  it("widget slots: viewers get no low-stock alert (nor a placeholder), managers do", async () => {
    const viewer = await login(a.base, "viewer");
    const manager = await login(b.base, "manager");
    const v = await page(viewer, `${b.base}/admin/inventory/product/`);
    const m = await page(manager, `${a.base}/admin/inventory/product/`);
    expect(v.res.status).toBe(200);
    expect(m.res.status).toBe(200);
    expect(m.roots.some((r) => r.view === "slot-low-stock-alert")).toBe(true);
    expect(m.html).toContain('aria-label="Low stock"');
    expect(v.roots.some((r) => r.view === "slot-low-stock-alert")).toBe(false);
    expect(v.html).not.toContain("Low stock");
    expect(v.html).not.toContain("cl-widgets"); // no empty slot either
    // the token a manager got is useless to a viewer: bound to the manager's session
    const c = await Client.open(b.base, viewer.header);
    sockets.push(c);
    c.join(1, m.roots.find((r) => r.view === "slot-low-stock-alert")!.token, `${b.base}/admin/inventory/product/`);
    await c.until(() => c.frames.some((f) => f[0] === "!"), "the join refused");
  });
});

describe("--workers 2: node:cluster on one port", () => {
  it("starts two workers, spreads requests over them, replaces a killed one, and stops on SIGTERM", async () => {
    const p = await startDemo(["--workers", "2"], { SIMULATE_MS: "0" });
    expect(p.output()).toMatch(/Workers: +2 \(node:cluster, sharing port \d+/);
    const seen = new Set<string>();
    await until(async () => {
      const res = await fetch(`${p.base}/admin/login/`, { headers: { connection: "close" } });
      expect(res.status).toBe(200);
      seen.add(res.headers.get("x-weft-worker") ?? "?");
      return seen.has("1") && seen.has("2");
    }, "answers from both workers", 60_000);
    expect([...seen].sort()).toEqual(["1", "2"]);

    // a login through one worker works on whichever answers next
    const jar = await login(p.base, "manager");
    for (let i = 0; i < 4; i++) expect((await jar.fetch(`${p.base}/admin/shop/order/`, { headers: { connection: "close" } })).status).toBe(200);

    // kill a worker: the primary forks a replacement, the port keeps serving
    const { stdout } = await promisify(execFile)("pgrep", ["-P", String(p.child.pid)]);
    const workers = stdout.trim().split(/\s+/).map(Number);
    expect(workers).toHaveLength(2);
    process.kill(workers[0], "SIGKILL");
    // a process start, bounded as the first one is (60 s)
    await until(() => /Worker \d \(pid \d+\) is back\./.test(p.output()), "the replacement worker", 60_000);
    expect((await jar.fetch(`${p.base}/admin/`, { headers: { connection: "close" } })).status).toBe(200);

    const now = (await promisify(execFile)("pgrep", ["-P", String(p.child.pid)])).stdout.trim().split(/\s+/).map(Number);
    expect(now).toHaveLength(2);
    expect(now).not.toContain(workers[0]);
    const { code } = await p.stop();
    expect(code).toBe(0);
    // every worker is gone too
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await until(() => now.every((pid) => !alive(pid)), "the workers to exit");
  });
});
