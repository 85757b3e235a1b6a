/**
 * Bulk actions with a live, cancellable progress page, over real servers: two "workers" (two
 * fastify apps, each with its own AdminSite and database connection — a SQLite connection on the
 * same file, or a PostgreSQL pool on the same database — each with its own channel-layer instance
 * on the same site), logged in through the real login form and driven over the real WebSocket
 * protocol — SQLite on the in-memory layer and on a private Redis, PostgreSQL on Redis.
 *
 * Jobs start on worker A (change list event, or the HTTP action endpoint); their pages are
 * watched and cancelled on worker B. The test's action bodies take one "step" per row from a
 * stepper the test controls, so "it advances" is checked without timing assumptions.
 */
import { randomBytes } from "node:crypto";
import { and, count, eq, inArray } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Order } from "../../../examples/admin-demo/src/db/schema.js";
import { AdminSite, withProgress, type AdminAction, type PinnedSelection } from "../src/index.js";
import { qb } from "../src/query/dialect/index.js";
import { cancelJob, isJobId } from "@weft/server/jobs";
import { type ChannelLayer } from "@weft/server/pubsub";
import type { Client } from "../../server/test/helpers.js";
import { type LayerKind, memoryKind, redisKind } from "../../server/test/support/layers.js";
import { waitFor } from "../../server/test/support/wait.js";
import { loginOnce, openView, startAdmin } from "./support.js";
import type { Engine } from "./support/engines.js";
import { openDemoShop, type DemoShop, type DemoTables } from "./support/demo-shop.js";

// ---------------------------------------------------------------------------------------------
// the test's actions

/** Steps the test hands out: a body takes one per row, so the test decides how far it gets. */
class Stepper {
  private credits = 0;
  private waiters = new Set<() => void>();
  release(n = 1): void {
    this.credits += n;
    for (const w of [...this.waiters]) w();
  }
  /** Waits for a step; rejects with the signal's reason when it aborts. */
  async take(signal?: AbortSignal): Promise<void> {
    while (this.credits === 0) {
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          this.waiters.delete(done);
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          this.waiters.delete(done);
          reject(signal!.reason);
        };
        this.waiters.add(done);
        if (signal?.aborted) return onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    this.credits--;
  }
}

/** What a body did, by job id. */
interface Run {
  rows: number;
  exited: boolean;
  pinned?: PinnedSelection;
  size?: number;
  ids?: unknown[];
  count?: number;
  rowCount?: number;
}

/** The shop's tables on the engine under test (the describe blocks run one after another). */
let T: DemoTables;

const FAIL_SECRET = "kaboom-secret-detail-7731";
const env = { stepper: new Stepper(), runs: new Map<string, Run>() };

const refund = withProgress<Order>(
  { name: "refund_selected", label: "Refund selected orders", permissions: ["orders.refund_order"], description: ({ count }) => `Refund ${count} orders` },
  async (ctx, selection, progress) => {
    const run: Run = { rows: 0, exited: false, ids: await selection.ids() };
    env.runs.set(ctx.jobId, run);
    try {
      for (const id of run.ids!) {
        if (progress.cancelled) break;
        await env.stepper.take(progress.signal);
        const [order] = await selection.rows([id]);
        await qb(ctx.db).update(T.orders).set({ status: "refunded" }).where(eq(T.orders.id, id as number));
        run.rows++;
        progress.update({ current: run.rows, message: `Refunded ${order!.number}` });
        progress.log(`Refunded ${order!.number}`);
      }
    } finally {
      run.exited = true;
    }
  },
);
const explode = withProgress({ name: "explode", label: "Explode" }, async (ctx, _selection, progress) => {
  env.runs.set(ctx.jobId, { rows: 0, exited: true });
  progress.update({ current: 1, total: 2, message: "about to fail" });
  await null;
  throw new Error(FAIL_SECRET);
});
const finalize = withProgress({ name: "finalize", label: "Finalize orders", cancellable: false }, async (ctx, selection, progress) => {
  const run: Run = { rows: 0, exited: false };
  env.runs.set(ctx.jobId, run);
  try {
    for (const _id of await selection.ids()) {
      await env.stepper.take(); // not cancellable: no signal
      progress.update({ current: ++run.rows });
    }
  } finally {
    run.exited = true;
  }
});
const inspect = withProgress<Order>({ name: "inspect", label: "Inspect" }, async (ctx, selection) => {
  let rowCount = 0;
  for await (const batch of selection.batches(7)) rowCount += batch.length;
  env.runs.set(ctx.jobId, { rows: 0, exited: true, pinned: selection.pinned, size: selection.size, ids: await selection.ids(), count: await selection.count(), rowCount });
});
const plain: AdminAction = { name: "touch", label: "Touch", run: () => "touched" };

// ---------------------------------------------------------------------------------------------
// two workers on one database and one channel-layer site

interface Worker {
  app: FastifyInstance;
  site: AdminSite;
  base: string;
  logs: string[];
  close(): Promise<void>;
}

async function startWorker(shop: DemoShop, layer: ChannelLayer): Promise<Worker> {
  const { orders, customers } = shop;
  const conn = await shop.connect();
  // a lease no slow run outlasts: only the lost test below lets one expire, on its own record
  const site = await AdminSite.create({ db: conn.db, title: "Jobs test", jobs: { leaseMs: 3_600_000 } });
  site.register(orders, {
    app: "shop",
    relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
    listDisplay: ["number", "customer", "status", "totalCents"],
    searchFields: ["^number"],
    listFilter: ["status"],
    ordering: ["id"],
    listPerPage: 20,
    actions: [refund, explode, finalize, inspect, plain],
  });
  site.register(customers, { app: "shop", listDisplay: ["name"] });
  const logs: string[] = [];
  const { app, base } = await startAdmin(site, { pubsub: layer, logger: { level: "warn", stream: { write: (line: string) => void logs.push(line) } } });
  return {
    app,
    site,
    base,
    logs,
    async close() {
      await app.close();
      await conn.close();
    },
  };
}

const LIST = "/admin/shop/order/";
const ACTION = "/admin/shop/order/action/";
const PASSWORD = "pass-word-123";
const USERS = {
  admin: { isSuperuser: true, perms: [] },
  manager: { isSuperuser: false, perms: ["shop.view_order", "shop.change_order", "orders.refund_order"] },
  manager2: { isSuperuser: false, perms: ["shop.view_order", "shop.change_order", "orders.refund_order"] },
  heavy: { isSuperuser: false, perms: ["shop.view_order", "shop.change_order", "orders.refund_order"] },
  light: { isSuperuser: false, perms: ["shop.view_order", "shop.change_order", "orders.refund_order"] },
  clerk: { isSuperuser: false, perms: ["shop.view_order", "shop.change_order"] },
  viewer: { isSuperuser: false, perms: ["shop.view_order"] },
} as const;
type Username = keyof typeof USERS;

const pksIn = (html: string) => [...html.matchAll(/<tr data-pk="(\d+)"/g)].map((m) => Number(m[1]));
const statusOf = (html: string) => /<span id="job-status" class="[^"]*"[^>]*>([a-z]+)<\/span>/.exec(html)?.[1];
const flashes = (html: string) => [...html.matchAll(/<div class="flash flash-(\w+)"[^>]*><span>([^<]*)<\/span>/g)].map((m) => [m[1], m[2]]);

// Engines × channel layers: SQLite on both layers, PostgreSQL on Redis (the layer of a
// deployment whose workers share only PostgreSQL and Redis); the layer is not the engine's
// concern, so the fourth pair would add time and no coverage.
const redis = redisKind();
const MATRIX: [Engine, LayerKind][] = [
  ["sqlite", memoryKind],
  ["sqlite", redis],
  ["postgres", redis],
];
for (const [engine, kind] of MATRIX) {
  describe(`admin jobs: ${engine}, ${kind.name}`, () => {
    let shop: DemoShop;
    let A: Worker;
    let B: Worker;
    let closeLayers: () => Promise<void>;
    const ids = {} as Record<Username, number>;
    const sockets: Client[] = [];
    let nextRef = 1;

    beforeAll(async () => {
      shop = await openDemoShop(engine, { customers: 20, products: 10, orders: 120, tickets: 3, ordersToday: 2, now: new Date(Date.UTC(2026, 10, 1, 12)) }, "admin_jobs");
      T = shop;
      const layers = kind.newSite();
      closeLayers = () => layers.close();
      A = await startWorker(shop, layers.open());
      B = await startWorker(shop, layers.open());
      for (const [username, u] of Object.entries(USERS)) {
        const user = await A.site.users.createUser({ username, password: PASSWORD, isStaff: true, isSuperuser: u.isSuperuser });
        for (const p of u.perms) await A.site.users.grant(user, p);
        ids[username as Username] = user.id;
      }
    });

    afterAll(async () => {
      env.stepper.release(10_000);
      for (const s of sockets) s.close();
      await A?.close();
      await B?.close();
      await closeLayers?.();
      await shop?.close();
    });

    beforeEach(() => {
      env.stepper = new Stepper();
    });

    /**
     * Logs in through the real form (on worker A; the session row is shared, and cookies are per
     * host, not per port: one jar works on both workers), once per user.
     */
    const login = loginOnce(() => A.base, { password: PASSWORD });

    /** The shell's CSRF token (its logout form) for `username`. */
    async function csrfFor(username: Username): Promise<string> {
      const html = await (await (await login(username)).fetch(`${A.base}/admin/`)).text();
      return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    }

    /** POSTs the action endpoint on `w` as `username`. */
    async function post(w: Worker, username: Username, fields: Record<string, string | string[]>, query = "", opts: { csrf?: string | null } = {}): Promise<Response> {
      const body = new URLSearchParams();
      const csrf = opts.csrf === undefined ? await csrfFor(username) : opts.csrf;
      if (csrf !== null) body.set("_csrf", csrf);
      for (const [k, v] of Object.entries(fields)) for (const x of ([] as string[]).concat(v)) body.append(k, x);
      return (await login(username)).fetch(`${w.base}${ACTION}${query}`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
    }

    interface Live {
      c: Client;
      ref: number;
      first: string;
      html(): string;
      /** sends an event and waits for its reply (or error frame) */
      event(name: string, payload?: object): Promise<string>;
      redirect(): string | undefined;
      /** delta frames received for this view */
      deltas(): number;
    }

    async function openLive(w: Worker, username: Username, path: string, view: string): Promise<Live> {
      const jar = await login(username);
      const ref = nextRef++;
      const { c, first } = await openView(jar, w.base + path, `admin-${view}`, { ref, sockets });
      return {
        c,
        ref,
        first,
        html: () => c.html.get(ref)!,
        async event(name, payload = {}) {
          const seq = c.event(ref, name, payload);
          await c.reply(seq);
          await new Promise((r) => setTimeout(r, 10));
          return c.html.get(ref)!;
        },
        redirect: () => c.find((f) => f[0] === "x" && f[1] === ref)?.[2] as string | undefined,
        deltas: () => c.frames.filter((f) => f[0] === "d" && f[1] === ref).length,
      };
    }

    /** Starts `action` from the change list on worker A with the first `n` rows picked; returns the job URL. */
    async function startFromList(username: Username, action: string, n: number, path = LIST): Promise<{ url: string; id: string; list: Live }> {
      const list = await openLive(A, username, path, "changelist");
      for (const pk of pksIn(list.html()).slice(0, n)) await list.event("select", { pk: String(pk) });
      // a job that changes data asks first (Confirm), naming the count
      expect(await list.event("action", { action })).toContain(`${n} orders?</h2>`);
      await list.event("confirm", { action });
      const url = await list.c.until(() => list.redirect(), "the redirect to the job page");
      const m = /^\/admin\/jobs\/([^/]+)\/$/.exec(url);
      expect(m, url).not.toBeNull();
      return { url, id: m![1]!, list };
    }

    const jobIdOf = (res: Response) => /^\/admin\/jobs\/([^/]+)\/$/.exec(res.headers.get("location") ?? "")?.[1];
    const allJobs = () => A.site.jobs.list({ limit: 500 });

    it("starts from the change list, redirects to the job page, which advances live on another worker; Cancel there stops the body", async () => {
      const { url, id, list } = await startFromList("manager", "refund_selected", 5);
      expect(isJobId(id)).toBe(true);
      expect(list.c.raw.join("")).not.toContain("error");
      const rec = (await A.site.jobs.get(id))!;
      expect(rec).toMatchObject({ owner: String(ids.manager), ownerName: "manager", action: "shop.order.refund_selected", description: "Refund 5 orders", cancellable: true, total: 5 });
      // the record says running before the body has read its selection (an awaited read): wait for it
      const picked = (await waitFor(() => env.runs.get(id), "the body to start")).ids!;
      expect(picked).toHaveLength(5);

      // the page, on worker B
      const job = await openLive(B, "manager", url, "job");
      expect(job.first).toContain("<title data-suffix=\" | Jobs test\">Job | Jobs test</title>");
      expect(job.html()).toContain("Refund selected orders");
      expect(job.html()).toContain("Refund 5 orders");
      expect(job.html()).toContain('id="job-counts" class="job-counts">0 of 5<');
      expect(job.html()).toMatch(/href="\/admin\/shop\/order\/"/);
      expect(job.html()).toMatch(/<button type="button" class="danger" id="job-cancel" lv-click="cancel" lv-confirm="[^"]+">Cancel<\/button>/);

      const before = job.deltas();
      env.stepper.release(1);
      await job.c.until(() => job.html().includes(">1 of 5<"), "1 of 5");
      expect(job.html()).toContain('id="job-percent" class="job-percent">20%<');
      expect(job.html()).toMatch(/<progress id="job-bar" class="job-bar job-bar-running" max="100" value="20"/);
      env.stepper.release(1);
      // the body's update (the count) and its log line are two progress calls, so two writes
      // may land apart: wait for both, not for the count and then read the log
      const twoLines = /<ul id="job-log" class="job-log">\s*<li>Refunded ORD-\d+<\/li>\s*<li>Refunded ORD-\d+<\/li>/;
      await job.c.until(() => job.html().includes(">2 of 5<") && twoLines.test(job.html()), "2 of 5 and its log line");
      expect(job.deltas()).toBeGreaterThan(before); // pushed as deltas, not re-renders or polls
      expect(statusOf(job.html())).toBe("running");

      // Cancel on worker B; the body runs on worker A
      await job.event("cancel");
      await job.c.until(() => statusOf(job.html()) === "cancelled", "status cancelled");
      expect(job.html()).not.toContain('id="job-cancel"');
      const run = env.runs.get(id)!;
      await waitFor(() => run.exited, "the body to stop");
      env.stepper.release(10);
      await new Promise((r) => setTimeout(r, 50));
      expect(run.rows).toBe(2);
      const refunded = (await qb(A.site.db).select({ n: count() }).from(shop.orders).where(and(inArray(shop.orders.id, picked as number[]), eq(shop.orders.status, "refunded"))))[0]!.n;
      expect(refunded).toBe(2);
      expect(await A.site.jobs.get(id)).toMatchObject({ status: "cancelled", cancelRequested: true, cancelledBy: String(ids.manager), current: 2 });
    });

    it("pins 'select all N matching' to the matching keys at the click; the body re-reads fresh rows", async () => {
      const path = `${LIST}?status__exact=delivered`;
      const list = await openLive(A, "manager", path, "changelist");
      await list.event("selectAll");
      const delivered = (await qb(A.site.db).select({ id: shop.orders.id }).from(shop.orders).where(eq(shop.orders.status, "delivered")).orderBy(shop.orders.id)).map((r) => r.id);
      expect(delivered.length).toBeGreaterThan(20); // more than one page
      const confirm = await list.event("action", { action: "inspect" });
      expect(confirm).toContain(`Inspect: ${delivered.length} orders?`);
      expect(confirm).toContain(`All ${delivered.length} orders matching the search and filters are selected.`);
      await list.event("confirm", { action: "inspect" });
      const url = await list.c.until(() => list.redirect(), "redirect");
      const id = url.split("/")[3]!;
      await waitFor(async () => (await A.site.jobs.get(id))?.status === "done", "inspect done");
      expect(env.runs.get(id)).toMatchObject({ pinned: { kind: "ids", ids: delivered }, size: delivered.length, ids: delivered, count: delivered.length, rowCount: delivered.length });
      expect((await A.site.jobs.get(id))!.total).toBe(delivered.length);
      expect((await A.site.jobs.get(id))!.selection).toMatch(new RegExp(`^${delivered.length} orders as of \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC$`));
    });

    it("HTTP endpoint: 403 and no job for a user lacking the permission, 303 to the job for one who has it, 400 for bad input", async () => {
      const some = (await qb(A.site.db).select({ id: shop.orders.id }).from(shop.orders).orderBy(shop.orders.id).limit(3)).map((r) => String(r.id));
      const jobsBefore = (await allJobs()).length;
      // clerk may change orders but lacks shop.orders.refund_order; viewer may only view
      for (const who of ["clerk", "viewer"] as const) {
        const res = await post(A, who, { action: "refund_selected", _selected_action: some });
        expect(res.status, who).toBe(403);
        expect(await res.text()).toBe("You don't have permission to do that.");
        expect(await A.site.jobs.list({ owner: String(ids[who]) })).toEqual([]);
      }
      expect(await post(A, "viewer", { action: "inspect", _selected_action: some })).toHaveProperty("status", 403);
      expect((await allJobs()).length).toBe(jobsBefore);

      // manager: 303 to the job page, on either worker
      const res = await post(B, "manager", { action: "refund_selected", _selected_action: some });
      expect(res.status).toBe(303);
      const id = jobIdOf(res)!;
      expect(isJobId(id)).toBe(true);
      expect(await A.site.jobs.get(id)).toMatchObject({ owner: String(ids.manager), total: 3, action: "shop.order.refund_selected" });
      expect(await cancelJob(A.site.jobs, id, String(ids.manager))).toBe(true);
      await waitFor(async () => (await A.site.jobs.get(id))?.status === "cancelled", "cancelled");

      // select_across with the change list's query string
      const across = await post(A, "manager", { action: "inspect", select_across: "1" }, "?status__exact=shipped");
      expect(across.status).toBe(303);
      const shipped = (await qb(A.site.db).select({ n: count() }).from(shop.orders).where(eq(shop.orders.status, "shipped")))[0]!.n;
      expect((await A.site.jobs.get(jobIdOf(across)!))!.total).toBe(shipped);
      // a plain action goes back to the change list
      const plainRes = await post(A, "manager", { action: "touch", select_across: "1" }, "?status__exact=cancelled&sort=-number");
      expect(plainRes.status).toBe(303);
      expect(plainRes.headers.get("location")).toBe(`${LIST}?status__exact=cancelled&sort=-number`);

      // bad input
      const bad: Array<[Record<string, string | string[]>, string, number]> = [
        [{ action: "", _selected_action: some }, "", 400],
        [{ action: "nope", _selected_action: some }, "", 400],
        [{ action: "refund_selected" }, "", 400], // nothing selected
        [{ action: "refund_selected", _selected_action: ["999999"] }, "", 400], // no such row
        [{ action: "refund_selected", _selected_action: some, select_across: "1" }, "", 400],
        [{ action: "refund_selected", select_across: "1" }, "?status__exact=nope", 400],
        [{ action: "refund_selected", select_across: "1" }, "?sneaky=1", 400],
        [{ action: "delete_selected", _selected_action: some }, "", 403], // manager may not delete
        [{ action: "refund_selected", _selected_action: some, select_across: "maybe" }, "", 400],
      ];
      for (const [fields, query, status] of bad) {
        expect((await post(A, "manager", fields, query)).status, JSON.stringify([fields, query])).toBe(status);
      }
      expect((await post(A, "admin", { action: "delete_selected", _selected_action: some })).status).toBe(400);
      // CSRF: missing or wrong token
      expect((await post(A, "manager", { action: "refund_selected", _selected_action: some }, "", { csrf: null })).status).toBe(403);
      expect((await post(A, "manager", { action: "refund_selected", _selected_action: some }, "", { csrf: "forged" })).status).toBe(403);
      // unknown model; anonymous visitors go to the login page
      expect((await (await login("manager")).fetch(`${A.base}/admin/shop/nothing/action/`, { method: "POST", body: "action=x", headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": await csrfFor("manager") } })).status).toBe(404);
      expect((await fetch(`${A.base}${ACTION}`, { method: "POST", redirect: "manual", body: "action=x", headers: { "content-type": "application/x-www-form-urlencoded" } })).status).toBe(302);
      // none of these started anything
      expect((await allJobs()).filter((j) => j.action.endsWith("refund_selected") && j.status !== "cancelled")).toEqual([]);
    });

    it("answers 404 for another user's job, a random id and a malformed one; the owner and a superuser see it", async () => {
      const res = await post(A, "manager", { action: "inspect", _selected_action: ["1", "2"] });
      const url = res.headers.get("location")!;
      expect((await (await login("manager")).fetch(B.base + url)).status).toBe(200);
      expect((await (await login("admin")).fetch(B.base + url)).status).toBe(200);
      for (const who of ["manager2", "clerk", "viewer"] as const) {
        const r = await (await login(who)).fetch(A.base + url);
        expect(r.status, who).toBe(404);
        expect(await r.text()).not.toContain("Inspect");
      }
      const jar = await login("manager");
      expect((await jar.fetch(`${A.base}/admin/jobs/${randomBytes(18).toString("base64url")}/`)).status).toBe(404);
      expect((await jar.fetch(`${A.base}/admin/jobs/nope/`)).status).toBe(404);
      expect((await jar.fetch(`${A.base}/admin/jobs/${"x".repeat(300)}/`)).status).toBe(404);
    });

    it("a failing action: status failed, the generic message, and neither the error nor its stack in any frame", async () => {
      const { url, id, list } = await startFromList("manager", "explode", 2);
      const job = await openLive(B, "manager", url, "job");
      await job.c.until(() => statusOf(job.html()) === "failed", "status failed");
      expect(job.html()).toContain('<div class="flash flash-error job-error" id="job-error" role="alert"><span>The job failed. The details are in the server log.</span></div>');
      expect(job.html()).not.toContain('id="job-cancel"');
      const page = await (await (await login("manager")).fetch(A.base + url)).text();
      for (const text of [...job.c.raw, ...list.c.raw, page, JSON.stringify(await A.site.jobs.get(id))]) {
        expect(text).not.toContain(FAIL_SECRET);
        expect(text).not.toContain("jobs.test.ts");
        expect(text).not.toMatch(/\bat .+:\d+:\d+/);
      }
      // the stack went to the server log of the worker that ran it
      await waitFor(() => A.logs.some((l) => l.includes(FAIL_SECRET) && l.includes("jobs.test.ts")), "the logged stack");
    });

    it("an action declared not cancellable shows no Cancel, and a crafted cancel event is refused", async () => {
      const res = await post(A, "manager", { action: "finalize", _selected_action: ["3", "4"] });
      expect(res.status).toBe(303);
      const id = jobIdOf(res)!;
      const job = await openLive(B, "manager", res.headers.get("location")!, "job");
      expect(job.html()).not.toContain("job-cancel");
      expect(job.html()).toContain("this action cannot be cancelled");
      const html = await job.event("cancel");
      expect(flashes(html)).toEqual([["error", "This action cannot be cancelled."]]);
      const superJob = await openLive(A, "admin", res.headers.get("location")!, "job");
      expect(flashes(await superJob.event("cancel"))).toEqual([["error", "This action cannot be cancelled."]]);
      expect(await A.site.jobs.get(id)).toMatchObject({ cancelRequested: false, cancelledBy: null });
      expect(await cancelJob(A.site.jobs, id, String(ids.manager))).toBe(false); // the core refuses too
      env.stepper.release(2);
      await job.c.until(() => statusOf(job.html()) === "done", "done");
      expect(job.html()).toContain(">2 of 2<");
      expect(env.runs.get(id)!.rows).toBe(2);
    });

    it("another user cannot cancel through a crafted event either: the view re-checks on a fresh read", async () => {
      const { url, id } = await startFromList("manager", "refund_selected", 2);
      const mine = await openLive(B, "manager", url, "job");
      // the owner's page works; a superuser's too
      const sup = await openLive(A, "admin", url, "job");
      expect(sup.html()).toContain('id="job-cancel"');
      await sup.event("cancel");
      await mine.c.until(() => statusOf(mine.html()) === "cancelled", "cancelled by the superuser");
      expect(await A.site.jobs.get(id)).toMatchObject({ status: "cancelled", cancelledBy: String(ids.admin) });
      expect(env.runs.get(id)!.rows).toBe(0);
    });

    it("a job whose worker stops renewing its lease turns to lost on the page, with the generic text", async () => {
      // a record nobody runs: as if its worker died right after the last renewal
      const rec = await A.site.jobs.create({ owner: String(ids.manager), ownerName: "manager", action: "shop.order.refund_selected", description: "Orphaned refund", total: 10 });
      await A.site.jobs.update(rec.id, { status: "running", startedAt: Date.now(), current: 4 });
      const job = await openLive(B, "manager", `/admin/jobs/${rec.id}/`, "job");
      expect(statusOf(job.html())).toBe("running");
      // the last renewal, with a short lease set here (once the page shows it running, however
      // long that took); then nobody renews it
      await A.site.jobs.update(rec.id, { leaseUntil: Date.now() + 300 });
      await job.c.until(() => statusOf(job.html()) === "lost", "status lost");
      expect(job.html()).toContain('<span>The worker running this job stopped responding; its outcome is unknown.</span>');
      expect(job.html()).toContain(">4 of 10<");
      expect(job.html()).not.toContain('id="job-cancel"');
      expect((await A.site.jobs.get(rec.id))!.status).toBe("lost");
    });

    it("per-user caps: 20 concurrent starts by one user on two workers → exactly 3 started, 17 refused (429 JSON, change-list flash); another user still starts one", async () => {
      const owner = String(ids.heavy);
      const csrf = await csrfFor("heavy");
      const rows = ["110", "111"];
      // half refunds, half finalizes, half through each worker, all at once
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => post(i % 2 ? A : B, "heavy", { action: i % 4 < 2 ? "refund_selected" : "finalize", _selected_action: rows }, "", { csrf })),
      );
      const started = responses.filter((r) => r.status === 303).map((r) => jobIdOf(r)!);
      const refused = responses.filter((r) => r.status === 429);
      expect(started).toHaveLength(3);
      expect(refused).toHaveLength(17);
      for (const r of refused) {
        expect(r.headers.get("content-type")).toMatch(/^application\/json/);
        const body = (await r.json()) as { code: string; message: string; scope: string; limit: number };
        expect(body.code).toBe("WEFT_ERR_JOB_QUOTA");
        expect(body.message).toMatch(/^You already have (3 jobs|2 “(Refund selected orders|Finalize orders)” jobs) running or queued; nothing was started\./);
        expect(body).toMatchObject(body.scope === "owner" ? { limit: 3 } : { scope: "action", limit: 2 });
      }
      const mine = await A.site.jobs.list({ owner });
      expect(mine.map((j) => j.id).sort()).toEqual([...started].sort());
      const perAction = (name: string) => mine.filter((j) => j.action === `shop.order.${name}`).length;
      expect(perAction("refund_selected")).toBeLessThanOrEqual(2);
      expect(perAction("finalize")).toBeLessThanOrEqual(2);

      // another user is not starved: their job starts, on either worker
      const other = await post(B, "light", { action: "finalize", _selected_action: ["112"] });
      expect(other.status).toBe(303);

      // the change list shows the refusal as an error flash, and starts nothing
      const list = await openLive(A, "heavy", LIST, "changelist");
      await list.event("select", { pk: String(pksIn(list.html())[0]) });
      await list.event("action", { action: "inspect" });
      await list.event("confirm", { action: "inspect" });
      expect(flashes(list.html())).toContainEqual(["error", "You already have 3 jobs running or queued; nothing was started. Wait for one of them to finish (see My jobs), then try again."]);
      expect(list.redirect()).toBeUndefined();
      expect(await A.site.jobs.list({ owner })).toHaveLength(3);

      // an ended job gives its slot back, on every worker: cancel one refund (or let a finalize finish)
      const refunds = mine.filter((j) => j.action === "shop.order.refund_selected");
      if (refunds.length) {
        expect(await cancelJob(B.site.jobs, refunds[0]!.id, owner)).toBe(true);
        await waitFor(async () => (await A.site.jobs.get(refunds[0]!.id))?.status === "cancelled", "the refund cancelled");
      } else {
        env.stepper.release(2 * rows.length); // both finalizes, every row
        await waitFor(async () => (await A.site.jobs.list({ owner })).some((j) => j.status === "done"), "a finalize done");
      }
      const again = await post(B, "heavy", { action: "inspect", _selected_action: rows }, "", { csrf });
      expect(again.status).toBe(303);
    });

    it("My jobs lists the user's recent jobs with live status; a superuser sees everyone's on All jobs", async () => {
      const page = await openLive(B, "manager2", "/admin/jobs/", "jobs");
      expect(page.html()).toContain("You have no jobs yet.");
      const res = await post(A, "manager2", { action: "finalize", _selected_action: ["5"] });
      const id = jobIdOf(res)!;
      await page.c.until(() => page.html().includes(`data-job="${id}"`), "the new job listed");
      expect(page.html()).toMatch(/<span class="badge( badge-info)?">(queued|running)<\/span>/);
      env.stepper.release(1);
      await page.c.until(() => page.html().includes('<span class="badge badge-ok">done</span>'), "its status done, live");
      expect(page.html()).toContain(`href="/admin/jobs/${id}/"`);
      expect(page.html()).not.toContain("Started by");
      const mgr = await (await (await login("manager")).fetch(`${A.base}/admin/jobs/`)).text();
      expect(mgr).not.toContain(id);
      // a superuser's My jobs is their own; All jobs has everyone's
      expect(await (await (await login("admin")).fetch(`${A.base}/admin/jobs/`)).text()).not.toContain(id);
      const sup = await (await (await login("admin")).fetch(`${A.base}/admin/jobs/all/`)).text();
      expect(sup).toContain(id);
      expect(sup).toContain("Started by");
      expect(sup).toContain("manager2");
    });
  });
}

