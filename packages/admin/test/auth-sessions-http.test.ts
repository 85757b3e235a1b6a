import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { weft } from "@weft/server";
import { AdminSessions, UserStore, type AdminSession } from "../src/auth/index.js";
import type { AdminTables } from "../src/auth/tables.js";
import type { QueryBuilder } from "../src/query/dialect/index.js";
import { ENGINES } from "./support/engines.js";
import { AuthJar, startAuthHttp, whoami, type AuthHttp } from "./support/auth-http.js";
import { Client, SECRET } from "../../server/test/helpers.js";
import { joinView, loginPage, submitLogin as login } from "./support.js";

// The admin's server-side sessions over HTTP (cookie, expiry, login rotation, logout, the weft
// plugin's session provider), on SQLite and on PostgreSQL (one database per engine,
// support/engines.ts). The login form's own tests are in auth-login-http.test.ts.
describe.each(ENGINES)("%s", (engine) => {
  let server: AuthHttp;
  /** statements run through drizzle, to check what a session load costs */
  let statements = 0;
  let db: QueryBuilder;
  let users: UserStore;
  /** shifts the sessions' clock */
  let skew = 0;
  let sessions: AdminSessions;
  let weftSessions: AdminTables["weftSessions"];
  let weftUsers: AdminTables["weftUsers"];
  let base = "";
  const sockets: Client[] = [];

  beforeAll(async () => {
    server = await startAuthHttp(engine, "admin_auth_http", () => void statements++, () => Date.now() + skew);
    ({ db, users, sessions, weftSessions, weftUsers, base } = server);
  }, 60_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  /** A browser's cookie jar on this file's server. */
  class Jar extends AuthJar {
    constructor() {
      super(base);
    }
  }

  const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

  describe("admin sessions", () => {
    it("ensure creates an anonymous session in a signed HttpOnly SameSite=Lax cookie alone: no row", async () => {
      const rowsBefore = (await db.select().from(weftSessions)).length;
      const res = await fetch(base + "/ensure");
      const line = res.headers.getSetCookie().find((c) => c.startsWith("weft_admin="))!;
      expect(line).toMatch(/HttpOnly/i);
      expect(line).toMatch(/SameSite=Lax/i);
      expect(line).toMatch(/Path=\//);
      expect(line).toMatch(/Max-Age=86400(;|$)/); // anonymous: a day
      expect(line).not.toMatch(/Secure/i);
      const jar = new Jar();
      jar.take(res);
      const { session } = (await res.json()) as { session: AdminSession };
      expect(session.user).toBeNull();
      expect(jar.rawSession).toMatch(/^a[A-Za-z0-9_-]{43}$/);
      expect(jar.cookies.get("weft_admin")).toContain("."); // signed
      expect(session.id).toBe("anon:" + sha256(jar.rawSession));
      expect((await db.select().from(weftSessions)).length).toBe(rowsBefore);
      // load finds it; a second ensure reuses it
      expect(await whoami(jar)).toEqual({ id: session.id, user: null });
      const again = (await (await jar.fetch("/ensure")).json()) as { session: AdminSession };
      expect(again.session.id).toBe(session.id);
    });

    it("sets Secure when the request came over https", async () => {
      const a = Fastify({ logger: false, trustProxy: true });
      await a.register(weft, { secret: SECRET, sessions });
      a.get("/ensure", async (req, reply) => ({ session: await sessions.ensure(req, reply) }));
      const res = await a.inject({ url: "/ensure", headers: { "x-forwarded-proto": "https" } });
      expect(String(res.headers["set-cookie"])).toMatch(/weft_admin=.*; Secure/i);
      await a.close();
    });

    it("refuses a missing, tampered or forged cookie", async () => {
      const jar = new Jar();
      expect(await whoami(jar)).toBeNull();
      await jar.fetch("/ensure");
      const good = jar.cookies.get("weft_admin")!;
      const raw = jar.rawSession;
      const flipped = (raw[0] === "A" ? "B" : "A") + raw.slice(1);
      for (const bad of [good.replace(raw, flipped), good.slice(0, -2) + (good.endsWith("AA") ? "BB" : "AA"), raw, encodeURIComponent(`${raw}.`)]) {
        jar.cookies.set("weft_admin", bad);
        expect(await whoami(jar)).toBeNull();
      }
      // ensure replaces a bad cookie with a new session
      const fresh = (await (await jar.fetch("/ensure")).json()) as { session: AdminSession };
      expect(fresh.session.id).not.toBe(sha256(raw));
    });

    it("1,000 cookieless page views write no session row (an anonymous visitor costs no database write)", async () => {
      const rowsBefore = (await db.select().from(weftSessions)).length;
      statements = 0;
      for (let i = 0; i < 20; i++) {
        const batch = await Promise.all(Array.from({ length: 50 }, () => fetch(base + "/counter")));
        for (const res of batch) {
          expect(res.status).toBe(200);
          expect(res.headers.getSetCookie().some((c) => c.startsWith("weft_admin=a"))).toBe(true);
          await res.arrayBuffer();
        }
      }
      expect(statements).toBe(0);
      expect((await db.select().from(weftSessions)).length).toBe(rowsBefore);
    });

    it("slides the expiry on use and refuses (and deletes) expired sessions", async () => {
      const jar = new Jar();
      await login(jar, "staff", "staff-pass");
      const session = (await whoami(jar))!;
      const before = (await db.select().from(weftSessions).where(eq(weftSessions.id, session.id)))[0]!;
      try {
        skew = 7 * 24 * 3600_000; // a week later: used, so the expiry moves and the cookie is re-sent
        const res = await jar.fetch("/ensure");
        expect(res.headers.getSetCookie().some((c) => c.startsWith("weft_admin="))).toBe(true);
        const after = (await db.select().from(weftSessions).where(eq(weftSessions.id, session.id)))[0]!;
        expect(after.expiresAt.getTime()).toBeGreaterThan(before.expiresAt.getTime() + 6 * 24 * 3600_000);
        skew += 30_000; // within the touch interval: a single SELECT, no write
        await jar.fetch("/ensure");
        expect((await db.select().from(weftSessions).where(eq(weftSessions.id, session.id)))[0]).toEqual(after);
        skew += 15 * 24 * 3600_000; // unused for over two weeks
        expect(await whoami(jar)).toBeNull();
        expect((await db.select().from(weftSessions).where(eq(weftSessions.id, session.id)))[0]).toBeUndefined();
      } finally {
        skew = 0;
      }
    });

    it("purges every expired row", async () => {
      const jar = new Jar();
      await login(jar, "staff", "staff-pass");
      const session = (await whoami(jar))!;
      try {
        skew = 15 * 24 * 3600_000;
        expect(await sessions.purgeExpired()).toBeGreaterThan(0);
        expect((await db.select().from(weftSessions).where(eq(weftSessions.id, session.id)))[0]).toBeUndefined();
      } finally {
        skew = 0;
      }
    });

    it("loads the user with permissions from user and groups in one session", async () => {
      const jar = new Jar();
      expect((await login(jar, "mod", "mod-pass")).status).toBe(302);
      const s = await whoami(jar);
      expect(s?.user).toEqual({ id: expect.any(Number), username: "mod", isStaff: true, isSuperuser: false, permissions: ["orders.change_order", "orders.view_order"] });
      // a load is one statement (session, user and permissions joined), two when it slides the expiry
      statements = 0;
      await whoami(jar);
      expect(statements).toBe(1);
      try {
        skew = 120_000;
        statements = 0;
        await whoami(jar);
        expect(statements).toBe(2);
      } finally {
        skew = 0;
      }
      // deactivating the user turns the session anonymous at once
      await users.update(s!.user!.id, { isActive: false });
      expect((await whoami(jar))?.user).toBeNull();
      await users.update(s!.user!.id, { isActive: true });
      expect((await whoami(jar))?.user?.username).toBe("mod");
      expect(await sessions.endSessionsOf(s!.user!.id)).toBe(1);
      expect(await whoami(jar)).toBeNull();
    });

    it("login rotates the session id, sets lastLoginAt and kills the old id", async () => {
      const jar = new Jar();
      const { csrf } = await loginPage(jar);
      const oldCookie = jar.cookies.get("weft_admin")!;
      const oldId = "anon:" + sha256(jar.rawSession);
      expect((await whoami(jar))?.id).toBe(oldId);
      const res = await jar.post("/admin/login/", { _csrf: csrf, username: "staff", password: "staff-pass" });
      expect(res.status).toBe(302);
      expect(res.headers.getSetCookie().find((c) => c.startsWith("weft_admin="))).toMatch(/Max-Age=1209600(;|$)/); // logged in: two weeks
      expect(jar.cookies.get("weft_admin")).not.toBe(oldCookie);
      const s = await whoami(jar);
      expect(s?.id).not.toBe(oldId);
      expect(s?.user?.username).toBe("staff");
      // a planted pre-login cookie stays what it was: anonymous, another session than the login's
      const fixated = new Jar();
      fixated.cookies.set("weft_admin", oldCookie);
      expect(await whoami(fixated)).toEqual({ id: oldId, user: null });
      expect((await db.select().from(weftUsers).where(eq(weftUsers.username, "staff")))[0]?.lastLoginAt).toBeInstanceOf(Date);
    });

    it("logout (CSRF-checked) deletes the session and clears the cookie", async () => {
      const jar = new Jar();
      await login(jar, "staff", "staff-pass");
      const s = (await whoami(jar))!;
      expect(s.user).not.toBeNull();
      const cookie = jar.cookies.get("weft_admin")!;
      expect((await jar.post("/admin/logout/", {})).status).toBe(403);
      expect((await jar.post("/admin/logout/", { _csrf: "nope" })).status).toBe(403);
      expect((await whoami(jar))?.user?.username).toBe("staff");
      const { csrf } = (await (await jar.fetch("/admin/logout-form")).json()) as { csrf: string };
      const res = await jar.post("/admin/logout/", { _csrf: csrf });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/admin/login/?logged_out=1");
      expect(res.headers.getSetCookie().some((c) => /^weft_admin=;/.test(c))).toBe(true);
      expect(jar.cookies.has("weft_admin")).toBe(false);
      expect((await db.select().from(weftSessions).where(eq(weftSessions.id, s.id)))[0]).toBeUndefined();
      // the login page says so (and has a favicon, not a 404)
      const after = await (await jar.fetch("/admin/login/?logged_out=1")).text();
      expect(after).toContain('<p class="notice" role="status">You have been logged out.</p>');
      expect(after).toMatch(/<link rel="icon" href="data:image\/svg\+xml,/);
      expect(await (await jar.fetch("/admin/login/")).text()).not.toContain("logged out");
      const replay = new Jar();
      replay.cookies.set("weft_admin", cookie);
      expect(await whoami(replay)).toBeNull();
    });

    it("serves as the weft plugin's session provider: pages and sockets use the admin session", async () => {
      const jar = new Jar();
      await login(jar, "staff", "staff-pass");
      const page = await jar.fetch("/counter");
      const html = await page.text();
      const token = /lv-token="([^"]+)"/.exec(html)![1];
      const c = await joinView({ base, cookie: jar.header, token, url: base + "/counter", sockets });
      expect(c.html.get(1)).toContain("Count:");
      // a tampered session cookie gets no socket
      const bad = await Client.open(base, "weft_admin=forged.sig");
      sockets.push(bad);
      await bad.until(() => bad.closed, "close");
      expect(bad.closed?.code).toBe(4401);
    });
  });
});
