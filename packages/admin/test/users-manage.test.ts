// The user screen's rename, delete and inherited permissions (users/users-view.ts) on both
// engines: a rename is unique and audited; delete asks first, refuses oneself, ends the user's
// sessions through the store (their open live page is closed) and is audited; permissions held
// through groups show read-only beside the boxes ("via Editors") and are never granted directly.
import { beforeAll, describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { adminTablesFor } from "../src/auth/tables.js";
import { qb } from "../src/query/dialect/index.js";
import { login, openView, useAdminServer } from "./support.js";
import { ENGINES, openShop, type Shop } from "./support/engines.js";

describe.each(ENGINES)("user screen: rename, delete, inherited permissions on %s", (engine) => {
  let shop: Shop;
  let site: AdminSite;
  const server = useAdminServer(() => shop?.close());

  beforeAll(async () => {
    shop = await openShop(engine);
    site = new AdminSite({ db: shop.db });
    site.register(shop.orders, { app: "shop", name: "order", listDisplay: ["number", "status"] });
    await site.users.createUser({ username: "root", password: "root-pass", isStaff: true, isSuperuser: true });
    for (const name of ["clerk", "other"]) {
      const u = await site.users.createUser({ username: name, password: `${name}-pass`, isStaff: true });
      await site.users.grant(u, "shop.view_order");
    }
    await server.start(site);
  }, 60_000);

  const audit = async () => {
    const rows = (await qb(shop.db).select().from(adminTablesFor(shop.db).weftAuditLog).orderBy(adminTablesFor(shop.db).weftAuditLog.id)) as Array<{ action: string; model: string; objectRepr: string; changes: unknown }>;
    return rows.map((r) => ({ ...r, changes: typeof r.changes === "string" ? JSON.parse(r.changes) : r.changes }));
  };

  async function open() {
    const jar = await login(server.base, "root");
    const { c, first } = await openView(jar, `${server.base}/admin/auth/users/`, "admin-page-auth-users", { ref: 1, sockets: server.sockets });
    const ev = async (name: string, payload: object = {}) => {
      await c.reply(c.event(1, name, payload));
      return c.html.get(1)!;
    };
    return { c, first, ev };
  }

  it("renames a user: unique, valid, audited; the new name logs in", async () => {
    const u = (await site.users.getUserByUsername("other"))!;
    const { ev } = await open();
    let html = await ev("select", { id: String(u.id) });
    expect(html).toContain(`<input id="id_username" name="username" value="other"`);
    const form = { id: String(u.id), is_active: "on", is_staff: "on", "perm:shop.view_order": "on" };
    html = await ev("save", { ...form, username: "clerk" });
    expect(html).toContain("username &quot;clerk&quot; is taken");
    html = await ev("save", { ...form, username: "no spaces!" });
    expect(html).toContain("invalid username");
    expect((await site.users.getUser(u.id))!.username).toBe("other");
    html = await ev("save", { ...form, username: "renamed" });
    expect(html).toContain("The user “renamed” was changed.");
    expect((await site.users.getUser(u.id))!.username).toBe("renamed");
    const last = (await audit()).at(-1)!;
    expect(last).toMatchObject({ action: "change", model: "auth.user", objectRepr: "renamed" });
    expect(JSON.stringify(last.changes)).toContain('"username":["other","renamed"]');
    await login(server.base, "renamed", { password: "other-pass" });
  });

  it("shows permissions held through groups read-only, marked with the group", async () => {
    const clerk = (await site.users.getUserByUsername("clerk"))!;
    const g = await site.users.createGroup("Editors");
    await site.users.grant(g, "shop.change_order");
    await site.users.grant(g, "reports.view_sales");
    await site.users.addToGroup(clerk, g);
    const { ev } = await open();
    const html = await ev("select", { id: String(clerk.id) });
    // not ticked (not granted directly), marked as held via the group
    expect(html).toContain('name="perm:shop.change_order">');
    expect(html).toMatch(/data-via="shop\.change_order"[^>]*>✓ via Editors</);
    // outside the catalogue: listed under Other, unticked, with its group
    expect(html).toContain('name="perm:reports.view_sales">');
    expect(html).toMatch(/data-via="reports\.view_sales"[^>]*>✓ via Editors</);
    // the direct grant stays a ticked box without a mark
    expect(html).toContain('name="perm:shop.view_order" checked');
    expect(html).not.toContain('data-via="shop.view_order"');
    // saving the form as shown grants nothing directly
    await ev("save", { id: String(clerk.id), username: "clerk", is_active: "on", is_staff: "on", [`group:${g.id}`]: "on", "perm:shop.view_order": "on" });
    const t = adminTablesFor(shop.db);
    const direct = await qb(shop.db).select().from(t.weftUserPermissions);
    expect(direct.filter((r) => r.userId === clerk.id).map((r) => r.permission)).toEqual(["shop.view_order"]);
  });

  it("deletes a user after confirmation, never oneself; their live page closes; audited", async () => {
    const root = (await site.users.getUserByUsername("root"))!;
    const clerk = (await site.users.getUserByUsername("clerk"))!;
    // the clerk has the order list open
    const cj = await login(server.base, "clerk");
    const { c: clerkSocket } = await openView(cj, `${server.base}/admin/shop/order/`, "admin-changelist", { ref: 1, sockets: server.sockets });
    const { ev } = await open();
    let html = await ev("select", { id: String(root.id) });
    expect(html).not.toContain("Delete user…");
    html = await ev("delete_ask", { id: String(root.id) });
    expect(html).toContain("You cannot delete yourself");
    html = await ev("delete_confirm", { id: String(root.id) });
    expect(html).toContain("You cannot delete yourself");
    html = await ev("select", { id: String(clerk.id) });
    expect(html).toContain("Delete user…");
    // a confirmation never asked for deletes nothing
    html = await ev("delete_confirm", { id: String(clerk.id) });
    expect(html).toContain("no longer current; nothing was deleted");
    expect(await site.users.getUser(clerk.id)).not.toBeNull();
    html = await ev("delete_ask", { id: String(clerk.id) });
    expect(html).toContain("Delete the user “clerk”?");
    html = await ev("delete_cancel");
    expect(html).not.toContain("Delete the user “clerk”?");
    await ev("delete_ask", { id: String(clerk.id) });
    html = await ev("delete_confirm", { id: String(clerk.id) });
    expect(html).toContain("The user “clerk” was deleted; their sessions were signed out.");
    expect(html).not.toContain('data-user="clerk"');
    expect(await site.users.getUser(clerk.id)).toBeNull();
    await clerkSocket.until(() => clerkSocket.closed !== undefined || clerkSocket.frames.some((f) => f[0] === "x" || f[0] === "!"), "the clerk's page closed");
    const res = await cj.fetch("/admin/shop/order/", { redirect: "manual" });
    expect(res.status).toBe(302);
    expect((await audit()).at(-1)).toMatchObject({ action: "delete", model: "auth.user", objectRepr: "clerk" });
    // a forged id
    html = await ev("delete_ask", { id: "999999" });
    expect(html).toContain("That user no longer exists.");
  });
});
