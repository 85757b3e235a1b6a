/**
 * The attack corpus (support/attack-corpus.ts: XSS payloads and SQL metacharacters) through the
 * admin's inputs, on a real server (support/attack-blog.ts: SQLite and PostgreSQL, users logged
 * in through the real login form, views driven over the real WebSocket protocol): stored through
 * the change form and shown in list cells, the change form, the history, dashboard widgets and
 * the JSON widget API; then as search terms, filter values, parameter names and URL parts. Every
 * payload must come back escaped (never executable), match literally and never cause a 500.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { splitSearchTerms } from "../src/query/index.js";
import { Client, getPage } from "../../server/test/helpers.js";
import { DANGER, PAYLOADS, escaped, raw, tally } from "./support/attack-corpus.js";
import { LIST, useBlogSite, type BlogSite } from "./support/attack-blog.js";
import { ENGINES } from "./support/engines.js";

describe.each(ENGINES)("%s", (engine) => {
  const b = useBlogSite(engine);
  const { sockets, login, live, articleTitled } = b;
  let e: BlogSite["e"], site: BlogSite["site"], db: BlogSite["db"], articles: BlogSite["articles"], base: string;
  beforeAll(() => void ({ e, site, db, articles, base } = b));

  const allFrames = (c: Client) => JSON.stringify(c.frames);
  const pksIn = (html: string) => [...html.matchAll(/<tr data-pk="(\d+)"/g)].map((m) => Number(m[1])).sort((a, b) => a - b);

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
        tally.tried++;
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
        tally.tried++;
        expect(pksIn(html), `search ${JSON.stringify(p)}`).toEqual(await literalMatches(p));
        expect(DANGER.test(html), JSON.stringify(p)).toBe(false);
        // the search box shows the query as typed
        escaped(html.slice(html.indexOf('name="q"') - 200, html.indexOf('name="q"') + 400 + p.length * 6), p, "search box");
        // live: the search event patches the URL and renders the same rows
        const n = l.c.frames.length;
        await l.event("search", { q: p, _target: "q" });
        await l.c.until(() => l.c.frames.slice(n).some((f) => f[0] === "t"), "the patch");
        tally.tried++;
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
          tally.tried++;
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
          tally.tried++;
          const res = await jar.fetch(path);
          expect([400, 403, 404], `${path}: ${res.status}`).toContain(res.status);
          const body = await res.text();
          expect(DANGER.test(body), path).toBe(false);
        }
      }
    });
  });
});
