// The change list's reads side by side, on both engines: without a search the `dateHierarchy`
// bar's and the full count's statements are in flight beside the page's (PostgreSQL: other
// connections of the pool; SQLite: other readers of the read pool), with the same rows, counts and
// periods as one after the other; a searched bar still waits for the page (it reuses its count);
// a statement of the bar that outlives the budget is the list's "took too long" message, and any
// other failure still an error page.
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { QUERY_TOO_SLOW, QueryTimeoutError } from "../src/query/index.js";
import { qb } from "../src/query/dialect/index.js";
import { loginOnce, startAdmin } from "./support.js";
import { ENGINES, openShop, orderOf, type Shop } from "./support/engines.js";

const pksIn = (html: string) => [...html.matchAll(/<tr data-pk="(\d+)"/g)].map((m) => Number(m[1]));
const bar = (html: string) => /<nav class="cl-dates"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? "";
const periods = (html: string) => [...bar(html).matchAll(/<a lv-patch href="[^"]+">([^<]+?)\s*(?:<span class="cl-date-n">([\d,]+)<\/span>)?<\/a>/g)].map((m) => [m[1]!.trim(), m[2]]);

/** One statement as the site sent it: its SQL, and whether it has been answered. */
interface Sent {
  readonly sql: string;
  done: boolean;
  /** the statements still in flight when this one was sent */
  readonly alongside: number;
}

describe.each(ENGINES)("change-list reads side by side on %s", (engine) => {
  let shop: Shop;
  let site: AdminSite;
  let app: FastifyInstance | undefined;
  let base = "";
  /** the statements of the request being watched, in the order they were sent */
  let sent: Sent[] = [];
  /** the most statements in flight at once */
  let peak = 0;
  /** a statement whose SQL matches this fails with `fail.error` instead of running */
  let fail: { match: RegExp; error: () => Error } | undefined;
  let restore = () => {};

  beforeAll(async () => {
    shop = await openShop(engine);
    await shop.exec("delete from orders");
    const at = ["2025-03-15T10:00:00Z", "2025-03-16T10:00:00Z", "2025-04-02T08:00:00Z", "2024-07-01T08:00:00Z", "2024-08-01T08:00:00Z"];
    await qb(shop.db).insert(shop.orders).values(at.map((a, i) => ({ ...orderOf(i + 1), status: i === 1 ? ("shipped" as const) : ("paid" as const), createdAt: new Date(a) })));
    site = new AdminSite({ db: shop.db });
    site.register(shop.orders, { app: "shop", name: "order", listDisplay: ["number", "status", "createdAt"], listFilter: ["status"], searchFields: ["number"], dateHierarchy: "createdAt", ordering: ["-id"] });
    await site.users.createUser({ username: "root", password: "root-pass", isStaff: true, isSuperuser: true });
    ({ app, base } = await startAdmin(site));
    // every statement of the site's reads goes through here: PostgreSQL's pool, SQLite's read pool
    const target = (engine === "postgres" ? (shop.db as unknown as { $client: object }).$client : site.readPool) as { query: (...args: unknown[]) => Promise<unknown> } | undefined;
    if (!target) throw new Error("no pool to watch");
    const query = target.query;
    target.query = function (this: unknown, ...args: unknown[]) {
      const a = args[0] as string | { text: string };
      const s: Sent = { sql: typeof a === "string" ? a : a.text, done: false, alongside: sent.filter((x) => !x.done).length };
      sent.push(s);
      const failing = fail && fail.match.test(s.sql) ? fail.error() : undefined;
      const out = failing ? Promise.reject(failing) : (query.apply(this, args) as Promise<unknown>);
      peak = Math.max(peak, sent.filter((x) => !x.done).length);
      const settle = () => void (s.done = true);
      out.then(settle, settle);
      return out;
    };
    restore = () => void (target.query = query);
  }, 60_000);

  afterEach(() => {
    fail = undefined;
  });

  afterAll(async () => {
    restore();
    await app?.close();
    await shop?.close();
  });

  const login = loginOnce(() => base);

  /** The page at `qs` with the statements it sent (the session read aside) and the most in flight at once. */
  async function watch(qs: string): Promise<{ status: number; html: string; peak: number; sql: string[] }> {
    const jar = await login("root");
    await jar.fetch(`${base}/admin/shop/order/?${qs}`); // warm: the full count is cached after this
    sent = [];
    peak = 0;
    const res = await jar.fetch(`${base}/admin/shop/order/?${qs}`);
    const html = await res.text();
    return { status: res.status, html, peak, sql: sent.map((s) => s.sql) };
  }

  it("sends the bar's statements while the page's are in flight, with the same rows, counts and periods", async () => {
    const plain = await watch("");
    expect(plain.peak).toBeGreaterThanOrEqual(2);
    expect(pksIn(plain.html)).toEqual([5, 4, 3, 2, 1]);
    expect(periods(plain.html)).toEqual([["2024", "2"], ["2025", "3"]]);
    const filtered = await watch("status__exact=paid");
    expect(filtered.peak).toBeGreaterThanOrEqual(2);
    expect(pksIn(filtered.html)).toEqual([5, 4, 3, 1]);
    expect(periods(filtered.html)).toEqual([["2024", "2"], ["2025", "2"]]);
    expect(filtered.html).toMatch(/4 results[\s\S]*5 total/);
    const year = await watch("status__exact=paid&createdAt__year=2025");
    expect(pksIn(year.html)).toEqual([3, 1]);
    expect(periods(year.html)).toEqual([["‹ All dates", undefined], ["March", "1"], ["April", "1"]]);
  });

  it("a searched page's bar waits for the page's count, then runs beside the page's rows", async () => {
    const searched = await watch("q=ORD");
    expect(searched.status).toBe(200);
    expect(pksIn(searched.html)).toEqual([5, 4, 3, 2, 1]);
    // the count alone, then its rows statement and the bar's first statement side by side
    const count = sent.findIndex((x) => /count\(/i.test(x.sql) && /like/i.test(x.sql));
    expect(count, sent.map((x) => x.sql).join("\n")).toBeGreaterThanOrEqual(0);
    expect(sent[count]!.alongside).toBe(0);
    expect(sent[count + 1]!.alongside).toBe(0);
    expect(sent[count + 2]!.alongside).toBe(1);
    expect(searched.peak).toBe(2);
    expect(periods(searched.html).map(([label]) => label)).toEqual(["2024", "2025"]);
  });

  it("a bar statement past the budget is the list's message, not an error page; another failure is still one", async () => {
    fail = { match: /min\(/i, error: () => new QueryTimeoutError(100, "select min(…)") };
    const slow = await watch("status__exact=paid");
    expect(slow.status).toBe(200);
    expect(slow.html).toContain(QUERY_TOO_SLOW);
    expect(pksIn(slow.html)).toEqual([]);
    fail = { match: /min\(/i, error: () => new Error("disk I/O error") };
    const broken = await watch("status__exact=paid");
    expect(broken.status).toBe(500);
    // a generic page: the cause is logged, never shown
    expect(broken.html).toContain("Server error (500)");
    expect(broken.html).not.toContain("disk I/O");
  });
});
