/**
 * Attacks on the admin's requests rather than its data, on a real server (support/attack-blog.ts:
 * SQLite and PostgreSQL, users logged in through the real login form): path traversal on static
 * assets and view tokens; header injection and open redirects via `next=`; the security headers
 * and cookie flags; view tokens bound to their session (refused after logout or from another
 * session); and, engine-free, the weft plugin's own headers and cookie. Nothing may cause a 500,
 * serve a file outside the assets, or redirect off-site.
 */
import Fastify from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { weft } from "@weft/server";
import { TokenSigner } from "../../server/src/live/token.js";
import { Client, SECRET, getPage, viewRoots } from "../../server/test/helpers.js";
import { Jar, joinView, login as loginFresh, loginPage } from "./support.js";
import { PAYLOADS, decode, tally } from "./support/attack-corpus.js";
import { LIST, useBlogSite } from "./support/attack-blog.js";
import { ENGINES } from "./support/engines.js";

describe.each(ENGINES)("%s", (engine) => {
  const b = useBlogSite(engine);
  const { sockets, login, live } = b;
  let base: string;
  beforeAll(() => void ({ base } = b));

  describe("path traversal", () => {
    it("static asset URLs: only the exact hashed names are served", async () => {
      const jar = await login("admin");
      const page = await (await jar.fetch("/admin/")).text();
      const script = /<script defer src="([^"]+)"/.exec(page)![1];
      const css = /<link rel="stylesheet" href="([^"]+)"/.exec(page)![1];
      expect((await fetch(base + script)).status).toBe(200);
      expect((await fetch(base + css)).status).toBe(200);
      const probes = [
        "/live/..%2f..%2fpackage.json",
        "/live/..%2F..%2Fpackage.json",
        "/live/%2e%2e/%2e%2e/package.json",
        "/live/..%5c..%5cpackage.json",
        "/live/....//....//package.json",
        "/live/weft.js",
        "/live/weft.js%00.js",
        `${script}%00`,
        `${script}/../../package.json`,
        `${script}?/../../package.json`.replace("?", "%3f"),
        "/live/%252e%252e%252fpackage.json",
        "/live/..%c0%af..%c0%afpackage.json",
        "/admin/..%2f..%2fpackage.json",
        "/admin/static/admin.css",
        "/admin/static/../../package.json",
        "/live/../package.json",
        "/%2e%2e/%2e%2e/etc/passwd",
        "//etc/passwd",
      ];
      for (const path of probes) {
        tally.tried++;
        const res = await fetch(base + path, { redirect: "manual" });
        const body = await res.text();
        expect(res.status, path).toBeLessThan(500);
        expect(body, path).not.toMatch(/"name":\s*"@weft|root:x:0:0|"dependencies"/);
        if (res.status === 200) expect(res.headers.get("content-type"), path).not.toContain("json");
      }
    });

    it("views cannot be named by the browser: a validly signed token naming ../ or a template is refused", async () => {
      const jar = await login("admin");
      const { roots } = await getPage(base, LIST, jar.header);
      const claims = JSON.parse(Buffer.from(roots[0].token.split(".")[0], "base64url").toString()) as Record<string, unknown>;
      const signer = new TokenSigner(SECRET);
      const names = ["../templates/shell", "../../package.json", "admin-changelist/../admin-changeform", "shell.eta", "/etc/passwd", "__proto__", "constructor", "toString"];
      const c = await Client.open(base, jar.header);
      sockets.push(c);
      names.forEach((v, k) => c.join(k + 1, signer.sign({ ...claims, v } as never), base + LIST));
      await c.until(() => c.frames.length >= names.length, "every refusal");
      names.forEach((v, k) => {
        tally.tried++;
        expect(c.find((f) => f[1] === k + 1)?.slice(0, 3), v).toEqual(["!", k + 1, "invalid_token"]);
      });
      expect(c.html.size).toBe(0);
    });
  });

  describe("redirects stay on-site, headers stay clean", () => {
    const OPEN = ["//evil.com", "/\\evil.com", "https://evil.com", "http:evil.com", "%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1", "/\r\nSet-Cookie: x=1", "/%2f%2fevil.com", "/%5cevil.com", "\\\\evil.com", "javascript:alert(1)", "/admin/\u2028", "///evil.com", " //evil.com"];

    const checkLocation = (res: Response, what: string) => {
      tally.tried++;
      const loc = res.headers.get("location") ?? "";
      expect(res.status, what).toBeLessThan(500);
      expect(loc.startsWith("/") && !loc.startsWith("//") && !loc.startsWith("/\\"), `${what} → ${loc}`).toBe(true);
      expect(new URL(loc, base).origin, what).toBe(base);
      expect(res.headers.getSetCookie().some((c) => /^x=/.test(c)), what).toBe(false);
      expect([...res.headers.keys()].includes("x"), what).toBe(false);
    };

    it("login: GET (already logged in) and POST with hostile next", async () => {
      const jar = await login("admin");
      for (const n of OPEN) {
        // raw in the query string too, not only encoded
        const res = await jar.fetch(`/admin/login/?next=${encodeURIComponent(n)}`);
        expect(res.status, n).toBe(302);
        checkLocation(res, `GET next=${JSON.stringify(n)}`);
        if (!/[\r\n\s\\]/.test(n)) checkLocation(await jar.fetch(`/admin/login/?next=${n}`), `GET raw next=${n}`);
      }
      for (const [k, n] of OPEN.entries()) {
        const user = `other${k % 2}`;
        const fresh = new Jar(base);
        const { csrf, html } = await loginPage(fresh, n);
        // the form's hidden next is an on-site path (the fallback, or the payload percent-encoded)
        const hidden = decode(/name="next" value="([^"]*)"/.exec(html)![1]);
        expect(hidden.startsWith("/") && !hidden.startsWith("//") && !/[\\\s]/.test(hidden), `${n} → ${hidden}`).toBe(true);
        const res = await fresh.post("/admin/login/", { _csrf: csrf, username: user, password: `${user}-pass`, next: n });
        expect(res.status, n).toBe(302);
        checkLocation(res, `POST next=${JSON.stringify(n)}`);
        // off-site or malformed targets fall back to the admin index
        if (/evil|javascript|\r|\n|\\|^\s/.test(n) && !n.startsWith("/%")) expect(res.headers.get("location"), n).toBe("/admin/");
      }
    });

    it("anonymous redirects to the login page carry the path encoded, never raw", async () => {
      for (const p of [...PAYLOADS, ...OPEN]) {
        const path = `/admin/blog/article/?q=${encodeURIComponent(p)}`;
        const res = await fetch(base + path, { redirect: "manual" });
        expect(res.status).toBe(302);
        checkLocation(res, `anonymous ${JSON.stringify(p)}`);
        const next = new URL(res.headers.get("location")!, base).searchParams.get("next")!;
        expect(next.startsWith("/admin/blog/article/?q="), next).toBe(true);
        expect(/[\r\n]/.test(next)).toBe(false);
      }
    });

    it("after actions: saving redirects to admin paths only", async () => {
      const add = await live("/admin/blog/article/add/");
      await add.event("save", { title: "//evil.com", body: "https://evil.com", category: "news", authorId: "1", _save: "1" });
      const to = add.c.find((f) => f[0] === "x")?.[2] as string;
      tally.tried++;
      expect(to).toMatch(/^\/admin\/blog\/article\/\?saved=\d+$/);
    });
  });

  describe("security headers and cookies", () => {
    it("admin pages carry the CSP and friends; cookies are HttpOnly, SameSite=Lax", async () => {
      const fresh = new Jar(base);
      const { res } = await loginPage(fresh);
      const csp = res.headers.get("content-security-policy")!;
      for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'self'"]) {
        expect(csp, d).toContain(d);
      }
      expect(csp).not.toContain("unsafe");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith("weft_admin="))!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).not.toMatch(/Secure/i); // plain http here; Secure behind TLS is tested in auth-http
      // the login page has no inline style or script any more
      const html = await (await fresh.fetch("/admin/login/")).text();
      expect(html).not.toMatch(/<style|<script(?! defer src)|style="/);
      expect(viewRoots(html)).toEqual([]);
      const jar = await login("admin");
      const page = await (await jar.fetch(LIST)).text();
      expect(page).not.toMatch(/<style|<script(?! defer src)| style="/);
    });
  });

  describe("view tokens are bound to their session", () => {
    /** A fresh login of `username` (its own session) and the change list's token and logout CSRF token. */
    async function session(username: string) {
      const jar = await loginFresh(base, username);
      const { html, roots } = await jar.html(LIST);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1];
      return { jar, token: roots[0].token, csrf };
    }
    const refusal = async (cookie: string, token: string): Promise<unknown> => {
      const c = await Client.open(base, cookie);
      sockets.push(c);
      c.join(1, token, base + LIST);
      await c.until(() => c.closed || c.frames.length, "the refusal");
      expect(c.html.size).toBe(0);
      return c.closed ? c.closed.code : c.frames[0].slice(0, 3);
    };

    it("is refused after logout: the old cookie gets 4401, a new session's cookie gets invalid_token", async () => {
      const s = await session("admin");
      const cookie = s.jar.header;
      // works before logout
      const ok = await joinView({ base, cookie, token: s.token, url: base + LIST, sockets });
      expect(ok.html.get(1)).toContain("data-pk");
      const out = await s.jar.post("/admin/logout/", { _csrf: s.csrf });
      expect(out.status).toBe(302);
      expect(await refusal(cookie, s.token)).toBe(4401);
      // the same browser, now with a new anonymous session
      await loginPage(s.jar);
      expect(await refusal(s.jar.header, s.token)).toEqual(["!", 1, "invalid_token"]);
      // and logged in again: a new session, the old page's token is still refused
      const again = await loginFresh(base, "admin");
      expect(await refusal(again.header, s.token)).toEqual(["!", 1, "invalid_token"]);
    });

    it("is refused from another session: another user's, or the same user's other login", async () => {
      const a = await session("admin");
      const b = await session("other0");
      const a2 = await session("admin");
      expect(await refusal(b.jar.header, a.token)).toEqual(["!", 1, "invalid_token"]);
      expect(await refusal(a2.jar.header, a.token)).toEqual(["!", 1, "invalid_token"]);
      expect(await refusal(a.jar.header, b.token)).toEqual(["!", 1, "invalid_token"]);
      // each in its own session still joins
      await joinView({ base, cookie: a.jar.header, token: a.token, url: base + LIST, sockets });
      tally.tried += 4;
    });
  });
});

// engine-free: the plugin on a bare fastify, no site or database
describe("the weft plugin's own headers and cookie", () => {
  it("the anonymous session cookie: HttpOnly, SameSite=Lax, Secure behind a TLS proxy (trustProxy); helmet: false turns headers off", async () => {
    const { Counter } = await import("../../server/test/fixtures/views.js");
    const a = Fastify({ logger: false, trustProxy: true });
    await a.register(weft, { secret: SECRET });
    a.live("/counter", Counter);
    const plain = await a.inject({ url: "/counter" });
    expect(plain.statusCode).toBe(200);
    const c1 = String(plain.headers["set-cookie"]);
    expect(c1).toMatch(/HttpOnly/i);
    expect(c1).toMatch(/SameSite=Lax/i);
    expect(c1).not.toMatch(/Secure/i);
    expect(String(plain.headers["content-security-policy"])).toContain("script-src 'self'");
    const tls = await a.inject({ url: "/counter", headers: { "x-forwarded-proto": "https" } });
    expect(String(tls.headers["set-cookie"])).toMatch(/; Secure/i);
    // a spoofed header without trustProxy does not count
    const b = Fastify({ logger: false });
    await b.register(weft, { secret: SECRET, helmet: false });
    b.live("/counter", Counter);
    const spoofed = await b.inject({ url: "/counter", headers: { "x-forwarded-proto": "https" } });
    expect(String(spoofed.headers["set-cookie"])).not.toMatch(/Secure/i);
    expect(spoofed.headers["content-security-policy"]).toBeUndefined();
    await a.close();
    await b.close();
  });
});
