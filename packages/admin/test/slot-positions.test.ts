// Slot widgets that follow the page, against a real fastify server over a temp SQLite file:
// LiveComponent widgets on a change list get its search, filters, selection and matching WHERE
// as props (the same object while nothing changed: one update), and are laid out above, beside
// and below the list by their static position; change-form widgets render on the add form too
// (nested views without an objectId, components with objectId null).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { count, sum } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveComponent, LiveView, type Params } from "@weft/server";
import { AdminSite } from "../src/index.js";
import type { ListWidgetProps } from "../src/query/index.js";
import type { FormWidgetProps } from "../src/changeform/view.js";
import { login, startAdmin, type Jar } from "./support.js";

const items = sqliteTable("items", { id: integer("id").primaryKey(), kind: text("kind", { enum: ["tea", "mug"] }).notNull(), cents: integer("cents").notNull() });
const dir = mkdtempSync(join(tmpdir(), "weft-slots-"));
const sqlite = new Database(join(dir, "s.db"));
sqlite.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, cents INTEGER NOT NULL)");
const db = drizzle(sqlite);
const site = new AdminSite({ db, sqlite, title: "Slots" });
const updates: ListWidgetProps[] = [];

/** Sums the matching items synchronously (SQLite) so the page render shows it. */
class Sum extends LiveComponent<{ text: string }, ListWidgetProps> {
  static label = "Sum";
  static position = "beside" as const;
  update(p: ListWidgetProps): void {
    updates.push(p);
    const [r] = db.select({ n: count(), s: sum(items.cents) }).from(items).where(p.where).all();
    const sel = p.selection.mode === "all" ? "all" : p.selection.ids.join(",");
    this.assign({ text: `${r!.n} items (q=${p.q}, filters=${Object.keys(p.filters).join(",")}, count=${p.count}, selected=${p.selected}:${sel}) sum ${r!.s ?? 0}` });
  }
  render(a: { text: string }): string {
    return `<p class="sum">${a.text}</p>`;
  }
}
class Footer extends LiveView<{ app: string }> {
  static label = "Footer";
  static position = "below" as const;
  mount(params: Params) {
    return { app: String(params.app) };
  }
  render(a: { app: string }): string {
    return `<p class="footer">below ${a.app}</p>`;
  }
}
class Top extends LiveView<Record<string, never>> {
  mount() {
    return {};
  }
  render(): string {
    return `<p class="top">above</p>`;
  }
}
class FormNote extends LiveView<{ id: string }> {
  mount(params: Params) {
    return { id: params.objectId == null ? "none" : String(params.objectId) };
  }
  render(a: { id: string }): string {
    return `<p class="form-note">object ${a.id}</p>`;
  }
}
class FormSide extends LiveComponent<{ id2: string }, FormWidgetProps> {
  static position = "beside" as const;
  update(p: FormWidgetProps): void {
    this.assign({ id2: String(p.objectId) });
  }
  render(a: { id2: string }): string {
    return `<p class="form-side">side ${a.id2}</p>`;
  }
}

let app: FastifyInstance;
let base = "";
let admin: Jar;

beforeAll(async () => {
  site.register(items, { app: "shop", name: "item", listDisplay: ["id", "kind", "cents"], searchFields: ["kind"], listFilter: ["kind"], changeListWidgets: [Top, Sum, Footer], changeFormWidgets: [FormNote, FormSide] });
  await site.users.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });
  await db.insert(items).values([
    { kind: "tea", cents: 100 },
    { kind: "tea", cents: 250 },
    { kind: "mug", cents: 900 },
  ]);
  ({ app, base } = await startAdmin(site));
  admin = await login(base, "admin");
});

afterAll(async () => {
  await app?.close();
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("slot widgets that follow the page", () => {
  it("lays widgets out above, beside and below the list; a component gets the list's state as props", async () => {
    const { status, html } = await admin.html("/admin/shop/item/");
    expect(status).toBe(200);
    const at = (s: string) => html.indexOf(s);
    // above the heading, beside in the list's layout (before the filters), below after the list
    expect(at('class="top"')).toBeGreaterThan(0);
    expect(at('class="top"')).toBeLessThan(at("<h1>"));
    expect(html).toMatch(/<div class="cl-layout has-filters has-beside">\s*<div class="cl-beside slot-column">\s*<section class="slot slot-sm" aria-label="Sum">/);
    expect(at('class="footer"')).toBeGreaterThan(at('id="result-list"'));
    expect(html).toContain('<div class="cl-widgets-below slot-grid">');
    expect(html).toContain('<p class="footer">below shop</p>');
    expect(html).toContain("3 items (q=, filters=, count=3, selected=0:) sum 1250");

    const filtered = await admin.html("/admin/shop/item/?kind__exact=tea&q=te");
    expect(filtered.html).toContain("2 items (q=te, filters=kind, count=2, selected=0:) sum 350");
  });

  it("the props object is reused while nothing it carries changed", async () => {
    const { ListWidgetPropsCache } = await import("../src/changelist/widget-props.js");
    const { EMPTY_STATE } = await import("../src/query/index.js");
    const cache = new ListWidgetPropsCache();
    const query = site.query(site.get("shop", "item")!);
    const input = { app: "shop", model: "item", query, state: EMPTY_STATE, selection: { mode: "ids" as const, ids: new Set<string>() }, count: 3, db: site.reads };
    const a = cache.props("w1", input);
    expect(cache.props("w1", { ...input, state: { ...EMPTY_STATE, page: 2 } })).toBe(a);
    const b = cache.props("w1", { ...input, selection: { mode: "ids", ids: new Set(["2", "1"]) } });
    expect(b).not.toBe(a);
    expect(b.selection).toEqual({ mode: "ids", ids: ["1", "2"] });
    expect(b.selected).toBe(2);
    // the selection alone changed: the list's WHERE is the same object (widgets skip work by identity)
    const searched = { ...input, state: { ...EMPTY_STATE, q: "te" } };
    const s1 = cache.props("w1", searched);
    const s2 = cache.props("w1", { ...searched, selection: { mode: "ids", ids: new Set(["1"]) } });
    expect(s1.where).toBeDefined();
    expect(s2).not.toBe(s1);
    expect(s2.where).toBe(s1.where);
    expect(cache.props("w1", { ...searched, count: 4 }).where).not.toBe(s1.where);
    expect(cache.props("w1", { ...input, selection: { mode: "all" } }).selected).toBe(3);
    expect(a.db).toBe(site.reads);
  });

  it("change-form widgets render on the add form too, without an object id", async () => {
    const add = await admin.html("/admin/shop/item/add/");
    expect(add.status).toBe(200);
    expect(add.html).toContain('<p class="form-note">object none</p>');
    expect(add.html).toContain('<p class="form-side">side null</p>');
    expect(add.html).toMatch(/<div class="cf-beside slot-column">/);
    const change = await admin.html("/admin/shop/item/1/change/");
    expect(change.html).toContain('<p class="form-note">object 1</p>');
    expect(change.html).toContain('<p class="form-side">side 1</p>');
    expect(change.html).toContain('name="_version"');
  });
});
