/**
 * The admin's guarded reads outside the change list, past the site's budget, on both engines over
 * a real server and the real protocol: an object's history and a user's timeline render (200)
 * with "This history took too long to load" in place of the table; the delete confirmation says
 * the related objects could not be counted in time and offers no "Yes, I'm sure" (and its
 * `confirm` deletes nothing); a change form's autocomplete lists nothing and says the search took
 * too long. Meanwhile another user's click is answered, and afterwards the pages work as before.
 * The slow statement is a table the page reads replaced by a view that takes minutes (SQLite: a
 * recursive CTE counting to 10^9; PostgreSQL: `pg_sleep(600)`), under a budget of 3 s given to
 * the site (generous enough that nothing else comes near it on a loaded machine).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { eq } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { integer as pgInteger, pgTable, text as pgText } from "drizzle-orm/pg-core";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { HISTORY_TOO_SLOW, RELATED_TOO_SLOW, SEARCH_TOO_SLOW, pgBudget, type AdminDatabase } from "../src/query/index.js";
import { qb } from "../src/query/dialect/index.js";
import { createTestDatabase } from "../src/testing/index.js";
import { getPage, type Client } from "../../server/test/helpers.js";
import { ENGINES, type Engine } from "./support/engines.js";
import { STALL, overtaken, slowGet as stallGet } from "./support/stall.js";
import { joinView, loginOnce, openView, startAdmin } from "./support.js";

const BUDGET_MS = 3000;

/** The tables on SQLite (notes declared with its foreign key: the database has a view there). */
function sqliteTables() {
  const items = sqliteTable("items", { id: integer("id").primaryKey(), name: text("name").notNull() });
  const notes = sqliteTable("notes", { id: integer("id").primaryKey(), itemId: integer("item_id").notNull().references(() => items.id, { onDelete: "cascade" }), body: text("body").notNull() });
  const pins = sqliteTable("pins", { id: integer("id").primaryKey(), noteId: integer("note_id").references(() => notes.id) });
  return { items, notes, pins };
}

/** The tables on `engine`, typed as the SQLite ones (the admin reads both through one typed view). */
function tablesOf(engine: Engine): ReturnType<typeof sqliteTables> {
  if (engine === "sqlite") return sqliteTables();
  const items = pgTable("items", { id: pgInteger("id").primaryKey(), name: pgText("name").notNull() });
  const notes = pgTable("notes", { id: pgInteger("id").primaryKey(), itemId: pgInteger("item_id").notNull().references(() => items.id, { onDelete: "cascade" }), body: pgText("body").notNull() });
  const pins = pgTable("pins", { id: pgInteger("id").primaryKey(), noteId: pgInteger("note_id").references(() => notes.id) });
  return { items, notes, pins } as unknown as ReturnType<typeof sqliteTables>;
}

/** The schema: items and pins are tables; notes is a view over `notes_real` that stalls. */
const SCHEMA = (engine: Engine) => `CREATE TABLE items (id integer primary key, name text not null);
  CREATE TABLE notes_real (id integer primary key, item_id integer not null, body text not null);
  CREATE VIEW notes AS SELECT id, item_id, body FROM notes_real WHERE ${STALL[engine]};
  CREATE TABLE pins (id integer primary key, note_id integer);
  INSERT INTO items (id, name) VALUES (1, 'tea'), (2, 'mug');
  INSERT INTO notes_real (id, item_id, body) VALUES (1, 1, 'hot'), (2, 2, 'cold');
  INSERT INTO pins (id, note_id) VALUES (1, NULL);`;

async function open(engine: Engine): Promise<{ db: AdminDatabase; exec(statements: string): Promise<void>; close(): Promise<void> }> {
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "weft-budget-messages-"));
    const sqlite = new Database(join(dir, "db.sqlite"));
    sqlite.pragma("journal_mode = WAL");
    sqlite.exec(SCHEMA(engine));
    return { db: drizzleSqlite(sqlite), exec: async (s) => void sqlite.exec(s), close: async () => (sqlite.close(), rmSync(dir, { recursive: true, force: true })) };
  }
  const tdb = await createTestDatabase({ prefix: "budget_messages" });
  const pool = new pg.Pool({ connectionString: tdb.url, max: 6, ...pgBudget(BUDGET_MS) });
  await pool.query(SCHEMA(engine));
  return { db: drizzlePg(pool), exec: async (s) => void (await pool.query(s)), close: async () => (await pool.end(), await tdb.drop()) };
}

describe.each(ENGINES)("pages whose reads outlive the budget on %s", (engine) => {
  let opened: Awaited<ReturnType<typeof open>>;
  let site: AdminSite;
  let app: FastifyInstance;
  let base = "";
  const sockets: Client[] = [];
  const login = loginOnce(() => base);
  const { items, notes, pins } = tablesOf(engine);

  /** Another user's list, to click while a page stalls. */
  let other: Client;

  /** GETs `path` as admin while another user clicks (support/stall.ts). */
  const slowGet = async (path: string) => stallGet({ engine, site, db: opened.db, jar: await login("admin"), url: base + path, other });

  beforeAll(async () => {
    opened = await open(engine);
    site = await AdminSite.create({ db: opened.db, queryTimeoutMs: BUDGET_MS, fairShare: false });
    site.register(items as never, { app: "desk", name: "item", listDisplay: ["name"], ordering: ["id"] } as never);
    site.register(notes as never, { app: "desk", name: "note", listDisplay: ["body"], searchFields: ["body"], ordering: ["id"] } as never);
    site.register(pins as never, { app: "desk", name: "pin", autocompleteFields: ["noteId"] } as never);
    for (const username of ["admin", "bob"]) await site.users.createUser({ username, password: `${username}-pass`, email: "", isStaff: true, isSuperuser: true });
    ({ app, base } = await startAdmin(site));
    ({ c: other } = await openView(await login("bob"), `${base}/admin/desk/item/`, "admin-changelist", { ref: 1, sockets }));
  }, 60_000);

  afterAll(async () => {
    for (const c of sockets) c.close();
    await app?.close();
    await opened?.close();
  });

  it("an object's history: the page with the message in place of the table", async () => {
    const { status, html } = await slowGet("/admin/desk/note/1/history/");
    expect(status).toBe(200);
    expect(html).toContain(HISTORY_TOO_SLOW);
    expect(html).not.toContain("cf-history");
    // a history that reads fast is as before
    const fast = await (await (await login("admin")).fetch(`${base}/admin/desk/item/1/history/`)).text();
    expect(fast).toContain("History: tea");
    expect(fast).not.toContain(HISTORY_TOO_SLOW);
  }, 60_000);

  it("the delete confirmation: the message, no confirm button, and confirm deletes nothing", async () => {
    const { status, html } = await slowGet("/admin/desk/item/1/delete/");
    expect(status).toBe(200);
    expect(html).toContain(RELATED_TOO_SLOW);
    expect(html).not.toContain("Yes, I'm sure");
    // the confirm event sent anyway (a stale page): refused, nothing deleted
    const jar = await login("admin");
    const { roots } = await getPage(base, "/admin/desk/item/1/delete/", jar.header);
    const c = await joinView({ base, cookie: jar.header, token: roots[0]!.token, url: `${base}/admin/desk/item/1/delete/`, ref: 1, sockets });
    expect(c.html.get(1)).toContain(RELATED_TOO_SLOW);
    await c.reply(c.event(1, "confirm", {}));
    expect(c.find((f) => f[0] === "x" && f[1] === 1)).toBeUndefined();
    expect(await qb(opened.db).select().from(items).where(eq(items.id, 1))).toHaveLength(1);
    // an object nothing slow refers to: the confirmation as before
    const calm = await (await jar.fetch(`${base}/admin/desk/pin/1/delete/`)).text();
    expect(calm).toContain("Yes, I'm sure");
    expect(calm).not.toContain(RELATED_TOO_SLOW);
  }, 60_000);

  it("a change form's autocomplete: no results and the message under the input", async () => {
    const jar = await login("admin");
    const path = "/admin/desk/pin/add/";
    const { roots } = await getPage(base, path, jar.header);
    const c = await joinView({ base, cookie: jar.header, token: roots[0]!.token, url: base + path, ref: 1, sockets });
    await overtaken({ engine, site, db: opened.db, other }, "the autocomplete", () => c.reply(c.event(1, "validate", { noteId: "", noteId__search: "hot", _target: "noteId__search" })));
    const html = c.html.get(1)!;
    expect(html).toContain(SEARCH_TOO_SLOW);
    expect(html).not.toContain('role="option"');
    // Escape closes the notice with the list
    await c.reply(c.event(1, "ac_key", { field: "noteId", key: "Escape" }));
    expect(c.html.get(1)).not.toContain(SEARCH_TOO_SLOW);
  }, 60_000);

  it("a user's timeline: the page with the message in place of the table (last: the audit log becomes a stalling view)", async () => {
    const admin = (await site.users.getUserByUsername("admin"))!;
    // an entry in admin's timeline: pin 1 deleted through its confirmation (nothing slow refers to it)
    const jar = await login("admin");
    const { roots } = await getPage(base, "/admin/desk/pin/1/delete/", jar.header);
    const c = await joinView({ base, cookie: jar.header, token: roots[0]!.token, url: `${base}/admin/desk/pin/1/delete/`, ref: 1, sockets });
    await c.reply(c.event(1, "confirm", {}));
    await c.until(() => c.find((f) => f[0] === "x" && f[1] === 1) !== undefined, "the redirect after the delete");
    const calm = await (await jar.fetch(`${base}/admin/history/user/${admin.id}/`)).text();
    expect(calm).toContain("cf-timeline");
    expect(calm).not.toContain(HISTORY_TOO_SLOW);
    await opened.exec(`ALTER TABLE weft_audit_log RENAME TO weft_audit_log_real; CREATE VIEW weft_audit_log AS SELECT * FROM weft_audit_log_real WHERE ${STALL[engine]};`);
    const { status, html } = await slowGet(`/admin/history/user/${admin.id}/`);
    expect(status).toBe(200);
    expect(html).toContain(HISTORY_TOO_SLOW);
    expect(html).not.toContain("cf-timeline");
  }, 60_000);
});
