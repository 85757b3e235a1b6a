// The Authentication screens (`/admin/auth/users/`, `/admin/auth/groups/`) against a real fastify
// server over a temp SQLite file: superusers only (sidebar, 403, refused handlers), the list's
// search and filters, add user (validation, audit), the change form (flags, groups, permissions
// through the store, audit), set password (sessions end), API tokens (secret once, revoke → 401).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { Client } from "../../server/test/helpers.js";
import { login, openView, startAdmin } from "./support.js";

const items = sqliteTable("items", { id: integer("id").primaryKey(), name: text("name").notNull() });
const dir = mkdtempSync(join(tmpdir(), "weft-users-"));
const sqlite = new Database(join(dir, "users.db"));
sqlite.exec("create table items (id integer primary key, name text not null)");
const db = drizzle(sqlite);
const site = new AdminSite({ db, sqlite, title: "Users" });
site.register(items, { app: "shop", listDisplay: ["name"] });

let app: FastifyInstance;
let base = "";
const sockets: Client[] = [];

beforeAll(async () => {
  await site.users.createUser({ username: "root", password: "root-pass", isStaff: true, isSuperuser: true });
  const staff = await site.users.createUser({ username: "clerk", password: "clerk-pass", email: "clerk@example.com", isStaff: true });
  await site.users.grant(staff, "shop.view_item");
  await site.users.createUser({ username: "customer", password: "customer-pass", email: "c@example.com" });
  ({ app, base } = await startAdmin(site));
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await app?.close();
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

const sidebar = (html: string) => /<nav class="sidebar"[\s\S]*?<\/nav>/.exec(html)![0];
const audit = () => sqlite.prepare("select action, model, object_repr as repr, changes from weft_audit_log order by id").all() as Array<{ action: string; model: string; repr: string; changes: string }>;

async function open(path: "users" | "groups") {
  const jar = await login(base, "root");
  const { c, first } = await openView(jar, `${base}/admin/auth/${path}/`, `admin-page-auth-${path}`, { ref: 1, sockets });
  const ev = async (name: string, payload: object = {}) => {
    await c.reply(c.event(1, name, payload));
    return c.html.get(1)!;
  };
  return { jar, c, first, ev };
}

describe("who may see the screens", () => {
  it("superusers see an Authentication sidebar group; staff do not, and get 403", async () => {
    const root = sidebar(await (await (await login(base, "root")).fetch("/admin/")).text());
    expect(root).toContain('<span class="sidebar-app-title">Authentication</span>');
    expect(root).toContain('href="/admin/auth/users/"');
    expect(root).toContain('href="/admin/auth/groups/"');
    const clerk = await login(base, "clerk");
    expect(sidebar(await (await clerk.fetch("/admin/")).text())).not.toContain("Authentication");
    expect((await clerk.fetch("/admin/auth/users/")).status).toBe(403);
    expect((await clerk.fetch("/admin/auth/groups/")).status).toBe(403);
  });
});

describe("users", () => {
  it("lists, searches and filters", async () => {
    const { first, ev } = await open("users");
    for (const u of ["root", "clerk", "customer"]) expect(first).toContain(`data-user="${u}"`);
    let html = await ev("filter", { q: "EXAMPLE.com" });
    expect(html).toContain('data-user="clerk"');
    expect(html).not.toContain('data-user="root"');
    html = await ev("filter", { q: "", staff: "no" });
    expect(html).toContain('data-user="customer"');
    expect(html).not.toContain('data-user="clerk"');
    html = await ev("filter", { q: "%" });
    expect(html).toContain("0 users");
  });

  it("add user: refuses bad input, keeping nothing; creates and audits a good one", async () => {
    const { ev } = await open("users");
    await ev("new");
    let html = await ev("create", { username: "new staff", password1: "long-enough-1", password2: "long-enough-1" });
    expect(html).toContain("invalid username");
    html = await ev("create", { username: "newstaff", password1: "abc", password2: "abd" });
    expect(html).toContain("This password is too short");
    expect(html).toContain("didn’t match");
    expect(await site.users.getUserByUsername("newstaff")).toBeNull();
    html = await ev("create", { username: "clerk", password1: "long-enough-1", password2: "long-enough-1" });
    expect(html).toContain("is taken");
    html = await ev("create", { username: "newstaff", email: "n@example.com", password1: "long-enough-1", password2: "long-enough-1", is_staff: "on" });
    expect(html).toContain('id="user-edit" data-user="newstaff"');
    const made = await site.users.authenticate("newstaff", "long-enough-1");
    expect(made).toMatchObject({ isStaff: true, isSuperuser: false, email: "n@example.com" });
    expect(audit().at(-1)).toMatchObject({ action: "add", model: "auth.user", repr: "newstaff" });
  });

  it("the change form sets flags, groups and permissions through the store, audited; the picker filters", async () => {
    const group = await site.users.createGroup("Editors");
    await site.users.grant(group, "shop.change_item");
    const u = await site.users.createUser({ username: "editor", password: "editor-pass", isStaff: true });
    const heard: number[][] = [];
    const link = site.users.authority;
    const orig = link.changed.bind(link);
    link.changed = async (ids: number[]) => {
      heard.push([...ids]);
      return orig(ids);
    };
    try {
      const { ev } = await open("users");
      let html = await ev("select", { id: String(u.id) });
      expect(html).toContain('name="perm:shop.view_item"');
      html = await ev("perm_filter", { q: "nothing" });
      expect(html).toMatch(/data-perm-row="shop › Items" hidden/);
      // a box ticked before the filter changes stays ticked (the form's state is kept on the server)
      await ev("pick", { id: String(u.id), "perm:shop.add_item": "on" });
      html = await ev("perm_filter", { q: "" });
      expect(html).toContain('name="perm:shop.add_item" checked');
      html = await ev("save", { id: String(u.id), email: "ed@example.com", is_active: "on", is_staff: "on", [`group:${group.id}`]: "on", "perm:shop.view_item": "on", "perm:shop.delete_item": "on" });
      expect(html).toContain("was changed");
      expect([...(await site.users.permissions(u.id))].sort()).toEqual(["shop.change_item", "shop.delete_item", "shop.view_item"]);
      expect((await site.users.getUser(u.id))!.email).toBe("ed@example.com");
      expect(heard.some((ids) => ids.includes(u.id))).toBe(true);
      const entry = audit().at(-1)!;
      expect(entry).toMatchObject({ action: "change", model: "auth.user", repr: "editor" });
      expect(JSON.parse(entry.changes)).toMatchObject({ groups: [[], ["Editors"]], permissions: [[], ["shop.delete_item", "shop.view_item"]] });
      // unchecking takes them back
      await ev("save", { id: String(u.id), email: "ed@example.com", is_active: "on", is_staff: "on" });
      expect([...(await site.users.permissions(u.id))]).toEqual([]);
      // a malformed permission is refused, nothing changes
      html = await ev("save", { id: String(u.id), is_active: "on", is_staff: "on", "perm:all of them": "on" });
      expect(html).toContain("Invalid permission");
      expect([...(await site.users.permissions(u.id))]).toEqual([]);
    } finally {
      link.changed = orig;
    }
  });

  it("a superuser cannot take away their own superuser status", async () => {
    const { ev } = await open("users");
    const root = (await site.users.getUserByUsername("root"))!;
    const html = await ev("save", { id: String(root.id), is_active: "on", is_staff: "on" });
    expect(html).toContain("cannot take away your own");
    expect((await site.users.getUser(root.id))!.isSuperuser).toBe(true);
  });

  it("set password: checks the confirmation, then sets it and ends the user's sessions", async () => {
    const u = await site.users.createUser({ username: "forgetful", password: "forgetful-pass", isStaff: true });
    const theirs = await login(base, "forgetful", { password: "forgetful-pass" });
    expect((await theirs.fetch("/admin/")).status).toBe(200);
    const { ev } = await open("users");
    await ev("select", { id: String(u.id) });
    let html = await ev("set_password", { id: String(u.id), password1: "brand-new-pass", password2: "brand-new-pasz" });
    expect(html).toContain("didn’t match");
    expect(await site.users.authenticate("forgetful", "forgetful-pass")).not.toBeNull();
    html = await ev("set_password", { id: String(u.id), password1: "brand-new-pass", password2: "brand-new-pass" });
    expect(html).toContain("sessions were signed out");
    expect(await site.users.authenticate("forgetful", "brand-new-pass")).not.toBeNull();
    expect((await theirs.fetch("/admin/")).status).toBe(302);
    expect(audit().at(-1)).toMatchObject({ action: "change", model: "auth.user", repr: "forgetful", changes: JSON.stringify({ password: ["(hidden)", "(changed)"] }) });
  });

  it("API tokens: created with the secret shown once, usable, then revoked (401)", async () => {
    const clerk = (await site.users.getUserByUsername("clerk"))!;
    const { ev } = await open("users");
    await ev("select", { id: String(clerk.id) });
    let html = await ev("token_create", { id: String(clerk.id), name: "" });
    expect(html).toContain("A token needs a name");
    html = await ev("token_create", { id: String(clerk.id), name: "ci" });
    const secret = /<code>(weft_[A-Za-z0-9_-]{43})<\/code>/.exec(html)![1];
    const api = (t: string) => fetch(`${base}/admin/api/dashboard/widgets/`, { headers: { authorization: `Bearer ${t}` } });
    expect((await api(secret)).status).toBe(200);
    html = await ev("select", { id: String(clerk.id) });
    expect(html).not.toContain(secret);
    expect(html).toContain('data-token="ci"');
    const token = (await site.tokens.listTokens(clerk.id))[0];
    html = await ev("token_revoke", { id: String(clerk.id), token: String(token.id) });
    expect(html).toContain("was revoked");
    expect((await api(secret)).status).toBe(401);
    expect(audit().slice(-2).map((a) => `${a.action} ${a.model}`)).toEqual(["add auth.token", "delete auth.token"]);
  });
});

describe("groups", () => {
  it("adds a group (refusing a blank or taken name) and sets its permissions for every member", async () => {
    const member = await site.users.createUser({ username: "member", password: "member-pass", isStaff: true });
    const { ev } = await open("groups");
    let html = await ev("create", { name: "  " });
    expect(html).toContain("needs a name");
    html = await ev("create", { name: "Support" });
    expect(html).toContain('data-group="Support"');
    html = await ev("create", { name: "Support" });
    expect(html).toContain("already exists");
    const g = (await site.users.getGroup("Support"))!;
    await site.users.addToGroup(member, g);
    html = await ev("save", { id: String(g.id), "perm:shop.view_item": "on" });
    expect(html).toContain("was changed");
    expect(await site.users.hasPerm(member, "shop.view_item")).toBe(true);
    expect(audit().at(-1)).toMatchObject({ action: "change", model: "auth.group", repr: "Support" });
  });
});
