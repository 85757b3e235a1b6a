// loginCookie (@weft/admin/testing): a login through the admin's real form gives the cookie of a
// signed-in user; refused credentials and a page without the form throw WEFT_ADMIN_ERR_TEST_LOGIN.
import { beforeAll, describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { loginCookie } from "../src/testing/index.js";
import { useAdminServer } from "./support.js";
import { ENGINES, openShop, type Shop } from "./support/engines.js";

describe("loginCookie", () => {
  let shop: Shop;
  const server = useAdminServer(() => shop?.close());

  beforeAll(async () => {
    shop = await openShop(ENGINES[0]);
    const site = new AdminSite({ db: shop.db });
    site.register(shop.orders, { app: "shop", name: "order", listDisplay: ["number"] });
    await site.users.createUser({ username: "root", password: "root-pass", isStaff: true, isSuperuser: true });
    await server.start(site);
  }, 60_000);

  it("signs in through the form: the cookie opens the admin as that user", async () => {
    const cookie = await loginCookie(server.base, "root", "root-pass");
    const res = await fetch(`${server.base}/admin/`, { headers: { cookie }, redirect: "manual" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("root");
    // without it, the admin sends the browser to the login form
    expect((await fetch(`${server.base}/admin/`, { redirect: "manual" })).status).toBe(302);
  });

  it("throws WEFT_ADMIN_ERR_TEST_LOGIN for a wrong password and for a prefix with no login form", async () => {
    await expect(loginCookie(server.base, "root", "wrong")).rejects.toMatchObject({ code: "WEFT_ADMIN_ERR_TEST_LOGIN", message: expect.stringContaining("HTTP 401") });
    await expect(loginCookie(server.base, "root", "root-pass", { prefix: "/nowhere" })).rejects.toMatchObject({ code: "WEFT_ADMIN_ERR_TEST_LOGIN", message: expect.stringContaining("no CSRF token") });
  });
});
