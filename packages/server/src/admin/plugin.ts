import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Session } from "../live/types.js";
import type { LiveRouteOptions } from "../transport/plugin.js";
import { adminAuthRoutes, adminCsrfToken, type AdminSession } from "./auth/index.js";
import type { AdminSite } from "./site.js";
import { staffUser } from "./views/base.js";
import { dashboardApi, dashboardRoutes } from "./dashboard/routes.js";
import { changeListRoutes } from "./views/changelist.js";
import { changeFormRoutes } from "./views/changeform.js";

const SHELL = new URL("../../src/admin/templates/shell.eta", import.meta.url);
const STATIC = fileURLToPath(new URL("../../src/admin/static/", import.meta.url));

/** The admin stylesheet: admin.css, then every other static/*.css (one per page kind), in name order. */
function adminCss(): string {
  const files = readdirSync(STATIC).filter((f) => f.endsWith(".css") && f !== "admin.css").sort();
  return ["admin.css", ...files].map((f) => readFileSync(STATIC + f, "utf8")).join("\n");
}

/** What the shell layout gets beside title/head/body. */
async function shellData(site: AdminSite, css: string, req: FastifyRequest, reply: FastifyReply, session: Session) {
  const user = staffUser(session)!;
  return {
    css,
    siteTitle: site.title,
    prefix: site.prefix,
    user,
    nav: site.nav(user),
    // from site.context's badge providers, cached per their TTL
    badges: await site.context.badges(user),
    csrfToken: await adminCsrfToken(site.sessions, req, reply),
  };
}

async function adminRoutes(app: FastifyInstance, opts: { site: AdminSite }): Promise<void> {
  const { site } = opts;
  if (!app.hasDecorator("weft")) throw new Error("weft admin: register the weft plugin (with `sessions: site.sessions`) before the admin");
  const p = site.prefix;
  await app.register(adminAuthRoutes, { prefix: p, sessions: site.sessions, users: site.users, title: `Log in | ${site.title}` });
  const css = app.weft.asset("admin.css", adminCss(), "text/css; charset=utf-8");
  await dashboardApi(app, site);

  await app.register(async (scope) => {
    // every admin page needs a staff user; anonymous visitors go to the login page (as Django's)
    scope.addHook("preHandler", async (req, reply) => {
      const session = (await site.sessions.load(req)) as AdminSession | null;
      if (!session || !staffUser(session)) {
        return reply.redirect(`${p}/login/?next=${encodeURIComponent(req.url)}`);
      }
    });
    const ro: LiveRouteOptions = { layout: SHELL, layoutData: (req, reply, session) => shellData(site, css, req, reply, session) };
    dashboardRoutes(scope, site, ro);
    changeListRoutes(scope, site, ro);
    changeFormRoutes(scope, site, ro);
  });
}

/**
 * The admin's routes under the site's prefix: login / logout, the dashboard, and the pages
 * of every registered model. Register after the weft plugin:
 * `await app.register(adminPlugin, { site })`.
 */
export const adminPlugin = fp(adminRoutes, { name: "weft-admin", fastify: "5.x", dependencies: ["weft"] });
