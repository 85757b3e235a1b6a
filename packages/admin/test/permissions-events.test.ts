/**
 * The admin's permission matrix, LiveView events: every admin LiveView event that reads or
 * writes (change list, change and add forms, delete page, a custom page, the users and groups
 * screens, password change, job pages) for six roles (anonymous, an active non-staff user,
 * view-only staff, change staff, delete staff, superuser), each cell asserting the exact outcome
 * derived from Django admin's semantics (each cell's `joins` / `allowed`), not from the code. A
 * role that cannot GET a page still tries to join it, with a validly signed token for ITS
 * session (as a token kept from before a permission was revoked would be): the join must be
 * refused; a refused event writes nothing and changes no job. Every socket cell joins its own
 * view and leaves; at the end the table holds exactly the rows the allowed cells added and not
 * those they deleted.
 * (Site, roles and users: support/permissions-matrix/. Routes: permissions-routes.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { ENGINES } from "./support/engines.js";
import { ROLES, may, staff, useMatrix, type Perm, type Role } from "./support/permissions-matrix/fixture.js";
import { joiner, type Live } from "./support/permissions-matrix/join.js";
import { N_ITEMS, itemName } from "./support/permissions-matrix/site.js";

describe.each(ENGINES)("%s", (engine) => {
  let eventCells = 0;
  const eventNames = new Set<string>();
  const m = useMatrix(engine, () => `permission cells checked (LiveView events): ${eventCells} (events ${eventNames.size} × ${ROLES.length} roles)`);
  const { ids, freshRow, row, snapshot, countItems, countNamed, job } = m;
  const joinAs = joiner(m);

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
  const list = (id: number) => `/admin/shop/item/?q=${itemName(id)}`;
  const selectRow = async (l: Live, id: number) => {
    await l.event("select", { pk: String(id) });
  };
  const cellJobs = new Map<string, string>();
  /** the user each role's "delete a user" cell tries to delete */
  const victims = new Map<string, number>();
  const pksOf = (html: string) => [...html.matchAll(/<tr data-pk="(\d+)"/g)].map((x) => x[1]);
  let unsorted: string[] = [];
  /** a change list cell on its row's search, joined by those who may view items */
  const listCell = (cell: Pick<EventCell, "name" | "allowed" | "act" | "effect">): EventCell => ({ path: (id) => list(id), view: "changelist", joins: listJoin, ...cell });
  /** a change list cell that selects its row and runs `action` (which needs `perm`), confirming it */
  const actionCell = (name: string, action: string, perm: Perm, effect: EventCell["effect"]): EventCell =>
    listCell({
      name,
      allowed: (r) => may(r, perm),
      async act(l, id) {
        await selectRow(l, id);
        await l.event("action", { action });
        await l.event("confirm", { action });
      },
      effect,
    });

  const EVENTS: EventCell[] = [
    listCell({
      name: "change list: search",
      allowed: listJoin,
      act: async (l, id) => {
        await l.event("search", { q: itemName(id + 1) });
        // the patch's handleParams reads through the read pool after the reply: a second event of the
        // view is queued behind it, so its reply means the patch (if any) was sent
        await l.event("cancel");
      },
      effect: (l, id) => l.c.frames.some((f) => f[0] === "t" && f[1] === l.ref && f[2] === list(id + 1)),
    }),
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
    listCell({
      name: "change list: select",
      allowed: listJoin,
      act: (l, id) => selectRow(l, id),
      effect: (l, id) => l.html().includes(`<tr data-pk="${id}" class="selected">`),
    }),
    listCell({
      name: "change list: selectAll",
      allowed: listJoin,
      act: async (l) => void (await l.event("selectAll")),
      effect: (l, id) => l.html().includes(`<tr data-pk="${id}" class="selected">`),
    }),
    listCell({
      name: "change list: action + confirm delete_selected",
      allowed: (r) => may(r, "delete"),
      async act(l, id, r) {
        await selectRow(l, id);
        const html = await l.event("action", { action: "delete_selected" });
        expect(html.includes("Are you sure") || html.includes("confirm"), `the confirmation for ${r}`).toBe(may(r, "delete"));
        await l.event("confirm", { action: "delete_selected" });
      },
      effect: async (_l, id) => (await row(id)) === undefined,
    }),
    actionCell("change list: action + confirm touch (change permission)", "touch", "change", async (_l, id) => (await row(id))!.qty === id + 1000),
    actionCell("change list: action + confirm annotate (custom permission)", "annotate", "annotate", async (_l, id) => (await row(id))!.name === "annotated"),
    listCell({
      name: "change list: list_edit (listEditable)",
      allowed: (r) => may(r, "change"),
      act: async (l, id) => void (await l.event("list_edit", { "form-TOTAL_FORMS": "1", "form-0-id": String(id), "form-0-qty": String(id + 1) })),
      effect: (l) => l.html().includes("1 unsaved row"),
    }),
    listCell({
      name: "change list: list_save (listEditable)",
      allowed: (r) => may(r, "change"),
      act: async (l, id) => void (await l.event("list_save", { "form-TOTAL_FORMS": "1", "form-0-id": String(id), "form-0-qty": String(id + 2000) })),
      effect: async (_l, id) => (await row(id))!.qty === id + 2000,
    }),
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
      effect: async (l, id) => (await row(id))!.name === `saved-${id}` && l.redirect() === `/admin/shop/item/?saved=${id}`,
    },
    {
      name: "change form: save and continue",
      path: (id) => `/admin/shop/item/${id}/change/`,
      view: "changeform",
      joins: listJoin,
      allowed: (r) => may(r, "change"),
      act: async (l, id) => void (await l.event("save", { name: `cont-${id}`, qty: "7", _continue: "" })),
      effect: async (l, id) => (await row(id))!.name === `cont-${id}` && l.html().includes("You may edit it again below."),
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
      effect: async (_l, id, r) => (await countNamed(`added-${r}-${id}`)) === 1,
    },
    {
      name: "delete page: confirm",
      path: (id) => `/admin/shop/item/${id}/delete/`,
      view: "delete",
      joins: (r) => may(r, "delete"),
      allowed: (r) => may(r, "delete"),
      act: async (l) => void (await l.event("confirm")),
      effect: async (_l, id) => (await row(id)) === undefined,
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
      effect: async (_l, _id, r) => (await m.site.users.getUserByUsername(`made-by-${r}`)) !== null,
    },
    {
      name: "users screen: delete a user (after the confirmation)",
      async path(_id, r) {
        victims.set(r, (await m.site.users.createUser({ username: `victim-of-${r}`, password: "victim-pass-1", isStaff: true })).id);
        return "/admin/auth/users/";
      },
      view: "page-auth-users",
      joins: (r) => r === "superuser",
      allowed: (r) => r === "superuser",
      async act(l, _id, r) {
        await l.event("delete_ask", { id: String(victims.get(r)) });
        await l.event("delete_confirm", { id: String(victims.get(r)) });
      },
      effect: async (_l, _id, r) => (await m.site.users.getUser(victims.get(r)!)) === null,
    },
    {
      name: "groups screen: add a group",
      path: () => "/admin/auth/groups/",
      view: "page-auth-groups",
      joins: (r) => r === "superuser",
      allowed: (r) => r === "superuser",
      act: async (l, _id, r) => void (await l.event("create", { name: `group-of-${r}` })),
      effect: async (_l, _id, r) => (await m.site.users.getGroup(`group-of-${r}`)) !== null,
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
      effect: async (_l, _id, r) => (await m.site.jobs.get(cellJobs.get(`own-${r}`)!))!.cancelRequested,
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
      effect: async (_l, _id, r) => (await m.site.jobs.get(cellJobs.get(`other-${r}`)!))!.cancelRequested,
    },
  ];

  async function checkEvent(cell: EventCell, role: Role): Promise<void> {
    const id = freshRow();
    const where = `${cell.name} as ${role}`;
    const l = await joinAs(role, await cell.path(id, role), cell.view);
    try {
      const rowsBefore = await snapshot();
      const jobsBefore = JSON.stringify(await m.site.jobs.list({ limit: 500 }));
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
        expect(await snapshot(), `${where}: nothing written`).toBe(rowsBefore);
        const jobsAfter = JSON.stringify(await m.site.jobs.list({ limit: 500 }));
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
    it("the table grew no rows but the ones the allowed cells added", async () => {
      const added = ROLES.filter((r) => may(r, "add")).length;
      const deleted = 2 * ROLES.filter((r) => may(r, "delete")).length;
      expect(await countItems()).toBe(N_ITEMS + added - deleted);
    });
  });
});
