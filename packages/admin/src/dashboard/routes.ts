import type { FastifyInstance, FastifyReply } from "fastify";
import type { LiveRouteOptions } from "@weft/server";
import type { SessionUser } from "../auth/index.js";
import type { DashboardSite } from "./dashboard-site.js";
import type { WidgetScope } from "./registry.js";

/**
 * The dashboard pages, in the admin's staff-guarded scope (called by the admin plugin):
 * `/admin/` (main dashboard and app index), `/admin/dashboard/<group>/`, `/admin/<app>/`, and
 * the custom pages made by `site.dashboard.page(group, { path })`. Registers the tile view
 * too, so a socket on any worker can join a card whatever page that worker rendered.
 *
 * @param scope - the staff-guarded fastify scope (weft registered above it)
 * @param site - the admin site
 * @param ro - the shell layout options
 * @throws Error from fastify when a custom page's path collides with another route
 */
export function dashboardRoutes(scope: FastifyInstance, site: DashboardSite, ro: LiveRouteOptions): void {
  const p = site.prefix;
  const dashboard = site.dashboard.indexView;
  for (const tile of site.dashboard.tileViews()) scope.weft.register(tile);
  scope.live(`${p}/`, dashboard, ro);
  scope.live(`${p}/dashboard/:group/`, dashboard, ro);
  scope.live(`${p}/:app/`, dashboard, ro);
  for (const page of site.dashboard.customPages()) scope.live(`${p}/${page.path}`, page.view, ro);
}

/** One item of `GET /api/dashboard/widgets/`. */
export interface WidgetApiItem {
  key: string;
  title: string;
  icon: string;
  url: string | null;
  order: number;
  group: string | null;
  span: 1 | 2;
  app: string | null;
  /** `getData`'s result (headline, detail, status, extras), or `{ error: "unavailable" }` when it failed */
  data: Record<string, unknown>;
}

/** The spellings of a query flag; a Map, so `constructor` or `__proto__` is not a flag (a plain object would answer with its prototype's members). */
const FLAGS = new Map<string, boolean>([["", false], ["0", false], ["false", false], ["1", true], ["true", true]]);

function unauthorized(reply: FastifyReply, invalid: boolean) {
  return reply
    .code(401)
    .header("www-authenticate", invalid ? 'Bearer realm="weft-admin", error="invalid_token"' : 'Bearer realm="weft-admin"')
    .header("cache-control", "no-store")
    .send({ error: invalid ? "invalid or expired token" : "authentication required: send Authorization: Bearer <token>" });
}

/**
 * `GET <prefix>/api/dashboard/widgets/` for SPAs and external dashboards: the widgets the
 * token's user may see, each with its full data. Outside the session guard: authenticated by
 * `Authorization: Bearer <token>` (an active staff user's API token, see `site.tokens`).
 *
 * Query: `group=<name>`, `app=<label>`, `dashboard_only=1` (only `onDashboard !== false`).
 * Answers `{ widgets: WidgetApiItem[] }` sorted by `order`; 401 `{ error }` with
 * `WWW-Authenticate: Bearer` for a missing or wrong token; 400 `{ error }` for a malformed
 * query. A widget whose `getData` throws (or times out) gets `data: { error: "unavailable" }`
 * and its stack goes to the server log; the others still answer.
 *
 * Also hands fastify's logger to `site.dashboard` and `site.context`.
 *
 * @param app - the fastify instance (the admin plugin's scope)
 * @param site - the admin site
 */
export async function dashboardApi(app: FastifyInstance, site: DashboardSite): Promise<void> {
  site.dashboard.log = app.log;
  site.context.log = app.log;
  app.get(`${site.prefix}/api/dashboard/widgets/`, async (req, reply) => {
    const header = req.headers.authorization;
    const account = await site.tokens.verifyBearer(header);
    if (!account) return unauthorized(reply, !!header);
    const q = req.query as Record<string, unknown>;
    const scope: WidgetScope = {};
    for (const [name, opt] of [["group", "group"], ["app", "app"]] as const) {
      const v = q[name];
      if (v === undefined) continue;
      if (typeof v !== "string" || v.length > 64) return reply.code(400).send({ error: `${name} must be given once, at most 64 characters` });
      if (v) scope[opt] = v;
    }
    if (q.dashboard_only !== undefined) {
      const flag = typeof q.dashboard_only === "string" ? FLAGS.get(q.dashboard_only.toLowerCase()) : undefined;
      if (flag === undefined) return reply.code(400).send({ error: "dashboard_only must be 1 or 0" });
      scope.dashboardOnly = flag;
    }
    const user: SessionUser = {
      id: account.id,
      username: account.username,
      isStaff: account.isStaff,
      isSuperuser: account.isSuperuser,
      permissions: account.isSuperuser ? [] : [...(await site.users.permissions(account.id))].sort(),
    };
    const widgets = site.dashboard.visible(user, scope);
    const items = await Promise.all(
      widgets.map(async (w): Promise<WidgetApiItem> => {
        let data = await site.dashboard.safeData(w, user);
        try {
          JSON.stringify(data);
        } catch (err) {
          site.dashboard.log.error({ err, widget: w.key }, "weft admin: dashboard widget data is not JSON-serialisable");
          data = null;
        }
        return {
          key: w.key,
          title: w.title,
          icon: w.icon,
          url: w.url,
          order: w.order,
          group: w.group,
          span: w.span,
          app: w.app,
          data: data ? { ...data, status: data.status ?? null } : { error: "unavailable" },
        };
      }),
    );
    return reply.header("cache-control", "no-store").send({ widgets: items });
  });
}
