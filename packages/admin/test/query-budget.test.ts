/**
 * The change list under a query budget, over a real server and the real protocol: a search
 * that outlives the site's budget (a related search field over a view that counts to 10^8) is
 * stopped in a reader process; the user reads "This search took too long; narrow it down." in
 * place, the rows and state shown before stay, and another client's click is answered while
 * the search runs.
 * SQLite only by nature: the budget of the read pool's reader processes (PostgreSQL's
 * statement_timeout: pg-budget.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { FastifyInstance } from "fastify";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { AdminSite } from "../src/index.js";
import { QUERY_TOO_SLOW } from "../src/query/index.js";
import type { Client } from "../../server/test/helpers.js";
import { login, openView, startAdmin } from "./support.js";

const owners = sqliteTable("owners", { id: integer("id").primaryKey(), name: text("name").notNull() });
const tickets = sqliteTable("tickets", { id: integer("id").primaryKey(), title: text("title").notNull(), ownerId: integer("owner_id").notNull() });
const LIST = "/admin/desk/ticket/";
const BUDGET_MS = 2500;

let dir: string;
let sqlite: Database.Database;
let site: AdminSite;
let app: FastifyInstance;
let base: string;
const sockets: Client[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "weft-query-budget-"));
  sqlite = new Database(join(dir, "db.sqlite"));
  sqlite.pragma("journal_mode = WAL");
  // "owners" is a view that takes minutes to scan: any search through it outlives the budget
  sqlite.exec(`CREATE VIEW owners AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100000000) SELECT x AS id, 'owner ' || x AS name FROM c;
    CREATE TABLE tickets (id INTEGER PRIMARY KEY, title TEXT NOT NULL, owner_id INTEGER NOT NULL);`);
  const insert = sqlite.prepare("INSERT INTO tickets (title, owner_id) VALUES (?, ?)");
  for (let i = 1; i <= 30; i++) insert.run(`ticket ${i}`, i);
  site = new AdminSite({ db: drizzle(sqlite), queryTimeoutMs: BUDGET_MS });
  site.register(tickets, {
    app: "desk",
    relations: { owner: { column: tickets.ownerId, table: owners, display: owners.name } },
    listDisplay: ["title"],
    searchFields: ["title", "owner.name"],
    ordering: ["id"],
  });
  await site.users.createUser({ username: "admin", password: "admin-pass", email: "", isStaff: true, isSuperuser: true });
  ({ app, base } = await startAdmin(site));
});

afterAll(async () => {
  for (const c of sockets) c.close();
  await app?.close();
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

const titles = (html: string) => [...html.matchAll(/>(ticket \d+)</g)].map((m) => m[1]);

describe("query budget on the change list (SQLite read pool)", () => {
  it("reads through the pool: the site made one from its file", () => {
    expect(site.readPool).toBeDefined();
    expect(site.queryTimeoutMs).toBe(BUDGET_MS);
  });

  it("stops a search past the budget: the message in place, the rows and search shown before kept, another client's click answered meanwhile", async () => {
    const jar = await login(base, "admin");
    const a = await openView(jar, base + LIST, "admin-changelist", { ref: 1, sockets });
    const b = await openView(jar, base + LIST, "admin-changelist", { ref: 1, sockets });
    const before = a.c.html.get(1)!;
    expect(titles(before)).toHaveLength(30);

    const n = a.c.frames.length;
    a.c.send(["p", 1, `${base}${LIST}?q=nobody`]);
    const rendered = () => a.c.frames.slice(n).some((f) => f[1] === 1 && (f[0] === "d" || f[0] === "r"));
    // B clicks while A's search runs in a reader: answered first
    const seq = b.c.event(1, "selectPage");
    await b.c.reply(seq);
    expect(rendered()).toBe(false);

    await a.c.until(rendered, "the search's render", 60_000);
    const html = a.c.html.get(1)!;
    expect(html).toContain(QUERY_TOO_SLOW);
    expect(titles(html)).toEqual(titles(before));
    expect(html).not.toContain('value="nobody"'); // the state shown is the one before
    expect(site.readPool!.stats().killed).toBeGreaterThanOrEqual(1);

    // and the list goes on working
    const m = a.c.frames.length;
    a.c.send(["p", 1, `${base}${LIST}?sort=-title`]);
    await a.c.until(() => a.c.frames.slice(m).some((f) => f[1] === 1 && (f[0] === "d" || f[0] === "r")), "the sorted list's render", 30_000);
    const sorted = a.c.html.get(1)!;
    expect(sorted).not.toContain(QUERY_TOO_SLOW);
    expect(titles(sorted)[0]).toBe("ticket 9");
  });

  it("a first load past the budget is the page with the message and no rows, not an error page", async () => {
    const jar = await login(base, "admin");
    const res = await jar.fetch(`${base}${LIST}?q=nobody`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(QUERY_TOO_SLOW);
    expect(titles(html)).toEqual([]);
  });
});
