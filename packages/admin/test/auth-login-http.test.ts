import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { weft } from "@weft/server";
import { adminAuthRoutes, AdminSessions, LOGIN_FAILED_MESSAGE, safeNext, UserStore } from "../src/auth/index.js";
import { ENGINES } from "./support/engines.js";
import { AuthJar, startAuthHttp, whoami, type AuthHttp } from "./support/auth-http.js";
import { SECRET } from "../../server/test/helpers.js";
import { loginPage, submitLogin as login } from "./support.js";

// The admin's login form over HTTP (CSRF, generic failures, safe redirects, rate limits), on
// SQLite and on PostgreSQL (one database per engine, support/engines.ts). The sessions behind
// it are tested in auth-sessions-http.test.ts.
describe.each(ENGINES)("%s", (engine) => {
  let server: AuthHttp;
  let users: UserStore;
  let sessions: AdminSessions;
  let base = "";

  beforeAll(async () => {
    server = await startAuthHttp(engine, "admin_auth_login");
    ({ users, sessions, base } = server);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  /** A browser's cookie jar on this file's server. */
  class Jar extends AuthJar {
    constructor() {
      super(base);
    }
  }

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
