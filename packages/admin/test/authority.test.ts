/**
 * Session authority in the admin (issue 10): what the HTTP side revokes, open sockets lose —
 * logout, a session row deleted, deactivation, loss of staff status, removal from a group, a
 * group's permission revoked. One real server per engine (weft + admin, SQLite and PostgreSQL), real WebSockets. The
 * two-process case (logout on worker A closes the socket on worker B) is in
 * examples/admin-demo/test/authority-workers.test.ts.
 */
import { eq } from "drizzle-orm";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { weft } from "@weft/server";
import { adminPlugin, AdminSite } from "../src/index.js";
import { adminTablesFor } from "../src/auth/tables.js";
import { qb, type QueryBuilder } from "../src/query/dialect/index.js";
import { Client, SECRET } from "../../server/test/helpers.js";
import { login, openView, type Jar } from "./support.js";
import { ENGINES, SHOP_STATUSES, openShopTables, type Shop } from "./support/engines.js";

describe.each(ENGINES)("%s", (engine) => {
  let shop: Shop;
  let site: AdminSite;
  let db: QueryBuilder;
  /** the admin's weft_sessions table on this engine */
  const sessionsTable = () => adminTablesFor(shop.db).weftSessions;
  const noteBody = async (id: number) => (await shop.rows<{ body: string }>(`select body from notes where id = ${id}`))[0];

  let app: FastifyInstance;
  let base = "";
  const sockets: Client[] = [];
  let n = 0;

  beforeAll(async () => {
    shop = await openShopTables(engine, SHOP_STATUSES, "admin_authority");
    await shop.exec("insert into notes (id, body) values (1, 'original')");
    db = qb(shop.db);
    site = await AdminSite.create({ db: shop.db, title: "Authority" });
    // the PostgreSQL variant talks to PostgreSQL
    expect(site.dialect.name).toBe(engine);
    site.register(shop.notes, { app: "shop", listDisplay: ["body"] });
    app = Fastify({ logger: false });
    // cacheMs 0: every join and event reloads the session (the default too);
    // no backstop during the test, so what closes a socket here is a notice or that reload
    await app.register(weft, { secret: SECRET, sessions: site.sessions, authority: { cacheMs: 0, recheckMs: 3_600_000 } });
    await app.register(adminPlugin, { site });
    app.get("/test/session", async (req) => ({ id: (await site.sessions.load(req))?.id }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await shop?.close();
  });

  /** A staff user in a "editors" group that may view and change notes, logged in. */
  async function editor() {
    const username = `editor${++n}`;
    const user = await site.users.createUser({ username, password: `${username}-pass`, isStaff: true });
    const group = await site.users.createGroup(`editors${n}`);
    await site.users.grant(group, "shop.view_note");
    await site.users.grant(group, "shop.change_note");
    await site.users.addToGroup(user, group);
    const jar = await login(base, username);
    return { user, group, jar };
  }

  /** The change list (ref 1) and the dashboard (ref 2) on one socket, the change form (ref 1) on another. */
  async function pages(jar: Jar) {
    const list = await openView(jar, `${base}/admin/shop/note/`, "admin-changelist", { ref: 1, sockets });
    const dashPage = await (await jar.fetch(`${base}/admin/`)).text();
    const dashToken = /id="[^"]+" lv-view="admin-dashboard" lv-token="([^"]+)"/.exec(dashPage)![1];
    list.c.join(2, dashToken, `${base}/admin/`);
    await list.c.until(() => list.c.html.has(2), "dashboard render");
    const form = await openView(jar, `${base}/admin/shop/note/1/change/`, "admin-changeform", { ref: 1, sockets });
    return { list: list.c, form: form.c };
  }

  const csrfOf = async (jar: Jar) => /name="_csrf" value="([^"]+)"/.exec(await (await jar.fetch(`${base}/admin/`)).text())![1];
  const unauthorized = (c: Client, ref: number) => c.frames.find((f) => f[0] === "!" && f[1] === ref && f[2] === "unauthorized");

  describe("session authority in the admin", () => {
    it("logout closes every socket of the session with 4403 and the login URL; another user's socket keeps going", async () => {
      const a = await editor();
      const b = await editor();
      const pa = await pages(a.jar);
      const pb = await pages(b.jar);
      const t0 = performance.now();
      expect((await a.jar.post("/admin/logout/", { _csrf: await csrfOf(a.jar) })).status).toBe(302);
      await pa.list.until(() => pa.list.closed && pa.form.closed, "both sockets closed", 5_000);
      const ms = performance.now() - t0;
      console.log(`admin logout → both sockets closed: ${ms.toFixed(1)} ms (one process, memory layer, logout request included)`);
      expect(pa.list.closed).toEqual({ code: 4403, reason: "/admin/login/" });
      expect(pa.form.closed).toEqual({ code: 4403, reason: "/admin/login/" });
      expect(ms).toBeLessThan(1_000);
      const seq = pb.form.event(1, "validate", { body: "b still edits" });
      await pb.form.reply(seq);
      expect(pb.form.closed).toBeUndefined();
    });

    it("saved after logout: a socket whose session row is gone (no notice reached it) cannot save", async () => {
      const a = await editor();
      const { form } = await pages(a.jar);
      const weftSessions = sessionsTable();
      const sid = (await db.select().from(weftSessions).where(eq(weftSessions.userId, a.user.id))).map((r) => r.id);
      expect(sid).toHaveLength(1);
      // the row goes straight in the database: no publish, as a logout whose notice was lost
      await db.delete(weftSessions).where(eq(weftSessions.id, sid[0]!));
      form.event(1, "save", { body: "written after logout", _save: "1" });
      await form.until(() => form.closed, "close");
      expect(form.closed!.code).toBe(4403);
      expect(await noteBody(1)).toEqual({ body: "original" });
      expect(form.frames.some((f) => f[0] === "ar" || f[0] === "ad" || f[0] === "a" || f[0] === "R")).toBe(false);
    });

    it("a pre-logout token is refused: its old cookie gets no socket, a new session's socket refuses the token", async () => {
      const a = await editor();
      const page = await (await a.jar.fetch(`${base}/admin/shop/note/`)).text();
      const token = /lv-view="admin-changelist" lv-token="([^"]+)"/.exec(page)![1];
      const oldCookie = a.jar.header;
      await a.jar.post("/admin/logout/", { _csrf: await csrfOf(a.jar) });
      const old = await Client.open(base, oldCookie);
      sockets.push(old);
      await old.until(() => old.closed, "close");
      expect(old.closed!.code).toBe(4401);
      const anon = await fetch(`${base}/admin/login/`);
      const fresh = await Client.open(base, anon.headers.getSetCookie()[0].split(";")[0]);
      sockets.push(fresh);
      fresh.join(1, token, `${base}/admin/shop/note/`);
      await fresh.until(() => fresh.frames.find((f) => f[0] === "!"), "refusal");
      expect(fresh.frames.find((f) => f[0] === "!")![2]).toBe("invalid_token");
      expect(fresh.html.has(1)).toBe(false);
    });

    it("removal from the group: the model's views are stopped (unauthorized), the dashboard keeps going; saving is refused", async () => {
      const a = await editor();
      const { list, form } = await pages(a.jar);
      await site.users.removeFromGroup(a.user, a.group);
      await list.until(() => unauthorized(list, 1), "change list refused");
      await form.until(() => unauthorized(form, 1), "change form refused");
      expect(unauthorized(list, 2)).toBeUndefined();
      const seq = list.event(2, "lv:clear-flash");
      expect((await list.reply(seq))[0]).not.toBe("!");
      form.event(1, "save", { body: "after demotion", _save: "1" });
      await form.until(() => form.frames.filter((f) => f[0] === "!").length >= 2, "save refused");
      expect(await noteBody(1)).toEqual({ body: "original" });
      expect(list.closed).toBeUndefined();
    });

    it("a group's permission revoked: its members' views re-check", async () => {
      const a = await editor();
      const { list } = await pages(a.jar);
      await site.users.revoke(a.group, "shop.change_note");
      // view permission left: the change list stays
      const seq = list.event(1, "lv:clear-flash");
      expect((await list.reply(seq))[0]).not.toBe("!");
      await site.users.revoke(a.group, "shop.view_note");
      await list.until(() => unauthorized(list, 1), "change list refused");
    });

    it("is_staff = 0: every admin view is stopped; deactivation ends the session (4403)", async () => {
      const a = await editor();
      const { list, form } = await pages(a.jar);
      await site.users.update(a.user.id, { isStaff: false });
      await list.until(() => unauthorized(list, 1) && unauthorized(list, 2), "both views refused");
      await form.until(() => unauthorized(form, 1), "change form refused");
      const b = await editor();
      const pb = await pages(b.jar);
      await site.users.update(b.user.id, { isActive: false });
      await pb.list.until(() => pb.list.closed && pb.form.closed, "closed");
      expect(pb.list.closed!.code).toBe(4403);
    });

    it("session expiry: the socket learns the row's expiry on a reload and closes when it passes (4403), without traffic", async () => {
      const a = await editor();
      const { list } = await pages(a.jar);
      const expiresAt = Date.now() + 400;
      const weftSessions = sessionsTable();
      await db.update(weftSessions).set({ expiresAt: new Date(expiresAt) }).where(eq(weftSessions.userId, a.user.id));
      await app.weft.sessionsChanged({ userId: a.user.id });
      await list.until(() => list.closed, "closed at expiry", 30_000);
      expect(list.closed!.code).toBe(4403);
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
      expect(await db.select().from(weftSessions).where(eq(weftSessions.userId, a.user.id))).toEqual([]);
    });

    it("endSessionsOf (a password change elsewhere) closes the other sessions' sockets and keeps the current one", async () => {
      const a = await editor();
      const other = await login(base, a.user.username);
      const keep = await pages(a.jar);
      const end = await pages(other);
      const keepId = ((await (await a.jar.fetch(`${base}/test/session`)).json()) as { id: string }).id;
      await site.users.setPassword(a.user.id, "new-pass-123");
      expect(await site.sessions.endSessionsOf(a.user.id, keepId)).toBe(1);
      await end.list.until(() => end.list.closed && end.form.closed, "other session's sockets closed");
      expect(end.list.closed!.code).toBe(4403);
      const seq = keep.list.event(1, "lv:clear-flash");
      expect((await keep.list.reply(seq))[0]).not.toBe("!");
      expect(keep.list.closed).toBeUndefined();
    });
  });
});
