import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { weft } from "@weft/server";
import {
  adminAuthRoutes,
  adminCsrfToken,
  AdminSessions,
  LOGIN_FAILED_MESSAGE,
  safeNext,
  UserStore,
  type AdminSession,
} from "../src/auth/index.js";
import { adminTablesFor, type AdminTables } from "../src/auth/tables.js";
import { qb, type QueryBuilder } from "../src/query/dialect/index.js";
import { drizzleOn, ENGINES, openEngine, type EngineDb } from "./support/engines.js";
import { Counter } from "../../server/test/fixtures/views.js";
import { Client, SECRET } from "../../server/test/helpers.js";
import { Jar as CookieJar, joinView, loginPage, submitLogin as login } from "./support.js";

// The admin's sessions and login routes over HTTP, on SQLite and on PostgreSQL (one database
// per engine, support/engines.ts).
describe.each(ENGINES)("%s", (engine) => {
  let e: EngineDb;
  /** statements run through drizzle, to check what a session load costs */
  let statements = 0;
  let db: QueryBuilder;
  let users: UserStore;
  /** shifts the sessions' clock */
  let skew = 0;
  let sessions: AdminSessions;
  let weftSessions: AdminTables["weftSessions"];
  let weftUsers: AdminTables["weftUsers"];

  let app: FastifyInstance;
  let base = "";
  const sockets: Client[] = [];

  beforeAll(async () => {
    e = await openEngine(engine, { sqlite: "", postgres: "" }, "admin_auth_http");
    const logged = drizzleOn(e, { logger: { logQuery: () => void statements++ } });
    db = qb(logged);
    ({ weftSessions, weftUsers } = adminTablesFor(logged));
    users = new UserStore(logged);
    sessions = new AdminSessions({ db: logged, now: () => Date.now() + skew, touchIntervalMs: 60_000 });
    await users.createUser({ username: "staff", password: "staff-pass", isStaff: true });
    await users.createUser({ username: "staff2", password: "staff2-pass", isStaff: true });
    await users.createUser({ username: "staff3", password: "staff3-pass", isStaff: true });
    await users.createUser({ username: "staff4", password: "staff4-pass", isStaff: true });
    await users.createUser({ username: "customer", password: "customer-pass" });
    const gone = await users.createUser({ username: "former", password: "former-pass", isStaff: true });
    await users.update(gone.id, { isActive: false });
    const mod = await users.createUser({ username: "mod", password: "mod-pass", isStaff: true });
    const g = await users.createGroup("moderators");
    await users.addToGroup(mod, g);
    await users.grant(g, "orders.change_order");
    await users.grant(mod, "orders.view_order");

    app = Fastify({ logger: false });
    await app.register(weft, { secret: SECRET, sessions });
    await app.register(adminAuthRoutes, { prefix: "/admin", sessions, users, rateLimit: { max: 10 } });
    app.get("/whoami", async (req) => ({ session: await sessions.load(req) }));
    app.get("/ensure", async (req, reply) => ({ session: await sessions.ensure(req, reply) }));
    app.get("/admin/logout-form", async (req, reply) => ({ csrf: await adminCsrfToken(sessions, req, reply) }));
    app.live("/counter", Counter);
    await app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  }, 60_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await e?.close();
  });

  /** A browser's cookie jar on this file's server. */
  class Jar extends CookieJar {
    constructor() {
      super(base);
    }
    /** the raw (unsigned) session cookie value */
    get rawSession(): string {
      return decodeURIComponent(this.cookies.get("weft_admin") ?? "").replace(/\.[^.]*$/, "");
    }
  }

  async function whoami(jar: Jar): Promise<AdminSession | null> {
    return ((await (await jar.fetch("/whoami")).json()) as { session: AdminSession | null }).session;
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

  describe("login form", () => {
    it("renders a plain HTML form with a CSRF token, escaped, framed by nobody", async () => {
      const jar = new Jar();
      const { res, html, csrf } = await loginPage(jar, "/admin/orders/?q=a&b=<x>");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(html).toMatch(/<form method="post" action="\/admin\/login\/">/);
      expect(csrf.length).toBeGreaterThan(20);
      expect(html).toContain('name="next" value="/admin/orders/?q=a&amp;b=%3Cx%3E"');
      expect(html).not.toContain("lv-");
      expect(jar.cookies.has("weft_admin")).toBe(true);
    });

    it("refuses a POST with a missing or wrong CSRF token, or without a session (403)", async () => {
      const jar = new Jar();
      const { csrf } = await loginPage(jar);
      expect((await jar.post("/admin/login/", { username: "staff4", password: "staff4-pass" })).status).toBe(403);
      const wrong = await jar.post("/admin/login/", { _csrf: csrf.slice(0, -3) + "xyz", username: "staff4", password: "staff4-pass" });
      expect(wrong.status).toBe(403);
      expect(await wrong.text()).toContain("CSRF verification failed");
      // a token from another session does not work either
      const other = new Jar();
      expect((await other.post("/admin/login/", { _csrf: csrf, username: "staff4", password: "staff4-pass" })).status).toBe(403);
      await loginPage(other);
      expect((await other.post("/admin/login/", { _csrf: csrf, username: "staff4", password: "staff4-pass" })).status).toBe(403);
      expect((await whoami(jar))?.user).toBeNull();
    });

    it("answers a wrong password, an unknown user, an inactive and a non-staff user alike: 401, generic message", async () => {
      const bodies: string[] = [];
      for (const [u, p] of [["staff", "wrong"], ["nobody", "staff-pass"], ["customer", "customer-pass"], ["former", "former-pass"]]) {
        const jar = new Jar();
        const res = await login(jar, u, p);
        expect(res.status, u).toBe(401);
        const html = await res.text();
        expect(html).toContain(LOGIN_FAILED_MESSAGE);
        expect(html).not.toMatch(/not staff|inactive|unknown|no such/i);
        expect(html).toContain(`value="${u}"`);
        expect(html).not.toContain(p);
        bodies.push(html.replace(/value="[^"]*"/g, ""));
        expect((await whoami(jar))?.user).toBeNull();
      }
      expect(new Set(bodies).size).toBe(1);
    });

    it("escapes what it echoes", async () => {
      const res = await login(new Jar(), "<b>bold</b>", "x");
      expect(res.status).toBe(401);
      const html = await res.text();
      expect(html).toContain("&lt;b&gt;bold&lt;/b&gt;");
      expect(html).not.toContain("<b>bold");
    });

    it("redirects (302) to a safe next after success, and to the admin index by default", async () => {
      const a = await login(new Jar(), "staff3", "staff3-pass", "/admin/orders/?status=paid");
      expect(a.status).toBe(302);
      expect(a.headers.get("location")).toBe("/admin/orders/?status=paid");
      const b = await login(new Jar(), "staff3", "staff3-pass");
      expect(b.headers.get("location")).toBe("/admin/");
    });

    it("never redirects off-site: open-redirect payloads in next fall back to /admin/", async () => {
      const payloads = [
        "//evil.example",
        "///evil.example",
        "https://evil.example/",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        " /admin/",
        "/admin/\r\nSet-Cookie: pwned=1",
        "/admin/%0d%0a\u2028",
        "/.//evil.example",
        "/admin/..//evil.example",
        "evil.example",
        "",
      ];
      for (const p of payloads) expect(safeNext(p, "/admin/"), JSON.stringify(p)).toBe("/admin/");
      expect(safeNext("/admin/x/?a=1#h", "/admin/")).toBe("/admin/x/?a=1#h");
      expect(safeNext("/admin/caf\u00e9/", "/admin/")).toBe("/admin/caf%C3%A9/");
      // through the real routes: after a POST login …
      const res = await login(new Jar(), "staff2", "staff2-pass", "//evil.example/");
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/admin/");
      // … and from the login page of a logged-in staff user (no password work, no rate limit)
      const jar = new Jar();
      await login(jar, "staff2", "staff2-pass");
      for (const p of payloads) {
        const r = await jar.fetch(`/admin/login/?next=${encodeURIComponent(p)}`);
        expect(r.status, JSON.stringify(p)).toBe(302);
        expect(r.headers.get("location"), JSON.stringify(p)).toBe("/admin/");
        expect(r.headers.getSetCookie().some((c) => c.includes("pwned"))).toBe(false);
      }
    });

    it("rate-limits POSTs per IP and username: the 11th in a minute gets 429 with a clear message", async () => {
      const jar = new Jar();
      const { csrf } = await loginPage(jar);
      for (let i = 0; i < 10; i++) {
        const r = await jar.post("/admin/login/", { _csrf: csrf, username: "victim", password: `guess-${i}` });
        expect(r.status).toBe(401);
      }
      const r = await jar.post("/admin/login/", { _csrf: csrf, username: "victim", password: "guess-10" });
      expect(r.status).toBe(429);
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      const html = await r.text();
      expect(html).toMatch(/Too many login attempts\. Please wait \d+ seconds/);
      expect(html).toMatch(/name="_csrf" value="[^"]+"/);
      // even with the right password (the limit comes before any password check) …
      expect((await jar.post("/admin/login/", { _csrf: csrf, username: "Victim", password: "x" })).status).toBe(429);
      // … while another username from the same IP is still answered
      expect((await jar.post("/admin/login/", { _csrf: csrf, username: "someone-else", password: "x" })).status).toBe(401);
    });

    it("rate-limits POSTs per IP whatever the username", async () => {
      const a = Fastify({ logger: false });
      await a.register(weft, { secret: SECRET, sessions });
      await a.register(adminAuthRoutes, { prefix: "/ops", sessions, users, rateLimit: { max: 10, ipMax: 2 } });
      const codes: number[] = [];
      for (const u of ["a", "b", "c"]) codes.push((await a.inject({ method: "POST", url: "/ops/login/", payload: { username: u, password: "x" } })).statusCode);
      expect(codes).toEqual([403, 403, 429]);
      await a.close();
    });

    it("sends a logged-in staff user straight to next, and refuses registration without cookies", async () => {
      const jar = new Jar();
      expect((await login(jar, "staff3", "staff3-pass")).status).toBe(302);
      const r = await jar.fetch("/admin/login/?next=%2Fadmin%2Forders%2F");
      expect(r.status).toBe(302);
      expect(r.headers.get("location")).toBe("/admin/orders/");
      const bare = Fastify({ logger: false });
      await expect(bare.register(adminAuthRoutes, { sessions, users }).ready()).rejects.toThrow(/@fastify\/cookie/);
    });
  });
});
