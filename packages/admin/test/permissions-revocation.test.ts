/**
 * The admin's permission matrix, open sockets when access ends (session authority, issue 10): a
 * change list's socket opened while a staff role had access loses it with the access: logout
 * closes it (4403); is_staff = 0 stops the view (unauthorized). Fresh users with each staff
 * role's permissions, so the matrix's shared users stay as they are.
 * (Site, roles and users: support/permissions-matrix/.)
 */
import { describe, expect, it } from "vitest";
import { login, openView } from "./support.js";
import { ENGINES } from "./support/engines.js";
import { PERMS, ROLES, staff, useMatrix } from "./support/permissions-matrix/fixture.js";

describe.each(ENGINES)("%s", (engine) => {
  let revocationCells = 0;
  const m = useMatrix(engine, () => `open sockets when access ends: ${revocationCells}`);
  const { sockets } = m;

  describe("open sockets when access ends × staff roles", () => {
    for (const role of ROLES.filter(staff)) {
      it(`${role}: logout closes the change list's socket (4403); is_staff = 0 stops the view (unauthorized)`, async () => {
        const user = await m.site.users.createUser({ username: `${role}late`, password: "late-pass-123", isStaff: true, isSuperuser: role === "superuser" });
        if (role !== "superuser") for (const p of PERMS[role] ?? []) await m.site.users.grant(user, `shop.${p}_item`);
        const open = async () => {
          const jar = await login(m.base, user.username, { password: "late-pass-123" });
          return { jar, c: (await openView(jar, `${m.base}/admin/shop/item/`, "admin-changelist", { ref: 1, sockets })).c };
        };
        const a = await open();
        const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await a.jar.fetch("/admin/")).text())![1];
        expect((await a.jar.post("/admin/logout/", { _csrf: csrf })).status).toBe(302);
        await a.c.until(() => a.c.closed, "the socket closed");
        expect(a.c.closed!.code).toBe(4403);
        const b = await open();
        await m.site.users.update(user.id, { isStaff: false });
        await b.c.until(() => b.c.frames.find((f) => f[0] === "!" && f[1] === 1 && f[2] === "unauthorized"), "the view stopped");
        revocationCells += 2;
      });
    }
  });
});
