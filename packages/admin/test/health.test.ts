/**
 * The admin's live-updates health banner over a real server on a private Redis: while Redis is
 * down every admin page shows "Live updates are paused: reconnecting to Redis…" (on the HTTP
 * render, and live in an open page, over the real WebSocket protocol), pages still render and
 * saves still commit (their publish fails and is logged), nothing is an unhandled rejection; when
 * Redis is back the open page's banner goes away by itself. On SQLite and on PostgreSQL (a
 * private Redis each); describeHealth is engine-free.
 */
import { eq } from "drizzle-orm";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite, adminPlugin } from "../src/index.js";
import { describeHealth } from "../src/health/index.js";
import { ChannelLayerUnavailableError, MemoryChannelLayer, RedisChannelLayer } from "@weft/server/pubsub";
import { weft } from "@weft/server";
import { decodeServerFrame, isReply } from "@weft/client/codec";
import { Client, getPage, SECRET } from "../../server/test/helpers.js";
import { externalRedis, startTestRedis, uniquePrefix, type TestRedis } from "../../server/test/support/redis.js";
import { qb } from "../src/query/dialect/index.js";
import { login } from "./support.js";
import { ENGINES, SHOP_STATUSES, openShopTables, type Shop } from "./support/engines.js";

const PAUSED = "Live updates are paused: reconnecting to Redis…";

describe("describeHealth", () => {
  it("reads nothing for a healthy layer, names Redis when it is Redis", () => {
    expect(describeHealth(new MemoryChannelLayer())).toEqual({ healthy: true, message: "", detail: "" });
    const down = { healthy: false } as unknown as MemoryChannelLayer;
    expect(describeHealth(down).message).toBe("Live updates are paused: reconnecting to the channel layer…");
  });
});

describe.each(ENGINES)("%s", (engine) => {
  let shop: Shop;
  let site: AdminSite;

  let redis: TestRedis;
  let layer: RedisChannelLayer;
  let app: FastifyInstance;
  let base = "";
  let cookie = "";
  const logged: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => void unhandled.push(err);
  const sockets: Client[] = [];

  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    shop = await openShopTables(engine, SHOP_STATUSES, "admin_health");
    await shop.exec("insert into notes (id, body) values (1, 'first'), (2, 'second')");
    site = await AdminSite.create({ db: shop.db, title: "Health" });
    // the PostgreSQL variant talks to PostgreSQL
    expect(site.dialect.name).toBe(engine);
    site.register(shop.notes, { app: "desk", listDisplay: ["body"] });
    redis = await startTestRedis();
    layer = new RedisChannelLayer(redis.url, { keyPrefix: uniquePrefix(), onError: (err) => logged.push(String(err)) });
    await site.users.createUser({ username: "staff", password: "staff-pass", isStaff: true, isSuperuser: true });
    app = Fastify({ logger: false });
    // what the admin logs (a failed publish after a save) is kept to look at
    app.log.error = ((obj: unknown, msg?: string) => void logged.push(`${msg ?? ""} ${obj instanceof Error ? obj.message : JSON.stringify(obj)}`)) as typeof app.log.error;
    await app.register(weft, { secret: SECRET, sessions: site.sessions, pubsub: layer });
    await app.register(adminPlugin, { site });
    await app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    // log in through the real form
    cookie = (await login(base, "staff")).header;
    await layer.whenSubscribed();
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await layer?.close();
    await redis?.stop();
    process.off("unhandledRejection", onUnhandled);
    await shop?.close();
  });

  /** GETs an admin page; returns its HTML and the health banner's root (last in the shell). */
  async function page(path: string) {
    const p = await getPage(base, path, cookie);
    expect(p.res.status, `${path}: ${p.html.slice(0, 200)}`).toBe(200);
    const banner = p.roots.find((r) => r.id === "lv-layout-health");
    expect(banner, "the shell renders the health banner view").toBeDefined();
    return { ...p, banner: banner! };
  }

  /** Opens a socket, joins the banner (and the page's own view); returns the client. */
  async function joined(path: string) {
    const p = await page(path);
    const c = await Client.open(base, cookie);
    sockets.push(c);
    c.join(1, p.roots[0].token, base + path);
    c.join(2, p.banner.token, base + path);
    await c.until(() => c.html.has(1) && c.html.has(2), "both views rendered");
    return { p, c };
  }

  describe("the health banner", () => {
    it("renders nothing while Redis is up; the page's own view stays the first view root", async () => {
      expect(layer.healthy).toBe(true);
      const { p, c } = await joined("/admin/desk/note/");
      expect(p.roots[0].view).toBe("admin-changelist");
      expect(p.html).not.toContain("health-banner");
      expect(c.html.get(2)).toBe("");
      c.close();
    });

    describe.skipIf(externalRedis)("when Redis goes away and comes back", () => {
      it("shows the degraded banner live and on every page, keeps pages and saves working, and clears by itself", async () => {
        const { c } = await joined("/admin/desk/note/");
        const form = await joined("/admin/desk/note/1/change/");

        await redis.kill();
        // the open pages learn it without a reload
        await c.until(() => c.html.get(2)?.includes(PAUSED), "banner on the open change list");
        await form.c.until(() => form.c.html.get(2)?.includes(PAUSED), "banner on the open change form");
        expect(c.html.get(2)).toContain('role="status"');
        expect(layer.healthy).toBe(false);

        // every admin page rendered meanwhile shows it, and still renders from the database
        for (const path of ["/admin/", "/admin/desk/note/", "/admin/desk/note/2/change/"]) {
          const p = await page(path);
          expect(p.html, path).toContain(PAUSED);
        }
        const list = await page("/admin/desk/note/");
        expect(list.html).toContain("second");

        // a save still commits; its publish fails and is logged, not thrown
        const saved = await form.c.reply(form.c.event(1, "save", { body: "edited while Redis was down", _continue: "" }));
        expect(isReply(decodeServerFrame(saved)), "the save is answered (a / ar / ad), not with an error").toBe(true);
        expect((await qb(shop.db).select().from(shop.notes).where(eq(shop.notes.id, 1)))[0]?.body).toBe("edited while Redis was down");
        await c.until(() => logged.some((l) => l.includes("publish failed") && l.includes("ChannelLayerUnavailableError")), "the failed publish in the log");
        await expect(layer.publish("notes", { type: "note.changed", id: 1 })).rejects.toBeInstanceOf(ChannelLayerUnavailableError);

        await redis.restart();
        await c.until(() => c.html.get(2) === "", "banner gone from the change list", 20_000);
        await form.c.until(() => form.c.html.get(2) === "", "banner gone from the change form", 20_000);
        expect(layer.healthy).toBe(true);
        expect((await page("/admin/")).html).not.toContain("health-banner");

        // and live updates flow again: a publish reaches this process's subscribers
        await layer.whenSubscribed();
        const got: unknown[] = [];
        const off = layer.subscribe("health-test", (m) => got.push(m));
        await layer.whenSubscribed();
        await layer.publish("health-test", { ok: true });
        await c.until(() => got.length === 1, "a publish after the restart");
        off();
        expect(unhandled).toEqual([]);
      });
    });
  });
});
