/**
 * The dashboard's JSON API, GET /admin/api/dashboard/widgets/, over HTTP against a real server
 * (support/dashboard-site.ts, on SQLite and on PostgreSQL): bearer tokens only (401 with a JSON
 * error otherwise), every widget the token's user may see with its full data, a failing
 * widget's `{ error: "unavailable" }` (stack logged), the group / app / dashboard_only filters
 * (and prototype member names refused as flags), and filtering by the user's permissions.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { useDashboardSite, type DashboardSite } from "./support/dashboard-site.js";
import { ENGINES } from "./support/engines.js";

describe.each(ENGINES)("%s", (engine) => {
  const d = useDashboardSite(engine);
  const { revenueCents, logged, tokens } = d;
  let base: string, admin: DashboardSite["admin"];
  beforeAll(() => void ({ base, admin } = d));

  describe("GET /admin/api/dashboard/widgets/", () => {
    const api = (query = "", auth?: string) => fetch(`${base}/admin/api/dashboard/widgets/${query}`, { headers: auth === undefined ? {} : { authorization: auth } });
    type Body = { widgets: Array<{ key: string; title: string; icon: string; url: string | null; order: number; group: string | null; span: number; app: string | null; data: Record<string, unknown> }> };

    it("401 with a JSON error and WWW-Authenticate: Bearer without a token, with a wrong one, or a non-staff user's", async () => {
      for (const auth of [undefined, "", "Bearer", "Bearer nope", `Bearer weft_${"A".repeat(43)}`, `Basic ${Buffer.from("admin:admin-pass").toString("base64")}`, `Bearer ${tokens.outsider}`]) {
        const res = await api("", auth);
        expect(res.status, String(auth)).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        expect(typeof ((await res.json()) as { error: string }).error).toBe("string");
      }
      // a session cookie is not enough either
      const res = await fetch(`${base}/admin/api/dashboard/widgets/`, { headers: { cookie: admin.header } });
      expect(res.status).toBe(401);
    });

    it("returns every widget the token's user may see with its full data, sorted by order", async () => {
      const res = await api("", `Bearer ${tokens.admin}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const { widgets } = (await res.json()) as Body;
      expect(widgets.map((w) => w.key)).toEqual(["shop.order.count", "open-tickets", "shop.order.revenue", "shop.order.order-backlog", "secret", "broken", "clock"]);
      const revenue = widgets.find((w) => w.key === "shop.order.revenue")!;
      const cents = await revenueCents();
      expect(revenue).toEqual({
        key: "shop.order.revenue",
        title: "Revenue",
        icon: "",
        url: "/admin/shop/order/",
        order: 20,
        group: null,
        span: 2,
        app: "shop",
        data: { headline: `€${(cents / 100).toFixed(2)}`, detail: "all time", status: "ok", currency: "EUR", cents },
      });
      expect(widgets.find((w) => w.key === "shop.order.count")!.icon).toContain("<svg");
      expect(widgets.find((w) => w.key === "open-tickets")).toMatchObject({ group: "support", app: null, url: "/admin/support/", data: { headline: 1, status: "info" } });
      expect(widgets.find((w) => w.key === "shop.order.order-backlog")!.data).toEqual({ headline: 0, detail: "to ship", status: null });
    });

    it("a widget whose getData throws gets { error: 'unavailable' } (stack logged); the others still answer", async () => {
      logged.length = 0;
      const { widgets } = (await (await api("?group=ops", `Bearer ${tokens.admin}`)).json()) as Body;
      expect(widgets.map((w) => [w.key, w.data])).toEqual([
        ["secret", { headline: "42%", detail: "top secret", status: null }],
        ["broken", { error: "unavailable" }],
      ]);
      const entry = logged.find((l) => (l.obj as { widget?: string }).widget === "broken")!;
      expect((entry.obj as { err: Error }).err.stack).toContain("the warehouse API is down");
    });

    it("filters: group, app, dashboard_only, and combinations", async () => {
      const keys = async (q: string, who = "admin") => ((await (await api(q, `Bearer ${tokens[who]}`)).json()) as Body).widgets.map((w) => w.key);
      expect(await keys("?group=support")).toEqual(["open-tickets"]);
      expect(await keys("?app=shop")).toEqual(["shop.order.count", "shop.order.revenue", "shop.order.order-backlog"]);
      expect(await keys("?app=shop&dashboard_only=1")).toEqual(["shop.order.count", "shop.order.revenue"]);
      expect(await keys("?dashboard_only=1")).toEqual(["shop.order.count", "open-tickets", "shop.order.revenue", "secret", "broken"]);
      expect(await keys("?dashboard_only=0")).toHaveLength(7);
      expect(await keys("?group=ops&app=shop")).toEqual([]);
      expect(await keys("?group=nope")).toEqual([]);
      const bad = await api("?dashboard_only=maybe", `Bearer ${tokens.admin}`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/dashboard_only/);
      // names of Object.prototype's members are not flags (a plain-object lookup read them as true)
      for (const v of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
        const res = await api(`?dashboard_only=${v}`, `Bearer ${tokens.admin}`);
        expect(res.status, v).toBe(400);
        expect(((await res.json()) as { error: string }).error).toMatch(/dashboard_only must be 1 or 0/);
      }
      expect((await api("?group=a&group=b", `Bearer ${tokens.admin}`)).status).toBe(400);
    });

    it("filters by the token user's permissions", async () => {
      const keys = async (who: string) => ((await (await api("", `Bearer ${tokens[who]}`)).json()) as Body).widgets.map((w) => w.key);
      expect(await keys("clerk")).toEqual(["shop.order.count", "open-tickets", "shop.order.revenue", "shop.order.order-backlog", "broken", "clock"]);
      expect(await keys("ops")).toEqual(["open-tickets", "secret", "broken", "clock"]);
    });
  });
});
