/**
 * The change form's reads are the user's (`site.readsFor(user)`), on both engines over a real
 * server and the real protocol: when the object's inline rows or a foreign key's choices take
 * minutes (a table the form reads replaced by a view that stalls: support/stall.ts), the page
 * answers at the site's budget (200) with "This item took too long to load" and no form, while
 * another user's click is answered meanwhile (on SQLite the statement runs in the read pool, not
 * on the event loop); a save whose foreign-key check takes minutes (the form's own key, an inline
 * row's, a POST without JavaScript) saves nothing and shows the field's error with the user's
 * input kept; the delete confirmation of an object that cannot be
 * read in time offers no confirm. After a save the form and the page after it show the saved
 * values (a new read sees the commit), and every read is charged to the form's user.
 *
 * The budget is 3 s (generous enough that nothing else comes near it on a loaded machine); the
 * share saves up 1 s and refills at 200 ms per second, so a stopped read leaves its user owing
 * at least 2 s, 10 s to repay (one user per test). It refilled at 1 ms per second: on a machine
 * busy enough that a user's ordinary reads added up past the savings (their readers wait behind
 * CPU hogs), that user's next read waited for minutes and the test timed out.
 */
import { count } from "drizzle-orm";
import { integer as pgInteger, pgTable, text as pgText } from "drizzle-orm/pg-core";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite, TabularInline } from "../src/index.js";
import { CHECK_TOO_SLOW, FORM_TOO_SLOW } from "../src/query/index.js";
import { qb } from "../src/query/dialect/index.js";
import type { Client } from "../../server/test/helpers.js";
import { ENGINES, type Engine } from "./support/engines.js";
import { STALL, overtaken, slowGet, openStallDb } from "./support/stall.js";
import { useAdminServer } from "./support.js";

const BUDGET_MS = 3000;

/** Whether the form shows `value` in an input or a textarea named `name` (a pattern: inline rows' names carry their index). */
const shows = (html: string, name: string, value: string) => new RegExp(`name="${name}"(?: value="${value}"|[^>]*>${value}</textarea>)`).test(html);

/** The tables on SQLite: notes is a view that stalls (items show them inline, pins choose one in a select, tags by autocomplete); boxes and their things are fast. */
function sqliteTables() {
  const items = sqliteTable("items", { id: integer("id").primaryKey(), name: text("name").notNull() });
  const notes = sqliteTable("notes", { id: integer("id").primaryKey(), itemId: integer("item_id").notNull().references(() => items.id), body: text("body").notNull() });
  const pins = sqliteTable("pins", { id: integer("id").primaryKey(), noteId: integer("note_id").references(() => notes.id) });
  const tags = sqliteTable("tags", { id: integer("id").primaryKey(), name: text("name").notNull(), noteId: integer("note_id").references(() => notes.id) });
  const boxes = sqliteTable("boxes", { id: integer("id").primaryKey(), name: text("name").notNull() });
  const things = sqliteTable("things", { id: integer("id").primaryKey(), boxId: integer("box_id").notNull().references(() => boxes.id), body: text("body").notNull() });
  const crates = sqliteTable("crates", { id: integer("id").primaryKey(), name: text("name").notNull() });
  const stickers = sqliteTable("stickers", { id: integer("id").primaryKey(), crateId: integer("crate_id").notNull().references(() => crates.id), noteId: integer("note_id").references(() => notes.id) });
  return { items, notes, pins, tags, boxes, things, crates, stickers };
}

/** The tables on `engine`, typed as the SQLite ones (the admin reads both through one typed view). */
function tablesOf(engine: Engine): ReturnType<typeof sqliteTables> {
  if (engine === "sqlite") return sqliteTables();
  const items = pgTable("items", { id: pgInteger("id").primaryKey(), name: pgText("name").notNull() });
  const notes = pgTable("notes", { id: pgInteger("id").primaryKey(), itemId: pgInteger("item_id").notNull().references(() => items.id), body: pgText("body").notNull() });
  const pins = pgTable("pins", { id: pgInteger("id").primaryKey(), noteId: pgInteger("note_id").references(() => notes.id) });
  const tags = pgTable("tags", { id: pgInteger("id").primaryKey().generatedByDefaultAsIdentity(), name: pgText("name").notNull(), noteId: pgInteger("note_id").references(() => notes.id) });
  const boxes = pgTable("boxes", { id: pgInteger("id").primaryKey(), name: pgText("name").notNull() });
  const things = pgTable("things", { id: pgInteger("id").primaryKey().generatedByDefaultAsIdentity(), boxId: pgInteger("box_id").notNull().references(() => boxes.id), body: pgText("body").notNull() });
  const crates = pgTable("crates", { id: pgInteger("id").primaryKey().generatedByDefaultAsIdentity(), name: pgText("name").notNull() });
  const stickers = pgTable("stickers", { id: pgInteger("id").primaryKey().generatedByDefaultAsIdentity(), crateId: pgInteger("crate_id").notNull().references(() => crates.id), noteId: pgInteger("note_id").references(() => notes.id) });
  return { items, notes, pins, tags, boxes, things, crates, stickers } as unknown as ReturnType<typeof sqliteTables>;
}

const SCHEMA = (engine: Engine) => {
  const serial = engine === "sqlite" ? "integer primary key" : "integer generated by default as identity primary key";
  return `CREATE TABLE items (id integer primary key, name text not null);
  CREATE TABLE notes_real (id integer primary key, item_id integer not null, body text not null);
  CREATE VIEW notes AS SELECT id, item_id, body FROM notes_real WHERE ${STALL[engine]};
  CREATE TABLE pins (id integer primary key, note_id integer);
  CREATE TABLE tags (id ${serial}, name text not null, note_id integer);
  CREATE TABLE boxes (id integer primary key, name text not null);
  CREATE TABLE things (id ${serial}, box_id integer not null, body text not null);
  CREATE TABLE crates (id ${serial}, name text not null);
  CREATE TABLE stickers (id ${serial}, crate_id integer not null, note_id integer);
  INSERT INTO items (id, name) VALUES (1, 'tea');
  INSERT INTO notes_real (id, item_id, body) VALUES (1, 1, 'hot'), (2, 1, 'cold');
  INSERT INTO pins (id, note_id) VALUES (1, 1);
  INSERT INTO boxes (id, name) VALUES (1, 'red box');
  INSERT INTO things (box_id, body) VALUES (1, 'spoon');`;
};

const open = (engine: Engine) => openStallDb(engine, SCHEMA(engine), "changeform-reads", BUDGET_MS);

describe.each(ENGINES)("the change form's reads on %s", (engine) => {
  let opened: Awaited<ReturnType<typeof open>> | undefined;
  const server = useAdminServer(() => opened?.close());
  let site: AdminSite;
  const { items, notes, pins, tags, boxes, things, crates, stickers } = tablesOf(engine);
  const ids: Record<string, number> = {};
  /** the users each statement through the site's fair share was charged to, in order */
  const charged: unknown[] = [];
  /** another user's change list, to click while a page stalls */
  let other: Client;

  const scene = () => ({ engine, site, db: opened!.db, other });
  const get = async (username: string, path: string) => slowGet({ ...scene(), jar: await server.login(username), url: server.base + path });

  beforeAll(async () => {
    opened = await open(engine);
    site = await AdminSite.create({ db: opened.db, queryTimeoutMs: BUDGET_MS, fairShare: { msPerSecond: 200, burstMs: 1000, othersWithinMs: 600_000 } });
    site.register(items as never, { app: "desk", name: "item", listDisplay: ["name"], inlines: [TabularInline(notes as never, { fields: ["body"] } as never)] } as never);
    site.register(notes as never, { app: "desk", name: "note", listDisplay: ["body"], searchFields: ["body"] } as never);
    site.register(pins as never, { app: "desk", name: "pin" } as never);
    site.register(tags as never, { app: "desk", name: "tag", autocompleteFields: ["noteId"] } as never);
    site.register(things as never, { app: "desk", name: "thing" } as never);
    site.register(boxes as never, { app: "desk", name: "box", listDisplay: ["name"], inlines: [TabularInline(things as never, { fields: ["body"], extra: 1 } as never)] } as never);
    // an inline row's key by autocomplete: the add form reads nothing of notes, its save checks the key
    site.register(stickers as never, { app: "desk", name: "sticker", autocompleteFields: ["noteId"] } as never);
    site.register(crates as never, { app: "desk", name: "crate", inlines: [TabularInline(stickers as never, { fields: ["noteId"], extra: 1 } as never)] } as never);
    for (const username of ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank"]) ids[username] = (await site.users.createUser({ username, password: `${username}-pass`, email: "", isStaff: true, isSuperuser: true })).id;
    const share = site.fairShare!;
    const run = share.run.bind(share);
    share.run = ((user, fn) => (charged.push(user), run(user, fn))) as typeof share.run;
    share.seen("someone else"); // others are active: what a user spends is owed
    await server.start(site);
    ({ c: other } = await server.view("bob", "/admin/desk/box/", "admin-changelist"));
  }, 60_000);

  afterAll(() => void (charged.length = 0));

  it("a foreign key's choices past the budget: the page (200) says the item took too long, with no form and no select missing options; the read was the user's", async () => {
    charged.length = 0;
    const { status, html } = await get("alice", "/admin/desk/pin/1/change/");
    expect(status).toBe(200);
    expect(html).toContain(FORM_TOO_SLOW);
    expect(html).not.toContain('id="changeform"');
    expect(html).not.toContain("<select");
    expect(charged).toContain(ids.alice);
    expect(site.fairShare!.waitFor(ids.alice!)).toBeGreaterThan(0); // the stopped statement's time is alice's debt
    expect(site.fairShare!.waitFor(ids.bob!)).toBe(0);
  }, 60_000);

  it("inline rows past the budget: the same message in place of the form", async () => {
    charged.length = 0;
    const { status, html } = await get("carol", "/admin/desk/item/1/change/");
    expect(status).toBe(200);
    expect(html).toContain(FORM_TOO_SLOW);
    expect(html).not.toContain('id="changeform"');
    expect(charged).toContain(ids.carol);
    expect(site.fairShare!.waitFor(ids.carol!)).toBeGreaterThan(0);
  }, 60_000);

  it("a save whose foreign-key check runs past the budget saves nothing: the field says it could not be checked, the input stays", async () => {
    const lv = await server.live("dave", "/admin/desk/tag/add/");
    expect(lv.html()).toContain('id="changeform"');
    await overtaken(scene(), "the save", () => lv.event("save", { name: "kept text", noteId: "1", _save: "1" }));
    const html = lv.html();
    expect(html).toContain(CHECK_TOO_SLOW);
    expect(shows(html, "name", "kept text")).toBe(true);
    expect(html).toMatch(/name="noteId" value="1"/);
    expect(lv.redirect()).toBeUndefined();
    expect((await qb(opened!.db).select({ n: count() }).from(tags))[0]!.n).toBe(0);
  }, 60_000);

  it("an inline row's foreign-key check past the budget: the row says it could not be checked, nothing saved", async () => {
    const lv = await server.live("hank", "/admin/desk/crate/add/");
    expect(lv.html()).toContain('name="sticker-TOTAL_FORMS"');
    await overtaken(scene(), "the save", () => lv.event("save", { name: "kept crate", "sticker-TOTAL_FORMS": "1", "sticker-0-id": "", "sticker-0-noteId": "1", _save: "1" }));
    const html = lv.html();
    expect(html).toContain(CHECK_TOO_SLOW);
    expect(shows(html, "name", "kept crate")).toBe(true);
    expect(lv.redirect()).toBeUndefined();
    expect((await qb(opened!.db).select({ n: count() }).from(crates))[0]!.n).toBe(0);
  }, 60_000);

  it("without JavaScript: a POST whose foreign-key check runs past the budget answers 200 with the field's message and the input, saving nothing", async () => {
    const jar = await server.login("gina");
    const path = "/admin/desk/tag/add/";
    const csrf = /<input type="hidden" form="changeform" name="_csrf" value="([^"]+)">/.exec((await jar.html(path)).html)?.[1];
    expect(csrf).toBeTruthy();
    const res = await overtaken(scene(), "the POST", () => jar.post(path, { _csrf: csrf!, name: "posted text", noteId: "1", _save: "1" }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(CHECK_TOO_SLOW);
    expect(shows(html, "name", "posted text")).toBe(true);
    expect((await qb(opened!.db).select({ n: count() }).from(tags))[0]!.n).toBe(0);
  }, 60_000);

  it("the delete confirmation of an object that cannot be read in time: the message, no confirm", async () => {
    const { status, html } = await get("erin", "/admin/desk/note/1/delete/");
    expect(status).toBe(200);
    expect(html).toContain(FORM_TOO_SLOW);
    expect(html).not.toContain("Yes, I'm sure");
  }, 60_000);

  it("after a save the form and the next page show the saved values (a new read sees the commit), every read charged to the form's user", async () => {
    const lv = await server.live("frank", "/admin/desk/box/1/change/");
    const pre = /name="(\w+)-TOTAL_FORMS"/.exec(lv.html())?.[1];
    expect(pre).toBeDefined();
    const spoon = /name="\w+-0-id" value="(\d+)"/.exec(lv.html())?.[1];
    charged.length = 0;
    await lv.event("save", { name: "blue box", [`${pre}-TOTAL_FORMS`]: "2", [`${pre}-0-id`]: spoon!, [`${pre}-0-body`]: "fork", [`${pre}-1-id`]: "", [`${pre}-1-body`]: "knife", _continue: "1" });
    const live = lv.html();
    expect(live).toContain("was changed successfully");
    expect(shows(live, "name", "blue box")).toBe(true);
    expect(shows(live, `${pre}-\\d-body`, "fork")).toBe(true);
    expect(shows(live, `${pre}-\\d-body`, "knife")).toBe(true);
    expect(charged).toContain(ids.frank); // the inline rows read again after the save

    charged.length = 0;
    const res = await (await server.login("frank")).fetch(`${server.base}/admin/desk/box/1/change/?saved=1`);
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(shows(page, "name", "blue box")).toBe(true);
    expect(shows(page, `${pre}-\\d-body`, "fork")).toBe(true);
    expect(shows(page, `${pre}-\\d-body`, "knife")).toBe(true);
    expect(page).toContain("“blue box” was changed successfully");
    // the object, its inline rows and the notice: all three charged to frank (read unattributed, they
    // would be charged to no one). Reads of other pages can land here too on a loaded machine (bob's
    // change list of boxes re-reading the saved box, the site's own reads): they are not counted
    expect(charged.filter((u) => u === ids.frank).length).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
