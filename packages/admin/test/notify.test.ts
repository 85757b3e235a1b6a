/**
 * The job bell over a real server and the real WebSocket protocol: it lists only the user's own
 * jobs (a superuser's too: nothing of another user's leaks, on the HTTP render or live), counts
 * the running ones, and shows a toast when one of them ends while the page is open. On SQLite
 * and on PostgreSQL (the job records and their history in the engine's tables).
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite, adminPlugin } from "../src/index.js";
import { JobBell } from "../src/notify/index.js";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { weft } from "@weft/server";
import { Client, getPage, SECRET } from "../../server/test/helpers.js";
import { login } from "./support.js";
import { ENGINES, SHOP_STATUSES, openShopTables, type Shop } from "./support/engines.js";

describe.each(ENGINES)("%s", (engine) => {
  let shop: Shop;
  let site: AdminSite;
  const layer = new MemoryChannelLayer();
  let app: FastifyInstance;
  let base = "";
  const cookies: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const sockets: Client[] = [];

  beforeAll(async () => {
    shop = await openShopTables(engine, SHOP_STATUSES, "admin_notify");
    site = await AdminSite.create({ db: shop.db, title: "Notify" });
    // the PostgreSQL variant talks to PostgreSQL
    expect(site.dialect.name).toBe(engine);
    site.register(shop.notes, { app: "desk", listDisplay: ["body"] });
    // alice is a superuser: even she sees only her own jobs in the bell
    for (const [name, su] of [["alice", true], ["bob", false]] as const) {
      const u = await site.users.createUser({ username: name, password: `${name}-pass`, isStaff: true, isSuperuser: su });
      ids[name] = String(u.id);
    }
    app = Fastify({ logger: false });
    await app.register(weft, { secret: SECRET, sessions: site.sessions, pubsub: layer });
    await app.register(adminPlugin, { site });
    await app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    for (const name of ["alice", "bob"]) cookies[name] = (await login(base, name)).header;
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await shop?.close();
  });

  /** Renders an admin page as `user` and joins its bell; returns the socket and the bell's HTTP render. */
  async function bell(user: string) {
    const p = await getPage(base, "/admin/", cookies[user]);
    expect(p.res.status).toBe(200);
    const root = p.roots.find((r) => r.id === "lv-layout-bell");
    expect(root, "the shell renders the bell view").toBeDefined();
    const c = await Client.open(base, cookies[user]);
    sockets.push(c);
    c.join(1, root!.token, base + "/admin/");
    await c.until(() => c.html.has(1), "bell rendered");
    return { c, http: p.html, html: () => c.html.get(1) ?? "" };
  }

  const job = (owner: string, action: string) => site.jobs.create({ owner: ids[owner]!, ownerName: owner, action, description: action, total: 3 });

  describe("the job bell", () => {
    it("lists and counts only the user's own jobs, live; a toast when one ends, with a link to its page; none for another user's", async () => {
      const a = await bell("alice");
      const b = await bell("bob");
      expect(a.html()).toContain("No jobs yet.");
      expect(a.html()).not.toContain("bell-count");

      const mine = await job("alice", "Refund alice orders");
      await site.jobs.update(mine.id, { status: "running", startedAt: Date.now() });
      const theirs = await job("bob", "Refund bob orders");

      await a.c.until(() => a.html().includes("Refund alice orders") && a.html().includes('class="bell-count badge badge-info">1<'), "alice's bell: her job, 1 running");
      await b.c.until(() => b.html().includes("Refund bob orders"), "bob's bell: his job");
      expect(a.html()).toContain(`href="/admin/jobs/${mine.id}/"`);

      await site.jobs.update(mine.id, { status: "done", finishedAt: Date.now() });
      await a.c.until(() => a.html().includes(`class="bell-toast"`), "alice's toast");
      expect(a.html()).toMatch(new RegExp(`Refund alice orders: done — <a href="/admin/jobs/${mine.id}/">view</a>`));
      expect(a.html()).not.toContain("bell-count");

      await site.jobs.update(theirs.id, { status: "cancelled", finishedAt: Date.now() });
      await b.c.until(() => b.html().includes(`class="bell-toast"`) && b.html().includes("Refund bob orders: cancelled"), "bob's toast");

      // nothing of one user's jobs reached the other's bell, live or on a fresh page render
      expect(a.html()).not.toContain("bob");
      expect(a.html()).not.toContain(theirs.id);
      expect(b.html()).not.toContain("alice");
      expect(b.html()).not.toContain(mine.id);
      const fresh = await bell("bob");
      expect(fresh.http).toContain("Refund bob orders");
      expect(fresh.http).not.toContain(mine.id);
      expect(fresh.html(), "no toast for a job that ended before the page opened").not.toContain(`class="bell-toast"`);
    });

    it("removes a toast after toastMs", async () => {
      const saved = JobBell.toastMs;
      JobBell.toastMs = 50;
      try {
        const a = await bell("alice");
        const j = await job("alice", "Short job");
        await a.c.until(() => a.html().includes("Short job"), "listed");
        await site.jobs.update(j.id, { status: "failed", finishedAt: Date.now() });
        await a.c.until(() => a.html().includes("Short job: failed"), "toast shown");
        await a.c.until(() => !a.html().includes(`class="bell-toast"`), "toast gone");
      } finally {
        JobBell.toastMs = saved;
      }
    });
  });
});
