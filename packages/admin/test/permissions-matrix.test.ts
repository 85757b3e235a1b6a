/**
 * The admin's permission matrix: every admin HTTP route and every admin LiveView event that
 * reads or writes, for six roles (anonymous, an active non-staff user, view-only staff, change
 * staff, delete staff, superuser), each cell asserting the exact outcome. The expected set is
 * derived from Django admin's semantics (see `expectRoute` / `EVENTS`), not from the code:
 * anonymous and non-staff users never get into the admin (login redirect; a socket join is
 * refused), view shows, change writes, add and delete are separate, a custom action needs its
 * custom permission, the superuser may do everything, and a job is its owner's or a
 * superuser's (anyone else: 404, as for a random id).
 *
 * One server, users created once; every socket cell joins its own view and leaves. A role that
 * cannot GET a page still tries to join it, with a validly signed token for ITS session (as a
 * token kept from before a permission was revoked would be): the join must be refused.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { FastifyInstance } from "fastify";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveView, on } from "@weft/server";
import { z } from "zod";
import { AdminSite, type AdminAction, type AdminSession } from "../src/index.js";
import { TokenSigner } from "../../server/src/live/token.js";
import { Client, SECRET, viewRoots } from "../../server/test/helpers.js";
import { Jar, login, loginPage, openView, startAdmin } from "./support.js";

// ---------------------------------------------------------------------------------------------
// schema, data, site

const items = sqliteTable("items", {
  id: integer("id").primaryKey(),
  name: text("name").notNull(),
  qty: integer("qty").notNull(),
});
const N_ITEMS = 400;
const name = (id: number) => `item-${String(id).padStart(4, "0")}`;

const dir = mkdtempSync(join(tmpdir(), "weft-perm-matrix-"));
const sqlite = new Database(join(dir, "perm.db"));
sqlite.exec("create table items (id integer primary key, name text not null, qty integer not null)");
{
  const ins = sqlite.prepare("insert into items (id, name, qty) values (?, ?, ?)");
  sqlite.transaction(() => {
    for (let i = 1; i <= N_ITEMS; i++) ins.run(i, name(i), i);
  })();
}
const db = drizzle(sqlite);

/** a custom action with the default permission (the model's change permission) */
const touch: AdminAction = {
  name: "touch",
  label: "Touch",
  run: ({ ids }) => {
    const st = sqlite.prepare("update items set qty = qty + 1000 where id = ?");
    for (const id of ids) st.run(id);
    return `Touched ${ids.length}.`;
  },
};
/** a custom action needing a custom permission nobody but the superuser holds */
const annotate: AdminAction = {
  name: "annotate",
  label: "Annotate",
  permissions: ["shop.annotate_item"],
  confirm: "Annotate the selected items?",
  run: ({ ids }) => {
    const st = sqlite.prepare("update items set name = 'annotated' where id = ?");
    for (const id of ids) st.run(id);
    return `Annotated ${ids.length}.`;
  },
};

// The matrix's jobs are queued records nobody runs: with the default 15 s lease they turned
// lost half-way through a slow run (and "no job changed" then saw the lost write). An hour's
// lease cannot expire during the test. The matrix makes many records per owner and none ends:
// no per-user caps here (jobs.test.ts tests them).
const site = new AdminSite({ db, sqlite, title: "Perm", jobs: { leaseMs: 3_600_000, maxPerOwner: Infinity, maxPerAction: Infinity } });
site.register(items, {
  app: "shop",
  listDisplay: ["name", "qty"],
  searchFields: ["=name"],
  ordering: ["id"],
  listPerPage: 20,
  // the qty cells are inputs for those who may change items (the list_edit / list_save cells, the formset POST)
  listEditable: ["qty"],
  actions: [touch, annotate],
  dashboardWidgets: [{ title: "Items", getData: () => ({ headline: "n", detail: "items" }) }],
});
/** a page of the site's own (site.page), for those who may view items */
class ItemsReport extends LiveView<{ bumped: number }> {
  mount() {
    return { bumped: 0 };
  }
  events = { bump: on(z.object({}), () => this.assign({ bumped: this.assigns.bumped + 1 })) };
  render(it: { bumped: number }) {
    return `<p class="report">bumped ${it.bumped}</p>`;
  }
}
site.page("reports/items/", ItemsReport, { title: "Items report", nav: { group: "Reports" }, permissionRequired: "shop.view_item" });
site.dashboard.register({ title: "Ops secret", group: "ops", onDashboard: true, permissionRequired: "shop.see_ops", getData: () => ({ headline: "s", detail: "ops" }) });

// ---------------------------------------------------------------------------------------------
// roles

const ROLES = ["anonymous", "nonstaff", "viewer", "changer", "deleter", "superuser"] as const;
type Role = (typeof ROLES)[number];
type Perm = "view" | "change" | "add" | "delete" | "annotate";
/** the model permissions each staff role holds (Django: change implies view; add and delete are separate) */
const PERMS: Record<Role, Perm[] | null> = {
  anonymous: null,
  nonstaff: null,
  viewer: ["view"],
  changer: ["view", "change", "add"],
  deleter: ["view", "change", "add", "delete"],
  superuser: ["view", "change", "add", "delete", "annotate"],
};
const staff = (r: Role) => PERMS[r] !== null;
const may = (r: Role, p: Perm) => PERMS[r]?.includes(p) ?? false;

let app: FastifyInstance;
let base = "";
const sockets: Client[] = [];
const signer = new TokenSigner(SECRET);
const jars = {} as Record<Role, Jar>;
const sids = {} as Record<Role, string>;
const ids = {} as Record<Role | "owner", number>;
const bearer = {} as Record<Role, string | undefined>;
let routeCells = 0;
let eventCells = 0;
let revocationCells = 0;
const eventNames = new Set<string>();
const routeNames = new Set<string>();

beforeAll(async () => {
  const u = site.users;
  for (const r of ROLES) {
    if (r === "anonymous") continue;
    const user = await u.createUser({ username: r, password: `${r}-pass`, isStaff: r !== "nonstaff", isSuperuser: r === "superuser" });
    ids[r] = user.id;
    if (r !== "superuser") for (const p of PERMS[r] ?? []) await u.grant(user, p === "annotate" ? "shop.annotate_item" : `shop.${p}_item`);
    bearer[r] = await site.tokens.createToken(user.id, "matrix");
  }
  // the owner of the "other user's" jobs and timeline
  ids.owner = (await u.createUser({ username: "owner", password: "owner-pass", isStaff: true })).id;
  ids.anonymous = ids.owner;

  ({ app, base } = await startAdmin(site, {
    setup: (a) => {
      // the application's own login (sharing the admin's sessions): how a non-staff user gets a session
      a.post("/test/login-as", async (req, reply) => {
        const { username, password } = req.body as Record<string, string>;
        const user = await site.users.authenticate(username, password);
        if (!user) return reply.code(401).send();
        await site.sessions.login(req, reply, user);
        return reply.code(204).send();
      });
      a.get("/test/sid", async (req) => ({ sid: ((await site.sessions.load(req)) as AdminSession | null)?.id ?? null }));
    },
  }));

  for (const r of ROLES) {
    if (r === "anonymous") {
      jars[r] = new Jar(base);
      await loginPage(jars[r]); // an anonymous session, as any visitor of the login page has
    } else if (r === "nonstaff") {
      jars[r] = new Jar(base);
      await loginPage(jars[r]);
      const res = await jars[r].fetch("/test/login-as", { method: "POST", body: JSON.stringify({ username: r, password: `${r}-pass` }), headers: { "content-type": "application/json" } });
      expect(res.status).toBe(204);
    } else {
      jars[r] = await login(base, r);
    }
    sids[r] = ((await (await jars[r].fetch("/test/sid")).json()) as { sid: string }).sid;
    expect(sids[r], r).toBeTruthy();
  }
});

afterAll(async () => {
  console.log(
    `permission cells checked: ${routeCells + eventCells} (routes ${routeNames.size} × ${ROLES.length} roles = ${routeCells}, events ${eventNames.size} × ${ROLES.length} roles = ${eventCells}); open sockets when access ends: ${revocationCells}`,
  );
  for (const s of sockets) s.close();
  await app?.close();
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// helpers

/** a fresh row for a cell that may write (never reused by another cell) */
let nextRow = 1;
const freshRow = () => {
  if (nextRow > N_ITEMS) throw new Error("out of rows");
  return nextRow++;
};
const row = (id: number) => sqlite.prepare("select id, name, qty from items where id = ?").get(id) as { id: number; name: string; qty: number } | undefined;
const snapshot = () => JSON.stringify(sqlite.prepare("select * from items order by id").all());
const countItems = () => (sqlite.prepare("select count(*) n from items").get() as { n: number }).n;

const LOGIN = (path: string) => `/admin/login/?next=${encodeURIComponent(path)}`;

/** a job owned by `owner` (queued, cancellable) */
async function job(owner: number): Promise<string> {
  return (await site.jobs.create({ owner: String(owner), action: "shop.item.test", description: "matrix job" })).id;
}

/** A joined (or refused) view. */
interface Live {
  c: Client;
  ref: number;
  refused?: string;
  html(): string;
  event(name: string, payload?: object): Promise<string>;
  patch(url: string): Promise<string>;
  redirect(): string | undefined;
  leave(): void;
}

let nextRef = 1;

/**
 * Joins the view `view` (its lv-view id ends with it) of `path` as `role`: with the page's own
 * token when the role may GET it, else with a validly signed token for the same view and
 * params bound to the role's session (taken from the superuser's page, re-signed).
 */
async function joinAs(role: Role, path: string, view: string): Promise<Live> {
  const url = base + path;
  const pick = (html: string) => viewRoots(html).find((r) => r.view.endsWith(`-${view}`));
  let token: string;
  const own = await jars[role].fetch(path);
  const ownRoot = own.status === 200 ? pick(await own.text()) : undefined;
  if (ownRoot) token = ownRoot.token;
  else {
    const res = await jars.superuser.fetch(path);
    expect(res.status, `superuser GET ${path}`).toBe(200);
    const root = pick(await res.text());
    expect(root, `${view} on ${path}`).toBeDefined();
    const claims = signer.verify(root!.token);
    token = signer.sign({ v: claims.v, s: sids[role], i: claims.i, p: claims.p });
  }
  const c = await Client.open(base, jars[role].header);
  sockets.push(c);
  const ref = nextRef++;
  c.join(ref, token, url);
  await c.until(() => c.html.has(ref) || c.find((f) => f[0] === "!" && f[1] === ref) || c.closed, `the join of ${view} as ${role}`);
  const err = c.find((f) => f[0] === "!" && f[1] === ref);
  const live: Live = {
    c,
    ref,
    refused: err ? String(err[2]) : c.closed ? `closed ${c.closed.code}` : undefined,
    html: () => c.html.get(ref) ?? "",
    async event(name, payload = {}) {
      const seq = c.event(ref, name, payload);
      await c.reply(seq);
      await new Promise((r) => setTimeout(r, 10));
      return live.html();
    },
    async patch(p) {
      const n = c.frames.length;
      c.send(["p", ref, base + p]);
      await c.until(() => c.frames.slice(n).some((f) => f[1] === ref && (f[0] === "d" || f[0] === "r" || f[0] === "!")), `render after ${p}`);
      return live.html();
    },
    redirect: () => c.find((f) => f[0] === "x" && f[1] === ref)?.[2] as string | undefined,
    leave: () => c.close(),
  };
  return live;
}

/** the shell's CSRF token (the logout form's) on a page the role may see, else the login form's */
async function csrfOf(role: Role): Promise<string> {
  const res = await jars[role].fetch(staff(role) ? "/admin/" : "/admin/login/");
  return /name="_csrf" value="([^"]+)"/.exec(await res.text())?.[1] ?? "";
}

// ---------------------------------------------------------------------------------------------
// HTTP routes

type Outcome = 200 | 302 | 303 | 400 | 401 | 403 | 404 | "login";

/** The admin-page rule: no staff session → the login page; staff lacking `need` → `denied`. */
function page(role: Role, need: Perm | null, denied: Outcome = 403): Outcome {
  if (!staff(role)) return "login";
  if (need && !may(role, need)) return denied;
  return 200;
}

interface RouteCell {
  name: string;
  /** the request (each role's jar); returns the response */
  req(role: Role): Promise<{ res: Response; body: string; path: string }>;
  expect(role: Role): Outcome;
  /** more to check (the DB, the body) */
  after?(role: Role, body: string): void | Promise<void>;
  /** the route may write (its `after` checks what): no "wrote nothing" snapshot */
  writes?: true;
}

const get = async (role: Role, path: string) => {
  const res = await jars[role].fetch(path);
  return { res, body: await res.text(), path };
};

const ownJob = {} as Record<Role, string>;
const otherJob: { id: string } = { id: "" };
let actionRow = 0;

const ROUTES: RouteCell[] = [
  { name: "dashboard", req: (r) => get(r, "/admin/"), expect: (r) => page(r, null) },
  { name: "app index", req: (r) => get(r, "/admin/shop/"), expect: (r) => page(r, null) },
  { name: "group dashboard", req: (r) => get(r, "/admin/dashboard/ops/"), expect: (r) => page(r, null) },
  { name: "unknown group dashboard", req: (r) => get(r, "/admin/dashboard/nope/"), expect: (r) => (staff(r) ? 404 : "login") },
  { name: "change list", req: (r) => get(r, "/admin/shop/item/"), expect: (r) => page(r, "view") },
  { name: "change list of an unknown model", req: (r) => get(r, "/admin/shop/nothing/"), expect: (r) => (staff(r) ? 404 : "login") },
  { name: "add form", req: (r) => get(r, "/admin/shop/item/add/"), expect: (r) => page(r, "add") },
  {
    name: "change form",
    req: (r) => get(r, "/admin/shop/item/1/change/"),
    expect: (r) => page(r, "view"),
    // Django: the view-only user gets the form read-only, without a save button
    after: (r, body) => {
      if (!staff(r)) return;
      expect(body.includes('name="_continue"') || body.includes("_continue"), `save buttons for ${r}`).toBe(may(r, "change"));
    },
  },
  { name: "change form of a missing row", req: (r) => get(r, "/admin/shop/item/999999/change/"), expect: (r) => (staff(r) ? 404 : "login") },
  { name: "delete page", req: (r) => get(r, "/admin/shop/item/1/delete/"), expect: (r) => page(r, "delete") },
  { name: "history", req: (r) => get(r, "/admin/shop/item/1/history/"), expect: (r) => page(r, "view") },
  { name: "own timeline", req: (r) => get(r, `/admin/history/user/${ids[r]}/`), expect: (r) => page(r, null) },
  { name: "another user's timeline", req: (r) => get(r, `/admin/history/user/${ids.owner}/`), expect: (r) => (r === "superuser" ? 200 : staff(r) ? 403 : "login") },
  {
    name: "jobs list",
    req: (r) => get(r, "/admin/jobs/"),
    expect: (r) => page(r, null),
    // the user's own jobs, a superuser's too (everyone's are on "All jobs")
    after: (r, body) => {
      if (!staff(r)) return;
      expect(body.includes(ownJob[r]), `${r}'s own job listed`).toBe(true);
      expect(body.includes(otherJob.id), `another user's job listed for ${r}`).toBe(false);
    },
  },
  {
    name: "all jobs list",
    req: (r) => get(r, "/admin/jobs/all/"),
    expect: (r) => (r === "superuser" ? 200 : staff(r) ? 403 : "login"),
    after: (r, body) => {
      if (r === "superuser") expect(body.includes(otherJob.id), "another user's job on All jobs").toBe(true);
    },
  },
  {
    name: "custom page (site.page, permissionRequired view)",
    req: (r) => get(r, "/admin/reports/items/"),
    expect: (r) => page(r, "view"),
    // its sidebar entry is on the dashboard of those who may see it, only
    after: async (r) => {
      if (!staff(r)) return;
      expect((await (await jars[r].fetch("/admin/")).text()).includes('href="/admin/reports/items/"'), `${r}'s sidebar entry`).toBe(may(r, "view"));
    },
  },
  { name: "password change page", req: (r) => get(r, "/admin/password_change/"), expect: (r) => page(r, null) },
  // the Authentication screens (users, groups, tokens): superusers only, as Django's auth app under default permissions
  { name: "users screen", req: (r) => get(r, "/admin/auth/users/"), expect: (r) => (r === "superuser" ? 200 : staff(r) ? 403 : "login") },
  { name: "groups screen", req: (r) => get(r, "/admin/auth/groups/"), expect: (r) => (r === "superuser" ? 200 : staff(r) ? 403 : "login") },
  { name: "own job", req: (r) => get(r, `/admin/jobs/${ownJob[r]}/`), expect: (r) => page(r, null) },
  { name: "another user's job", req: (r) => get(r, `/admin/jobs/${otherJob.id}/`), expect: (r) => (r === "superuser" ? 200 : staff(r) ? 404 : "login") },
  // CSV: the import page needs add or change; a job's download is its owner's or a superuser's, and only an export's (none here: 404)
  { name: "import page", req: (r) => get(r, "/admin/shop/item/import/"), expect: (r) => (!staff(r) ? "login" : may(r, "add") || may(r, "change") ? 200 : 403) },
  { name: "own job's download (not an export)", req: (r) => get(r, `/admin/jobs/${ownJob[r]}/download`), expect: (r) => (staff(r) ? 404 : "login") },
  { name: "another user's job's download", req: (r) => get(r, `/admin/jobs/${otherJob.id}/download`), expect: (r) => (staff(r) ? 404 : "login") },
  {
    name: "action endpoint: touch (change permission)",
    async req(r) {
      actionRow = freshRow();
      const path = "/admin/shop/item/action/";
      const res = await jars[r].post(path, { _csrf: await csrfOf(r), action: "touch", _selected_action: String(actionRow) });
      return { res, body: await res.text(), path };
    },
    expect: (r) => (!staff(r) ? "login" : may(r, "change") ? 303 : 403),
    after: (r) => expect(row(actionRow)!.qty, `touched by ${r}`).toBe(actionRow + (may(r, "change") ? 1000 : 0)),
  },
  {
    name: "action endpoint: annotate (custom permission)",
    async req(r) {
      actionRow = freshRow();
      const path = "/admin/shop/item/action/";
      const res = await jars[r].post(path, { _csrf: await csrfOf(r), action: "annotate", _selected_action: String(actionRow) });
      return { res, body: await res.text(), path };
    },
    expect: (r) => (!staff(r) ? "login" : may(r, "annotate") ? 303 : 403),
    after: (r) => expect(row(actionRow)!.name, `annotated by ${r}`).toBe(may(r, "annotate") ? "annotated" : name(actionRow)),
  },
  {
    name: "action endpoint: delete_selected (asks for confirmation)",
    async req(r) {
      actionRow = freshRow();
      const path = "/admin/shop/item/action/";
      const res = await jars[r].post(path, { _csrf: await csrfOf(r), action: "delete_selected", _selected_action: String(actionRow) });
      return { res, body: await res.text(), path };
    },
    // those who may delete are told to confirm on the change list; the others are refused
    expect: (r) => (!staff(r) ? "login" : may(r, "delete") ? 400 : 403),
    after: () => expect(row(actionRow)).toBeDefined(),
  },
  {
    name: "change list formset POST (listEditable, no JavaScript)",
    writes: true,
    async req(r) {
      actionRow = freshRow();
      const path = "/admin/shop/item/";
      const res = await jars[r].post(path, { _csrf: await csrfOf(r), _save: "Save", "form-TOTAL_FORMS": "1", "form-0-id": String(actionRow), "form-0-qty": String(actionRow + 3000) });
      return { res, body: await res.text(), path };
    },
    // as Django's changelist_view: saving the formset needs the change permission (else 403)
    expect: (r) => (!staff(r) ? "login" : may(r, "change") ? 303 : 403),
    after: (r) => expect(row(actionRow)!.qty, `saved by ${r}`).toBe(actionRow + (may(r, "change") ? 3000 : 0)),
  },
  {
    name: "action endpoint without CSRF",
    async req(r) {
      actionRow = freshRow();
      const path = "/admin/shop/item/action/";
      const res = await jars[r].post(path, { action: "touch", _selected_action: String(actionRow) });
      return { res, body: await res.text(), path };
    },
    expect: (r) => (!staff(r) ? "login" : 403),
    after: () => expect(row(actionRow)!.qty).toBe(actionRow),
  },
  {
    name: "widgets API (bearer)",
    async req(r) {
      const path = "/admin/api/dashboard/widgets/";
      const res = await fetch(base + path, { headers: bearer[r] ? { authorization: `Bearer ${bearer[r]}` } : {} });
      return { res, body: await res.text(), path };
    },
    // a token of a non-staff user is as good as none
    expect: (r) => (staff(r) ? 200 : 401),
    after: (r, body) => {
      if (!staff(r)) return;
      const titles = (JSON.parse(body) as { widgets: Array<{ title: string }> }).widgets.map((w) => w.title);
      expect(titles, r).toEqual([...(may(r, "view") ? ["Items"] : []), ...(r === "superuser" ? ["Ops secret"] : [])]);
    },
  },
  {
    name: "login page",
    req: (r) => get(r, "/admin/login/"),
    // a staff user is sent on to the admin; anyone else gets the form
    expect: (r) => (staff(r) ? 302 : 200),
  },
  {
    name: "login POST (the role's credentials)",
    async req(r) {
      const jar = new Jar(base);
      const { csrf } = await loginPage(jar);
      const res = await jar.post("/admin/login/", { _csrf: csrf, username: r === "anonymous" ? "nobody-at-all" : r, password: `${r}-pass` });
      const body = await res.text();
      if (res.status === 302) expect((await jar.fetch("/admin/")).status, `${r} is in after logging in`).toBe(200);
      else expect((await jar.fetch("/admin/")).status).toBe(302);
      return { res, body, path: "/admin/login/" };
    },
    // Django's admin form: a non-staff user gets the wrong-password answer
    expect: (r) => (staff(r) ? 302 : 401),
  },
  {
    name: "logout POST",
    async req(r) {
      // a second session of the role, so the matrix's own stays logged in
      const jar = new Jar(base);
      await loginPage(jar);
      if (r === "nonstaff") await jar.fetch("/test/login-as", { method: "POST", body: JSON.stringify({ username: r, password: `${r}-pass` }), headers: { "content-type": "application/json" } });
      else if (staff(r)) await jar.post("/admin/login/", { _csrf: (await loginPage(jar)).csrf, username: r, password: `${r}-pass` });
      const csrf = staff(r) ? /name="_csrf" value="([^"]+)"/.exec(await (await jar.fetch("/admin/")).text())![1] : (await loginPage(jar)).csrf;
      const res = await jar.post("/admin/logout/", { _csrf: csrf });
      const body = await res.text();
      expect(res.headers.get("location")).toBe("/admin/login/?logged_out=1");
      expect(((await (await jar.fetch("/test/sid")).json()) as { sid: string | null }).sid, `${r}'s session ended`).toBeNull();
      return { res, body, path: "/admin/logout/" };
    },
    expect: () => 302,
  },
];

async function checkRoute(cell: RouteCell, role: Role): Promise<void> {
  const before = cell.name.startsWith("action endpoint") || cell.writes ? null : snapshot();
  const { res, body, path } = await cell.req(role);
  const want = cell.expect(role);
  const where = `${cell.name} as ${role}`;
  if (want === "login") {
    expect(res.status, where).toBe(302);
    expect(res.headers.get("location"), where).toBe(LOGIN(path));
  } else {
    expect(res.status, where).toBe(want);
    if (want === 302 && cell.name === "login page") expect(res.headers.get("location"), where).toBe("/admin/");
  }
  await cell.after?.(role, body);
  if (before !== null) expect(snapshot(), `${where} wrote nothing`).toBe(before);
  routeCells++;
  routeNames.add(cell.name);
}

describe("HTTP routes × roles", () => {
  beforeAll(async () => {
    for (const r of ROLES) ownJob[r] = await job(ids[r]);
    otherJob.id = await job(ids.owner);
    // the lists read the job history: wait for the rows (written just after the records)
    for (const id of [...Object.values(ownJob), otherJob.id]) {
      for (let i = 0; !(await site.jobHistory.get(id)) && i < 500; i++) await new Promise((r) => setTimeout(r, 20));
    }
  });
  for (const cell of ROUTES) {
    it(cell.name, async () => {
      for (const role of ROLES) await checkRoute(cell, role);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// LiveView events

interface EventCell {
  name: string;
  /** the page to join and its view (lv-view id suffix); `row` is the cell's fresh row */
  path(row: number, role: Role): string | Promise<string>;
  view: string;
  /** may the role join the view? */
  joins(role: Role): boolean;
  /** may the role's event take effect? (only asked when it joins) */
  allowed(role: Role): boolean;
  /** sends the event(s) */
  act(l: Live, row: number, role: Role): Promise<void>;
  /** did the event take effect? */
  effect(l: Live, row: number, role: Role): boolean | Promise<boolean>;
}

const listJoin = (r: Role) => may(r, "view");
const list = (id: number) => `/admin/shop/item/?q=${name(id)}`;
const selectRow = async (l: Live, id: number) => {
  await l.event("select", { pk: String(id) });
};
const cellJobs = new Map<string, string>();
/** the user each role's "delete a user" cell tries to delete */
const victims = new Map<string, number>();
const pksOf = (html: string) => [...html.matchAll(/<tr data-pk="(\d+)"/g)].map((m) => m[1]);
let unsorted: string[] = [];

const EVENTS: EventCell[] = [
  {
    name: "change list: search",
    path: (id) => list(id),
    view: "changelist",
    joins: listJoin,
    allowed: listJoin,
    act: async (l, id) => {
      await l.event("search", { q: name(id + 1) });
      // the patch's handleParams reads through the read pool after the reply: a second event of the
      // view is queued behind it, so its reply means the patch (if any) was sent
      await l.event("cancel");
    },
    effect: (l, id) => l.c.frames.some((f) => f[0] === "t" && f[1] === l.ref && f[2] === list(id + 1)),
  },
  {
    name: "change list: sort",
    path: () => "/admin/shop/item/",
    view: "changelist",
    joins: listJoin,
    allowed: listJoin,
    async act(l) {
      unsorted = pksOf(l.html());
      await l.patch("/admin/shop/item/?sort=-qty");
    },
    // the rows come in another order (qty descending)
    effect: (l) => {
      const now = pksOf(l.html());
      return now.length > 0 && unsorted.length > 0 && now.join() !== unsorted.join();
    },
  },
  {
    name: "change list: select",
    path: (id) => list(id),
    view: "changelist",
    joins: listJoin,
    allowed: listJoin,
    act: (l, id) => selectRow(l, id),
    effect: (l, id) => l.html().includes(`<tr data-pk="${id}" class="selected">`),
  },
  {
    name: "change list: selectAll",
    path: (id) => list(id),
    view: "changelist",
    joins: listJoin,
    allowed: listJoin,
    act: async (l) => void (await l.event("selectAll")),
    effect: (l, id) => l.html().includes(`<tr data-pk="${id}" class="selected">`),
  },
  {
    name: "change list: action + confirm delete_selected",
    path: (id) => list(id),
    view: "changelist",
    joins: listJoin,
    allowed: (r) => may(r, "delete"),
    async act(l, id, r) {
      await selectRow(l, id);
      const html = await l.event("action", { action: "delete_selected" });
      expect(html.includes("Are you sure") || html.includes("confirm"), `the confirmation for ${r}`).toBe(may(r, "delete"));
      await l.event("confirm", { action: "delete_selected" });
    },
    effect: (_l, id) => row(id) === undefined,
  },
  {
    name: "change list: action + confirm touch (change permission)",
    path: (id) => list(id),
    view: "changelist",
    joins: listJoin,
    allowed: (r) => may(r, "change"),
    async act(l, id) {
      await selectRow(l, id);
      await l.event("action", { action: "touch" });
      await l.event("confirm", { action: "touch" });
    },
    effect: (_l, id) => row(id)!.qty === id + 1000,
  },
  {
    name: "change list: action + confirm annotate (custom permission)",
    path: (id) => list(id),
    view: "changelist",
    joins: listJoin,
    allowed: (r) => may(r, "annotate"),
    async act(l, id) {
      await selectRow(l, id);
      await l.event("action", { action: "annotate" });
      await l.event("confirm", { action: "annotate" });
    },
    effect: (_l, id) => row(id)!.name === "annotated",
  },
  {
    name: "change list: list_edit (listEditable)",
    path: (id) => list(id),
    view: "changelist",
    joins: listJoin,
    allowed: (r) => may(r, "change"),
    act: async (l, id) => void (await l.event("list_edit", { "form-TOTAL_FORMS": "1", "form-0-id": String(id), "form-0-qty": String(id + 1) })),
    effect: (l) => l.html().includes("1 unsaved row"),
  },
  {
    name: "change list: list_save (listEditable)",
    path: (id) => list(id),
    view: "changelist",
    joins: listJoin,
    allowed: (r) => may(r, "change"),
    act: async (l, id) => void (await l.event("list_save", { "form-TOTAL_FORMS": "1", "form-0-id": String(id), "form-0-qty": String(id + 2000) })),
    effect: (_l, id) => row(id)!.qty === id + 2000,
  },
  {
    name: "change form: validate",
    path: (id) => `/admin/shop/item/${id}/change/`,
    view: "changeform",
    joins: listJoin,
    allowed: (r) => may(r, "change"),
    act: async (l, id) => void (await l.event("validate", { name: "", qty: String(id), _target: "name" })),
    effect: (l) => l.html().includes("This field is required."),
  },
  {
    name: "change form: save",
    path: (id) => `/admin/shop/item/${id}/change/`,
    view: "changeform",
    joins: listJoin,
    allowed: (r) => may(r, "change"),
    act: async (l, id) => void (await l.event("save", { name: `saved-${id}`, qty: "7" })),
    effect: (l, id) => row(id)!.name === `saved-${id}` && l.redirect() === `/admin/shop/item/?saved=${id}`,
  },
  {
    name: "change form: save and continue",
    path: (id) => `/admin/shop/item/${id}/change/`,
    view: "changeform",
    joins: listJoin,
    allowed: (r) => may(r, "change"),
    act: async (l, id) => void (await l.event("save", { name: `cont-${id}`, qty: "7", _continue: "" })),
    effect: (l, id) => row(id)!.name === `cont-${id}` && l.html().includes("You may edit it again below."),
  },
  {
    name: "add form: validate",
    path: () => "/admin/shop/item/add/",
    view: "changeform-add",
    joins: (r) => may(r, "add"),
    allowed: (r) => may(r, "add"),
    act: async (l) => void (await l.event("validate", { name: "", qty: "1", _target: "name" })),
    effect: (l) => l.html().includes("This field is required."),
  },
  {
    name: "add form: save",
    path: () => "/admin/shop/item/add/",
    view: "changeform-add",
    joins: (r) => may(r, "add"),
    allowed: (r) => may(r, "add"),
    act: async (l, id, r) => void (await l.event("save", { name: `added-${r}-${id}`, qty: "1" })),
    effect: (_l, id, r) => (sqlite.prepare("select count(*) n from items where name = ?").get(`added-${r}-${id}`) as { n: number }).n === 1,
  },
  {
    name: "delete page: confirm",
    path: (id) => `/admin/shop/item/${id}/delete/`,
    view: "delete",
    joins: (r) => may(r, "delete"),
    allowed: (r) => may(r, "delete"),
    act: async (l) => void (await l.event("confirm")),
    effect: (_l, id) => row(id) === undefined,
  },
  {
    name: "custom page (site.page): an event",
    path: () => "/admin/reports/items/",
    view: "page-reports-items",
    joins: listJoin,
    allowed: listJoin,
    act: async (l) => void (await l.event("bump")),
    effect: (l) => l.html().includes("bumped 1"),
  },
  {
    name: "users screen: add a user",
    path: () => "/admin/auth/users/",
    view: "page-auth-users",
    joins: (r) => r === "superuser",
    allowed: (r) => r === "superuser",
    act: async (l, _id, r) => void (await l.event("create", { username: `made-by-${r}`, password1: "made-pass-123", password2: "made-pass-123", is_staff: "on" })),
    effect: async (_l, _id, r) => (await site.users.getUserByUsername(`made-by-${r}`)) !== null,
  },
  {
    name: "users screen: delete a user (after the confirmation)",
    async path(_id, r) {
      victims.set(r, (await site.users.createUser({ username: `victim-of-${r}`, password: "victim-pass-1", isStaff: true })).id);
      return "/admin/auth/users/";
    },
    view: "page-auth-users",
    joins: (r) => r === "superuser",
    allowed: (r) => r === "superuser",
    async act(l, _id, r) {
      await l.event("delete_ask", { id: String(victims.get(r)) });
      await l.event("delete_confirm", { id: String(victims.get(r)) });
    },
    effect: async (_l, _id, r) => (await site.users.getUser(victims.get(r)!)) === null,
  },
  {
    name: "groups screen: add a group",
    path: () => "/admin/auth/groups/",
    view: "page-auth-groups",
    joins: (r) => r === "superuser",
    allowed: (r) => r === "superuser",
    act: async (l, _id, r) => void (await l.event("create", { name: `group-of-${r}` })),
    effect: async (_l, _id, r) => (await site.users.getGroup(`group-of-${r}`)) !== null,
  },
  {
    name: "password change: change (a refused attempt: its field errors)",
    path: () => "/admin/password_change/",
    view: "password-change",
    joins: staff,
    allowed: staff,
    act: async (l) => void (await l.event("change", { old_password: "wrong-old-password", new_password1: "x", new_password2: "y" })),
    effect: (l) => l.html().includes("Your old password was entered incorrectly"),
  },
  {
    name: "own job page: cancel",
    async path(_id, r) {
      const id = await job(ids[r]);
      cellJobs.set(`own-${r}`, id);
      return `/admin/jobs/${id}/`;
    },
    view: "job",
    joins: staff,
    allowed: staff,
    act: async (l) => void (await l.event("cancel")),
    effect: async (_l, _id, r) => (await site.jobs.get(cellJobs.get(`own-${r}`)!))!.cancelRequested,
  },
  {
    name: "another user's job page: cancel",
    async path(_id, r) {
      const id = await job(ids.owner);
      cellJobs.set(`other-${r}`, id);
      return `/admin/jobs/${id}/`;
    },
    view: "job",
    joins: (r) => r === "superuser",
    allowed: (r) => r === "superuser",
    act: async (l) => void (await l.event("cancel")),
    effect: async (_l, _id, r) => (await site.jobs.get(cellJobs.get(`other-${r}`)!))!.cancelRequested,
  },
];

async function checkEvent(cell: EventCell, role: Role): Promise<void> {
  const id = freshRow();
  const where = `${cell.name} as ${role}`;
  const l = await joinAs(role, await cell.path(id, role), cell.view);
  try {
    const rowsBefore = snapshot();
    const jobsBefore = JSON.stringify(await site.jobs.list({ limit: 500 }));
    if (!cell.joins(role)) {
      expect(l.refused, `${where}: the join is refused`).toBe("unauthorized");
      expect(l.html(), where).toBe("");
      // an event on the refused view goes nowhere
      const seq = l.c.event(l.ref, "noop-after-refusal", {});
      await l.c.until(() => l.c.find((f) => f[0] === "!" && f[4] === seq), "the refusal of an event on an unjoined view");
      await cell.act(l, id, role).catch(() => undefined);
    } else {
      expect(l.refused, `${where}: joins`).toBeUndefined();
      await cell.act(l, id, role);
    }
    const ok = cell.joins(role) && cell.allowed(role);
    expect(await cell.effect(l, id, role), `${where}: the effect`).toBe(ok);
    if (!ok) {
      expect(snapshot(), `${where}: nothing written`).toBe(rowsBefore);
      const jobsAfter = JSON.stringify(await site.jobs.list({ limit: 500 }));
      expect(jobsAfter, `${where}: no job changed`).toBe(jobsBefore);
    }
  } finally {
    l.leave();
  }
  eventCells++;
  eventNames.add(cell.name);
}

describe("LiveView events × roles", () => {
  for (const cell of EVENTS) {
    it(cell.name, async () => {
      for (const role of ROLES) await checkEvent(cell, role);
    });
  }
  it("the table grew no rows but the ones the allowed cells added", () => {
    const added = ROLES.filter((r) => may(r, "add")).length;
    const deleted = 2 * ROLES.filter((r) => may(r, "delete")).length;
    expect(countItems()).toBe(N_ITEMS + added - deleted);
  });
});

// Session authority (issue 10): a socket opened while the role had access loses it with the
// access. Fresh users with each staff role's permissions, so the shared users above stay as they are.
describe("open sockets when access ends × staff roles", () => {
  for (const role of ROLES.filter(staff)) {
    it(`${role}: logout closes the change list's socket (4403); is_staff = 0 stops the view (unauthorized)`, async () => {
      const user = await site.users.createUser({ username: `${role}late`, password: "late-pass-123", isStaff: true, isSuperuser: role === "superuser" });
      if (role !== "superuser") for (const p of PERMS[role] ?? []) await site.users.grant(user, `shop.${p}_item`);
      const open = async () => {
        const jar = await login(base, user.username, { password: "late-pass-123" });
        return { jar, c: (await openView(jar, `${base}/admin/shop/item/`, "admin-changelist", { ref: 1, sockets })).c };
      };
      const a = await open();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await a.jar.fetch("/admin/")).text())![1];
      expect((await a.jar.post("/admin/logout/", { _csrf: csrf })).status).toBe(302);
      await a.c.until(() => a.c.closed, "the socket closed");
      expect(a.c.closed!.code).toBe(4403);
      const b = await open();
      await site.users.update(user.id, { isStaff: false });
      await b.c.until(() => b.c.frames.find((f) => f[0] === "!" && f[1] === 1 && f[2] === "unauthorized"), "the view stopped");
      revocationCells += 2;
    });
  }
});
