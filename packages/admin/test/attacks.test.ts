/**
 * An attack corpus through the admin's inputs, on a real server (fastify + weft + adminPlugin,
 * on SQLite and on PostgreSQL: a temp file / a database of its own per engine, users logged in
 * through the real login form, views driven over the real WebSocket protocol): XSS payloads and SQL metacharacters stored through the change form and
 * shown in list cells, the change form, the history and dashboard widgets; the same payloads as
 * search terms, filter values and parameter names; path traversal on static assets and view
 * tokens; header injection and open redirects via `next=`. Every payload must come back
 * escaped (never executable), match literally, never cause a 500, and never redirect off-site.
 */
import { eq } from "drizzle-orm";
import { integer as pgInteger, pgTable, text as pgText } from "drizzle-orm/pg-core";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { qb, type QueryBuilder } from "../src/query/dialect/index.js";
import { weft } from "@weft/server";
import { splitSearchTerms } from "../src/query/index.js";
import { TokenSigner } from "../../server/src/live/token.js";
import { Client, SECRET, getPage, viewRoots } from "../../server/test/helpers.js";
import { Jar, joinView, login as loginFresh, loginOnce, loginPage, startAdmin } from "./support.js";
import { ENGINES, openEngine, type Engine, type EngineDb } from "./support/engines.js";

// ---------------------------------------------------------------------------------------------
// the corpus

const XSS = [
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "'><svg/onload=alert(1)>",
  "javascript:alert(1)",
  "</textarea><svg onload=alert(1)>",
  "</title><script>alert(1)</script>",
  "<a href=\"javascript:alert(1)\">x</a>",
  "<%= 1 %>",
  "<%~ it %>",
  "{{7*7}}",
  "${7*7}",
  "&lt;script&gt;alert(1)&lt;/script&gt;",
  "x\u2028<script>\u2029x",
];
const SQL = ["' OR 1=1 --", "%", "_", "\\", '"; DROP TABLE articles; --', "a%b_c\\d", "'; SELECT * FROM weft_users; --", "Robert'); DROP TABLE articles;--"];
const PAYLOADS = [...XSS, ...SQL];

/** Raw markup that would execute (or navigate) if a payload came back unescaped. */
const DANGER = /<script>alert|<img src=x onerror|<svg[/ ]onload|href="javascript:|<\/textarea><svg|<\/title><script/i;
/** What the HTML/frames may never contain verbatim: every payload holding markup or a quote. */
const raw = (p: string) => /[<>"]/.test(p);
const decode = (s: string) =>
  s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'").replace(/&#x2F;/gi, "/").replace(/&amp;/g, "&");

/** How many payload × input combinations were tried (printed at the end). */
let tried = 0;

/** Asserts `html` shows `payload` as text: never raw markup, but present once decoded. */
function escaped(html: string, payload: string, where: string): void {
  tried++;
  expect(DANGER.test(html), `${where}: executable markup for ${JSON.stringify(payload)}`).toBe(false);
  if (raw(payload)) expect(html.includes(payload), `${where}: raw ${JSON.stringify(payload)}`).toBe(false);
  expect(decode(html).includes(payload), `${where}: ${JSON.stringify(payload)} shown literally`).toBe(true);
}

// ---------------------------------------------------------------------------------------------
// schema + data

const CATEGORIES = ["news", "howto"] as const;
/** the blog's tables on `engine` (the PostgreSQL twins typed as the SQLite ones: same keys and rows) */
function blogTables(engine: Engine) {
  const authorsLite = sqliteTable("authors", { id: integer("id").primaryKey(), name: text("name").notNull() });
  const lite = {
    authors: authorsLite,
    articles: sqliteTable("articles", {
      id: integer("id").primaryKey(),
      title: text("title").notNull(),
      body: text("body"),
      category: text("category", { enum: CATEGORIES }).notNull(),
      authorId: integer("author_id").notNull().references(() => authorsLite.id),
    }),
  };
  if (engine === "sqlite") return lite;
  const authorsPg = pgTable("authors", { id: pgInteger("id").primaryKey().generatedByDefaultAsIdentity(), name: pgText("name").notNull() });
  return {
    authors: authorsPg,
    articles: pgTable("articles", {
      id: pgInteger("id").primaryKey().generatedByDefaultAsIdentity(),
      title: pgText("title").notNull(),
      body: pgText("body"),
      category: pgText("category", { enum: CATEGORIES }).notNull(),
      authorId: pgInteger("author_id").notNull().references(() => authorsPg.id),
    }),
  } as unknown as typeof lite;
}
const SEED = `
  insert into authors (id, name) values (1, 'Ann'), (2, 'Bob');
  insert into articles (title, body, category, author_id) values ('Hello', 'first', 'news', 1), ('50% off', 'a_b', 'howto', 2);`;
const BLOG_DDL = {
  sqlite: `
  create table authors (id integer primary key, name text not null);
  create table articles (id integer primary key, title text not null, body text,
    category text not null check (category in ('news', 'howto')), author_id integer not null references authors(id));${SEED}`,
  postgres: `
  create table authors (id integer generated by default as identity primary key, name text not null);
  create table articles (id integer generated by default as identity primary key, title text not null, body text,
    category text not null check (category in ('news', 'howto')), author_id integer not null references authors(id));${SEED}
  select setval(pg_get_serial_sequence('authors', 'id'), 2);`,
};

describe.each(ENGINES)("%s", (engine) => {
  let e: EngineDb;
  let authors: ReturnType<typeof blogTables>["authors"];
  let articles: ReturnType<typeof blogTables>["articles"];
  let db: QueryBuilder;
  let site: AdminSite;
  /** the article titled `title` (the stored row) */
  const articleTitled = async (title: string) => (await db.select().from(articles).where(eq(articles.title, title)))[0];

  const LIST = "/admin/blog/article/";
  let app: FastifyInstance;
  let base = "";
  const sockets: Client[] = [];
  const login = loginOnce(() => base);

  beforeAll(async () => {
    e = await openEngine(engine, BLOG_DDL, "admin_attacks");
    ({ authors, articles } = blogTables(engine));
    db = qb(e.db);
    site = new AdminSite({ db: e.db, title: "Attack blog" });
    // the PostgreSQL variant talks to PostgreSQL
    expect(site.dialect.name).toBe(engine);
    site.register(authors, { app: "blog", listDisplay: ["name"], searchFields: ["name"] });
    site.register(articles, {
      app: "blog",
      relations: { author: { column: articles.authorId, table: authors, display: authors.name } },
      listDisplay: ["title", "author", "category", "body"],
      searchFields: ["title", "author.name"],
      listFilter: ["category", "author"],
      listPerPage: 100,
    });
    // one dashboard widget per payload: its data is the stored article's title and body
    for (const [i, p] of PAYLOADS.entries()) {
      site.dashboard.register({
        key: `w${i}`,
        title: `Widget ${i}`,
        getData: async () => {
          const row = await articleTitled(`T${i} ${p}`);
          return { headline: row?.title ?? "none", detail: row?.body ?? "none" };
        },
      });
    }
    await site.ready();
    await site.users.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });
    // two users for the login POSTs (the limit is 10 a minute per IP and username)
    for (const u of ["other0", "other1"]) await site.users.createUser({ username: u, password: `${u}-pass`, isStaff: true, isSuperuser: true });
    ({ app, base } = await startAdmin(site));
  });
  afterAll(async () => {
    console.log(`attack corpus (${engine}, running total): ${PAYLOADS.length} payloads, ${tried} payload × input checks`);
    for (const s of sockets) s.close();
    await app?.close();
    await e?.close();
  });

  /** GETs `path` as admin, expecting 200, and joins its root view: the page's HTML and the socket render. */
  async function live(path: string): Promise<{ page: string; c: Client; html(): string; event(name: string, payload: object): Promise<unknown[]> }> {
    const jar = await login("admin");
    const { res, html, roots } = await getPage(base, path, jar.header);
    expect(res.status, path).toBe(200);
    const c = await joinView({ base, cookie: jar.header, token: roots[0].token, url: base + path, sockets });
    return { page: html, c, html: () => c.html.get(1)!, event: (name, payload) => c.reply(c.event(1, name, payload)) as Promise<unknown[]> };
  }

  const allFrames = (c: Client) => JSON.stringify(c.frames);
  const pksIn = (html: string) => [...html.matchAll(/<tr data-pk="(\d+)"/g)].map((m) => Number(m[1])).sort((a, b) => a - b);

  // ---------------------------------------------------------------------------------------------

  describe("stored payloads come back escaped", () => {
    const ids: number[] = [];

    it("through the add form (live save), then in the change list (HTTP and socket), the change form and the history", async () => {
      for (const [i, p] of PAYLOADS.entries()) {
        const add = await live("/admin/blog/article/add/");
        const reply = await add.event("save", { title: `T${i} ${p}`, body: p, category: "news", authorId: "1", _save: "1" });
        expect(reply[0], JSON.stringify(p)).not.toBe("!");
        const row = await articleTitled(`T${i} ${p}`);
        expect(row?.body, JSON.stringify(p)).toBe(p); // stored exactly as typed
        ids.push(row!.id);
        expect(DANGER.test(allFrames(add.c))).toBe(false);
        add.c.close();
      }
      // the change list, over HTTP and as the socket renders it
      const list = await live(LIST);
      for (const [i, p] of PAYLOADS.entries()) {
        escaped(list.page, `T${i} ${p}`, "list cell (HTTP)");
        escaped(list.html(), `T${i} ${p}`, "list cell (socket)");
      }
      // each change form (inputs and textarea), then a second save whose before → after lands in the history
      for (const [i, p] of PAYLOADS.entries()) {
        const path = `/admin/blog/article/${ids[i]}/change/`;
        const form = await live(path);
        escaped(form.page, `T${i} ${p}`, "change form title input");
        escaped(form.page, p, "change form body");
        escaped(form.html(), p, "change form (socket)");
        const reply = await form.event("save", { title: `T${i} ${p}`, body: `${p} v2`, category: "howto", authorId: "2", _continue: "1" });
        expect(reply[0], JSON.stringify(p)).not.toBe("!");
        expect((await db.select().from(articles).where(eq(articles.id, ids[i])))[0]!.body).toBe(`${p} v2`);
        expect(DANGER.test(allFrames(form.c))).toBe(false);
        form.c.close();
        const history = await live(`/admin/blog/article/${ids[i]}/history/`);
        escaped(history.page, `${p} v2`, "history (HTTP)");
        escaped(history.html(), `${p} v2`, "history (socket)");
        history.c.close();
      }
    });

    it("in dashboard widgets (HTTP page and live tiles)", async () => {
      const jar = await login("admin");
      const { res, html, roots } = await getPage(base, "/admin/", jar.header);
      expect(res.status).toBe(200);
      for (const [i, p] of PAYLOADS.entries()) escaped(html, `T${i} ${p}`, "dashboard widget");
      const tiles = roots.filter((r) => r.view === "admin-dashboard-tile");
      expect(tiles.length).toBe(PAYLOADS.length);
      const c = await Client.open(base, jar.header);
      sockets.push(c);
      tiles.forEach((t, k) => c.join(k + 1, t.token, base + "/admin/"));
      await c.until(() => tiles.every((_, k) => c.html.has(k + 1)), "every tile");
      const live = [...c.html.values()].join("\n");
      for (const [i, p] of PAYLOADS.entries()) escaped(live, `T${i} ${p}`, "dashboard tile (socket)");
      expect(DANGER.test(allFrames(c))).toBe(false);
    });

    it("in the JSON widget API: as data, never markup", async () => {
      const admin = (await site.users.getUserByUsername("admin"))!;
      const token = await site.tokens.createToken(admin.id, "attacks");
      const res = await fetch(base + "/admin/api/dashboard/widgets/", { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/json");
      const body = await res.text();
      for (const [i, p] of PAYLOADS.entries()) {
        tried++;
        expect(body.includes(JSON.stringify(`T${i} ${p}`).slice(1, -1)), JSON.stringify(p)).toBe(true);
      }
    });
  });

  describe("payloads as search terms, filter values and parameter names", () => {
    /** The rows the search must find: every word (split as Django does) contained, literally and case-insensitively, in the title or the author's name. */
    async function literalMatches(q: string): Promise<number[]> {
      const rows = await e.rows<{ id: number; title: string; name: string }>("select a.id, a.title, u.name from articles a join authors u on u.id = a.author_id");
      const words = splitSearchTerms(q).map((w) => w.toLowerCase());
      return rows.filter((r) => words.every((w) => r.title.toLowerCase().includes(w) || r.name.toLowerCase().includes(w))).map((r) => r.id).sort((a, b) => a - b);
    }

    it("searches match literally (no wildcard, no SQL), over HTTP and as live search events", async () => {
      const jar = await login("admin");
      const l = await live(LIST);
      for (const p of PAYLOADS) {
        const res = await jar.fetch(`${LIST}?q=${encodeURIComponent(p)}`);
        expect(res.status, JSON.stringify(p)).toBe(200);
        const html = await res.text();
        tried++;
        expect(pksIn(html), `search ${JSON.stringify(p)}`).toEqual(await literalMatches(p));
        expect(DANGER.test(html), JSON.stringify(p)).toBe(false);
        // the search box shows the query as typed
        escaped(html.slice(html.indexOf('name="q"') - 200, html.indexOf('name="q"') + 400 + p.length * 6), p, "search box");
        // live: the search event patches the URL and renders the same rows
        const n = l.c.frames.length;
        await l.event("search", { q: p, _target: "q" });
        await l.c.until(() => l.c.frames.slice(n).some((f) => f[0] === "t"), "the patch");
        tried++;
        expect(pksIn(l.html()), `live search ${JSON.stringify(p)}`).toEqual(await literalMatches(p));
        expect(DANGER.test(JSON.stringify(l.c.frames.slice(n)))).toBe(false);
      }
      // the wildcards in particular: "%" and "_" only find rows that contain them
      expect((await literalMatches("%")).length).toBeLessThan((await literalMatches("")).length);
      expect((await db.select().from(articles)).length).toBeGreaterThan(PAYLOADS.length); // nothing was dropped
    });

    it("filter values and parameter names are refused (200 with a flash) or literal, never a 500 or raw markup", async () => {
      const jar = await login("admin");
      for (const p of PAYLOADS) {
        for (const qs of [`category__exact=${encodeURIComponent(p)}`, `authorId__exact=${encodeURIComponent(p)}`, `sort=${encodeURIComponent(p)}`, `p=${encodeURIComponent(p)}`, `${encodeURIComponent(p)}=1`]) {
          const res = await jar.fetch(`${LIST}?${qs}`);
          tried++;
          expect(res.status, qs).toBe(200);
          const html = await res.text();
          expect(DANGER.test(html), qs).toBe(false);
          if (raw(p)) expect(html.includes(p), qs).toBe(false);
          // refused: the whole list with an error flash
          expect(html, qs).toMatch(/class="flash flash-error"/);
        }
      }
    });

    it("payloads in admin URLs (app, model, id) answer 404 or redirect to login, never 500", async () => {
      const jar = await login("admin");
      for (const p of PAYLOADS) {
        const e = encodeURIComponent(p);
        for (const path of [`/admin/${e}/`, `/admin/blog/${e}/`, `/admin/blog/article/${e}/change/`, `/admin/blog/article/${e}/history/`, `/admin/jobs/${e}/`]) {
          tried++;
          const res = await jar.fetch(path);
          expect([400, 403, 404], `${path}: ${res.status}`).toContain(res.status);
          const body = await res.text();
          expect(DANGER.test(body), path).toBe(false);
        }
      }
    });
  });

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
        tried++;
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
        tried++;
        expect(c.find((f) => f[1] === k + 1)?.slice(0, 3), v).toEqual(["!", k + 1, "invalid_token"]);
      });
      expect(c.html.size).toBe(0);
    });
  });

  describe("redirects stay on-site, headers stay clean", () => {
    const OPEN = ["//evil.com", "/\\evil.com", "https://evil.com", "http:evil.com", "%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1", "/\r\nSet-Cookie: x=1", "/%2f%2fevil.com", "/%5cevil.com", "\\\\evil.com", "javascript:alert(1)", "/admin/\u2028", "///evil.com", " //evil.com"];

    const checkLocation = (res: Response, what: string) => {
      tried++;
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
      tried++;
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
      tried += 4;
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
