// site.page (your own LiveViews inside the admin shell) and the password-change page, against a
// real fastify server (weft + AdminSite + adminPlugin) over a temp SQLite file: registration
// errors, the sidebar per permission, 403 on render and a refused crafted join, the page's
// events; the password form's refusals, its success (other sessions end, this one stays), the audit.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveView, on, type Session } from "@weft/server";
import { z } from "zod";
import { AdminSite, WeftAdminError, type AdminSession } from "../src/index.js";
import { PASSWORD_ERRORS, PasswordChangeView } from "../src/account/index.js";
import { TokenSigner } from "../../server/src/live/token.js";
import { Client, SECRET, viewRoots } from "../../server/test/helpers.js";
import { Jar, login, openView, startAdmin } from "./support.js";

const items = sqliteTable("items", { id: integer("id").primaryKey(), name: text("name").notNull() });
const dir = mkdtempSync(join(tmpdir(), "weft-pages-"));
const sqlite = new Database(join(dir, "pages.db"));
sqlite.exec("create table items (id integer primary key, name text not null)");
const db = drizzle(sqlite);
const site = new AdminSite({ db, sqlite, title: "Pages" });
site.register(items, { app: "shop", listDisplay: ["name"] });

/** a page with an event, a template-less render and its own authorize (refuses user "blocked") */
class Counter extends LiveView<{ n: number }> {
  static authorize(session: Session): boolean {
    return (session as AdminSession).user?.username !== "blocked";
  }
  mount() {
    return { n: 0 };
  }
  events = { inc: on(z.object({}), () => this.assign({ n: this.assigns.n + 1 })) };
  render(it: { n: number }) {
    return `<p class="counter">count ${it.n}</p>`;
  }
}
class Plain extends LiveView<{ who: string }> {
  mount() {
    return { who: "plain" };
  }
  render(it: { who: string }) {
    return `<p class="plain">${it.who}</p>`;
  }
}
site.page("reports/counter/", Counter, { title: "Counter <report>", nav: { group: "Reports", order: 20 }, permissionRequired: "shop.see_reports" });
site.page("/reports/plain/", Plain, { title: "Plain", nav: { group: "Reports", order: 10 } });
site.page("tools/", Plain, { title: "Tools", icon: "<svg data-t></svg>" });
site.page("hidden/", Plain, { title: "Hidden", nav: false });

let app: FastifyInstance;
let base = "";
const sockets: Client[] = [];
const signer = new TokenSigner(SECRET);

beforeAll(async () => {
  await site.users.createUser({ username: "super", password: "super-pass", isStaff: true, isSuperuser: true });
  const reader = await site.users.createUser({ username: "reader", password: "reader-pass", isStaff: true });
  await site.users.grant(reader, "shop.see_reports");
  const blocked = await site.users.createUser({ username: "blocked", password: "blocked-pass", isStaff: true });
  await site.users.grant(blocked, "shop.see_reports");
  await site.users.createUser({ username: "plainstaff", password: "plainstaff-pass", isStaff: true });
  for (const u of ["pw1", "pw2", "pw3"]) await site.users.createUser({ username: u, password: `${u}-pass-old`, isStaff: true });
  ({ app, base } = await startAdmin(site, {
    setup: (a) => {
      a.get("/test/sid", async (req) => ({ sid: ((await site.sessions.load(req)) as AdminSession | null)?.id ?? null }));
    },
  }));
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await app?.close();
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WeftAdminError);
    return (err as WeftAdminError).code;
  }
  return "no error";
};
const sidebar = (html: string) => /<nav class="sidebar"[\s\S]*?<\/nav>/.exec(html)![0];

describe("site.page: registration", () => {
  const s = new AdminSite({ db, sqlite, id: "reg" });
  s.register(items, { app: "shop", listDisplay: ["name"] });
  s.dashboard.page("ops", { path: "ops/" });
  s.page("ok/", Plain, { title: "Ok" });
  s.page("o/k/", Plain, { title: "Ok too" });

  it.each([
    ["no trailing slash", "reports"],
    ["upper case", "Reports/"],
    ["empty", ""],
    ["a double slash", "a//"],
    ["a query", "a/?x=1"],
    ["five segments", "a/b/c/d/e/"],
    ["the admin's own login", "login/"],
    ["the job pages", "jobs/mine/"],
    ["the password change", "password_change/"],
  ])("refuses a bad path: %s", (_what, path) => {
    expect(code(() => s.page(path, Plain, { title: "X" }))).toBe("WEFT_ADMIN_ERR_PAGE_PATH");
  });

  it.each([
    ["another page's path", "ok/"],
    ["a path whose view id is another page's", "o-k/"],
    ["a dashboard page's path", "ops/"],
    ["a registered app's URLs", "shop/report/"],
  ])("refuses a taken path: %s", (_what, path) => {
    expect(code(() => s.page(path, Plain, { title: "X" }))).toBe("WEFT_ADMIN_ERR_PAGE_TWICE");
  });

  it.each([
    ["a class that is not a LiveView", class {}, { title: "X" }],
    ["no options", Plain, undefined],
    ["an empty title", Plain, { title: " " }],
    ["an unknown option (typo)", Plain, { title: "X", permission: "shop.x" }],
    ["a bad permission string", Plain, { title: "X", permissionRequired: "see everything" }],
    ["permissions not a list", Plain, { title: "X", permissionRequired: 3 }],
    ["an unknown nav option", Plain, { title: "X", nav: { section: "a" } }],
    ["a non-finite order", Plain, { title: "X", nav: { order: Number.NaN } }],
    ["a nav that is not an object", Plain, { title: "X", nav: "Reports" }],
    ["an icon that is not markup", Plain, { title: "X", icon: 1 }],
  ])("refuses a bad option: %s", (_what, View, opts) => {
    expect(code(() => s.page("x/", View as never, opts as never))).toBe("WEFT_ADMIN_ERR_PAGE_OPTIONS");
  });

  it("nothing refused was kept", () => {
    expect(s.pages.all().map((p) => p.path)).toEqual(["auth/users/", "auth/groups/", "ok/", "o/k/"]);
  });

  it("refuses at install a page whose path an app registered later owns", async () => {
    const late = new AdminSite({ db, sqlite, id: "late" });
    late.page("shop/", Plain, { title: "Shop page" });
    late.register(items, { app: "shop", listDisplay: ["name"] });
    const err = await startAdmin(late).then(
      (r) => r.app.close().then(() => null),
      (e: unknown) => e,
    );
    expect((err as WeftAdminError)?.code).toBe("WEFT_ADMIN_ERR_PAGE_TWICE");
  });
});

describe("site.page: the sidebar, the render, the join", () => {
  it("the sidebar shows each user the pages they may see, grouped and ordered", async () => {
    const sup = sidebar(await (await (await login(base, "super")).fetch("/admin/")).text());
    // ungrouped first, then the group; within it by order (Plain 10 before Counter 20); nav: false not at all
    const links = [...sup.matchAll(/<a class="sidebar-model" lv-navigate href="([^"]+)">/g)].map((m) => m[1]);
    expect(links.slice(0, 3)).toEqual(["/admin/tools/", "/admin/reports/plain/", "/admin/reports/counter/"]);
    expect(sup).toContain('<span class="sidebar-app-title">Reports</span>');
    expect(sup).toContain("Counter &lt;report&gt;");
    expect(sup).toContain("<svg data-t></svg>");
    expect(sup).not.toContain("/admin/hidden/");
    const plain = sidebar(await (await (await login(base, "plainstaff")).fetch("/admin/")).text());
    expect(plain).toContain("/admin/reports/plain/");
    expect(plain).not.toContain("/admin/reports/counter/");
    const reader = sidebar(await (await (await login(base, "reader")).fetch("/admin/")).text());
    expect(reader).toContain("/admin/reports/counter/");
  });

  it("renders the view in the shell with breadcrumbs and heading; its events work over the socket", async () => {
    const jar = await login(base, "reader");
    const { c, first } = await openView(jar, `${base}/admin/reports/counter/`, "admin-page-reports-counter", { ref: 1, sockets });
    expect(first).toContain(">Counter &lt;report&gt; | Pages</title>");
    expect(first).toContain('class="sidebar"');
    expect(first).toMatch(/<nav class="cf-crumbs"[\s\S]*href="\/admin\/">Dashboard<\/a>[\s\S]*Counter &lt;report&gt;/);
    expect(first).toContain('<h1 class="page-title">Counter &lt;report&gt;</h1>');
    expect(c.html.get(1)).toContain("count 0");
    c.reply(c.event(1, "inc"));
    await c.until(() => c.html.get(1)?.includes("count 1"), "the event's render");
    expect(c.html.get(1)).toContain('<h1 class="page-title">');
  });

  it("a page the user may not see answers 403; anonymous visitors go to the login page", async () => {
    expect((await (await login(base, "plainstaff")).fetch("/admin/reports/counter/")).status).toBe(403);
    // the view's own authorize runs after the page's permissions
    expect((await (await login(base, "blocked")).fetch("/admin/reports/counter/")).status).toBe(403);
    const anon = await new Jar(base).fetch("/admin/reports/counter/");
    expect(anon.status).toBe(302);
    expect(anon.headers.get("location")).toBe("/admin/login/?next=%2Fadmin%2Freports%2Fcounter%2F");
  });

  it("a crafted join without the permission is refused", async () => {
    const readerPage = await (await (await login(base, "reader")).fetch("/admin/reports/counter/")).text();
    const root = viewRoots(readerPage).find((r) => r.view === "admin-page-reports-counter")!;
    const claims = signer.verify(root.token);
    const jar = await login(base, "plainstaff");
    const sid = ((await (await jar.fetch("/test/sid")).json()) as { sid: string }).sid;
    const c = await Client.open(base, jar.header);
    sockets.push(c);
    c.join(1, signer.sign({ v: claims.v, s: sid, i: claims.i, p: claims.p }), `${base}/admin/reports/counter/`);
    const err = await c.until(() => c.find((f) => f[0] === "!" && f[1] === 1), "the refusal");
    expect(err[2]).toBe("unauthorized");
    expect(c.html.has(1)).toBe(false);
  });
});

describe("password change", () => {
  const open = async (username: string, password = `${username}-pass-old`) => {
    const jar = await login(base, username, { password });
    const { c, first } = await openView(jar, `${base}/admin/password_change/`, "admin-password-change", { ref: 1, sockets });
    const submit = async (values: Record<string, string>) => {
      const seq = c.event(1, "change", values);
      await c.reply(seq);
      return c.html.get(1)!;
    };
    return { jar, c, first, submit };
  };
  const fieldError = (html: string, name: string) => new RegExp(`id="id_${name}_errors"><li>([^<]*)</li>`).exec(html)?.[1]?.replace("&#39;", "'") ?? null;
  const canLogIn = async (username: string, password: string) => !!(await site.users.authenticate(username, password));

  it("is linked from the user menu and rendered in the shell", async () => {
    const { first } = await open("pw1");
    expect(first).toMatch(/<div class="user-menu-panel">[\s\S]*href="\/admin\/password_change\/">Change password</);
    expect(first).toContain(">Password change | Pages</title>");
    for (const f of ["old_password", "new_password1", "new_password2"]) expect(first).toContain(`name="${f}"`);
    expect(/<form id="pw-form-0"[\s\S]*?<\/form>/.exec(first)![0]).not.toContain("value=");
  });

  it.each([
    ["every field missing", {}, { old_password: PASSWORD_ERRORS.required, new_password1: PASSWORD_ERRORS.required, new_password2: PASSWORD_ERRORS.required }],
    ["a wrong old password", { old_password: "nope-nope", new_password1: "brand-new-pw", new_password2: "brand-new-pw" }, { old_password: PASSWORD_ERRORS.wrongOld }],
    ["a short new password", { old_password: "pw1-pass-old", new_password1: "short", new_password2: "short" }, { new_password1: PASSWORD_ERRORS.tooShort }],
    ["the username as password", { old_password: "pw1-pass-old", new_password1: "PW1", new_password2: "PW1" }, { new_password1: PASSWORD_ERRORS.tooShort }],
    ["two different new passwords", { old_password: "pw1-pass-old", new_password1: "brand-new-pw", new_password2: "brand-new-px" }, { new_password2: PASSWORD_ERRORS.mismatch }],
  ])("refuses %s with field errors, and changes nothing", async (_what, values, want) => {
    const { submit } = await open("pw1");
    const html = await submit(values as Record<string, string>);
    for (const f of ["old_password", "new_password1", "new_password2"]) {
      expect(fieldError(html, f), f).toBe((want as Record<string, string>)[f] ?? null);
    }
    expect(html).not.toContain("Your password was changed");
    expect(await canLogIn("pw1", "pw1-pass-old")).toBe(true);
  });

  it("refuses a password equal to the username", async () => {
    await site.users.createUser({ username: "longusername", password: "longusername-pass-old", isStaff: true });
    const { submit } = await open("longusername");
    const html = await submit({ old_password: "longusername-pass-old", new_password1: "LongUserName", new_password2: "LongUserName" });
    expect(fieldError(html, "new_password1")).toBe(PASSWORD_ERRORS.likeUsername);
  });

  it("a too long value is refused by the event's schema and changes nothing", async () => {
    const { c } = await open("pw1");
    const seq = c.event(1, "change", { old_password: "x".repeat(5000) });
    await c.until(() => c.find((f) => f[0] === "!" && f[1] === 1) || c.find((f) => f[0] === "a" && f[2] === seq), "an answer");
    expect(await canLogIn("pw1", "pw1-pass-old")).toBe(true);
  });

  it("is rate-limited per user: past the limit, even the right old password is refused unchecked", async () => {
    const saved = PasswordChangeView.limit;
    // a window longer than the test: nothing expires while it runs
    PasswordChangeView.limit = { max: 3, windowMs: 3_600_000 };
    try {
      const { submit } = await open("pw3");
      // attempts without an old password do not count
      expect(fieldError(await submit({ new_password1: "x" }), "old_password")).toBe(PASSWORD_ERRORS.required);
      for (let i = 0; i < 3; i++) expect(fieldError(await submit({ old_password: `guess-${i}`, new_password1: "brand-new-pw", new_password2: "brand-new-pw" }), "old_password")).toBe(PASSWORD_ERRORS.wrongOld);
      const html = await submit({ old_password: "pw3-pass-old", new_password1: "brand-new-pw", new_password2: "brand-new-pw" });
      expect(fieldError(html, "old_password")).toBe(PASSWORD_ERRORS.tooMany);
      expect(html).not.toContain("Your password was changed");
      expect(await canLogIn("pw3", "pw3-pass-old")).toBe(true);
      // another user's window is their own
      await site.users.createUser({ username: "pw4", password: "pw4-pass-old", isStaff: true });
      const other = await open("pw4");
      expect(fieldError(await other.submit({ old_password: "nope-nope", new_password1: "brand-new-pw", new_password2: "brand-new-pw" }), "old_password")).toBe(PASSWORD_ERRORS.wrongOld);
    } finally {
      PasswordChangeView.limit = saved;
    }
  });

  it("success: the password changes, the other sessions end, this one stays, it is audited", async () => {
    const other = await login(base, "pw2", { password: "pw2-pass-old" });
    const { c: otherSocket } = await openView(other, `${base}/admin/`, "admin-dashboard", { ref: 1, sockets });
    const { jar, c, submit } = await open("pw2");
    const html = await submit({ old_password: "pw2-pass-old", new_password1: "a-new-secret-1", new_password2: "a-new-secret-1" });
    expect(html).toContain("Your password was changed");
    expect(html).not.toContain("errorlist");
    expect(await canLogIn("pw2", "a-new-secret-1")).toBe(true);
    expect(await canLogIn("pw2", "pw2-pass-old")).toBe(false);
    // the other session's socket is closed and its cookie logs in no more
    await otherSocket.until(() => otherSocket.closed, "the other session's socket closed");
    expect(otherSocket.closed!.code).toBe(4403);
    expect((await other.fetch("/admin/")).status).toBe(302);
    // this session stays: the page and its socket
    expect((await jar.fetch("/admin/")).status).toBe(200);
    expect(c.closed).toBeFalsy();
    const row = sqlite.prepare("select action, model, object_repr as repr, changes from weft_audit_log where model = 'auth.user' order by id desc").get() as Record<string, string>;
    expect(row).toEqual({ action: "change", model: "auth.user", repr: "pw2", changes: JSON.stringify({ password: ["(hidden)", "(changed)"] }) });
    // the user's timeline shows the entry
    const user = (await site.users.getUserByUsername("pw2"))!;
    expect((await jar.fetch(`/admin/history/user/${user.id}/`)).status).toBe(200);
  });
});
