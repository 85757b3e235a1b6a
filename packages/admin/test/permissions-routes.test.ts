/**
 * The admin's permission matrix, HTTP routes: every admin route that reads or writes (pages,
 * the action endpoint, the listEditable formset POST, downloads, the widget API, login and
 * logout) for six roles (anonymous, an active non-staff user, view-only staff, change staff,
 * delete staff, superuser), each cell asserting the exact outcome. The expected set is derived
 * from Django admin's semantics (see `page` and each cell's `expect`), not from the code:
 * anonymous and non-staff users never get into the admin (login redirect), view shows, change
 * writes, add and delete are separate, a custom action needs its custom permission, the
 * superuser may do everything, and a job is its owner's or a superuser's (anyone else: 404, as
 * for a random id). A cell that may not write leaves the items table as it was.
 * (Site, roles and users: support/permissions-matrix/. Events: permissions-events.test.ts.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Jar, loginPage } from "./support.js";
import { ENGINES } from "./support/engines.js";
import { LOGIN, ROLES, may, staff, useMatrix, type Perm, type Role } from "./support/permissions-matrix/fixture.js";
import { N_ITEMS, itemName } from "./support/permissions-matrix/site.js";

describe.each(ENGINES)("%s", (engine) => {
  let routeCells = 0;
  const routeNames = new Set<string>();
  const m = useMatrix(engine, () => `permission cells checked (HTTP routes): ${routeCells} (routes ${routeNames.size} × ${ROLES.length} roles)`);
  const { jars, ids, bearer, freshRow, row, snapshot, csrfOf, job } = m;

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
  /** POSTs the action endpoint as `role`: `action` on a fresh row (`actionRow`), with the shell's CSRF token unless `csrf` is false */
  async function postAction(role: Role, action: string, o: { csrf?: false } = {}) {
    actionRow = freshRow();
    const path = "/admin/shop/item/action/";
    const res = await jars[role].post(path, { ...(o.csrf === false ? {} : { _csrf: await csrfOf(role) }), action, _selected_action: String(actionRow) });
    return { res, body: await res.text(), path };
  }

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
      req: (r) => postAction(r, "touch"),
      expect: (r) => (!staff(r) ? "login" : may(r, "change") ? 303 : 403),
      after: async (r) => expect((await row(actionRow))!.qty, `touched by ${r}`).toBe(actionRow + (may(r, "change") ? 1000 : 0)),
    },
    {
      name: "action endpoint: annotate (custom permission)",
      req: (r) => postAction(r, "annotate"),
      expect: (r) => (!staff(r) ? "login" : may(r, "annotate") ? 303 : 403),
      after: async (r) => expect((await row(actionRow))!.name, `annotated by ${r}`).toBe(may(r, "annotate") ? "annotated" : itemName(actionRow)),
    },
    {
      name: "action endpoint: delete_selected (asks for confirmation)",
      req: (r) => postAction(r, "delete_selected"),
      // those who may delete are told to confirm on the change list; the others are refused
      expect: (r) => (!staff(r) ? "login" : may(r, "delete") ? 400 : 403),
      after: async () => expect(await row(actionRow)).toBeDefined(),
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
      after: async (r) => expect((await row(actionRow))!.qty, `saved by ${r}`).toBe(actionRow + (may(r, "change") ? 3000 : 0)),
    },
    {
      name: "action endpoint without CSRF",
      req: (r) => postAction(r, "touch", { csrf: false }),
      expect: (r) => (!staff(r) ? "login" : 403),
      after: async () => expect((await row(actionRow))!.qty).toBe(actionRow),
    },
    {
      name: "widgets API (bearer)",
      async req(r) {
        const path = "/admin/api/dashboard/widgets/";
        const res = await fetch(m.base + path, { headers: bearer[r] ? { authorization: `Bearer ${bearer[r]}` } : {} });
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
        const jar = new Jar(m.base);
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
        const jar = new Jar(m.base);
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
    const before = cell.name.startsWith("action endpoint") || cell.writes ? null : await snapshot();
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
    if (before !== null) expect(await snapshot(), `${where} wrote nothing`).toBe(before);
    routeCells++;
    routeNames.add(cell.name);
  }

  describe("HTTP routes × roles", () => {
    beforeAll(async () => {
      for (const r of ROLES) ownJob[r] = await job(ids[r]);
      otherJob.id = await job(ids.owner);
      // the lists read the job history: wait for the rows (written just after the records)
      for (const id of [...Object.values(ownJob), otherJob.id]) {
        for (let i = 0; !(await m.site.jobHistory.get(id)) && i < 500; i++) await new Promise((r) => setTimeout(r, 20));
      }
    });
    for (const cell of ROUTES) {
      it(cell.name, async () => {
        for (const role of ROLES) await checkRoute(cell, role);
      });
    }
    // the cells that may write change single rows (their `after` checks which): none adds or deletes one
    it("the table grew no rows but the ones the allowed cells added", async () => {
      expect(await m.countItems()).toBe(N_ITEMS);
    });
  });
});
