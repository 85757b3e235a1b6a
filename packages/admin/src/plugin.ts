import { readdirSync, readFileSync } from "node:fs";
import { sep } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { ADMIN_SRC } from "./paths.js";
import type { Session, LiveRouteOptions, LiveViewClass } from "@weft/server";
import { RedisChannelLayer } from "@weft/server/pubsub";
import { adminAuthRoutes, adminCsrfToken, type AdminSession, type LoginRateLimit } from "./auth/index.js";
import type { AdminSite } from "./site.js";
import { bindView, staffUser } from "./shell/base.js";
import { guardWidget } from "./shell/slots.js";
import { dashboardApi, dashboardRoutes } from "./dashboard/routes.js";
import { changeListRoutes } from "./changelist/routes.js";
import { bulkDeleteAction } from "./jobs/bulk-delete.js";
import { changeFormRoutes } from "./changeform/routes.js";
import { auditRoutes } from "./audit/routes.js";
import { isLiveViewClass, runChecks, SystemCheckError, WIDGET_SLOTS, type CheckOptions } from "./checks/index.js";
import { HealthBanner } from "./health/index.js";
import { JobBell } from "./notify/index.js";
import { installJobs } from "./jobs/install.js";
import { jobRoutes } from "./jobs/routes.js";
import { FAVICON } from "./auth/favicon.js";
import { errorPages } from "./shell/error-page.js";
import { pageRoutes } from "./pages/routes.js";
import { accountRoutes } from "./account/index.js";
import { adminError, sessionsMismatch } from "./errors.js";

const SHELL = new URL("../src/shell/shell.eta", import.meta.url);

/**
 * The admin stylesheet: shell/admin.css, then every other feature folder's CSS (one per page
 * kind), in path order. The login page's own stylesheet (auth/) is served on its own.
 */
function adminCss(): string {
  const files = (readdirSync(ADMIN_SRC, { recursive: true }) as string[])
    .map((f) => f.split(sep).join("/"))
    .filter((f) => f.endsWith(".css") && f !== "shell/admin.css" && !f.startsWith("auth/"))
    .sort();
  return ["shell/admin.css", ...files].map((f) => readFileSync(ADMIN_SRC + f, "utf8")).join("\n");
}

/** What the shell layout gets beside title/head/body. */
async function shellData(site: AdminSite, css: string, healthView: LiveViewClass, bellView: LiveViewClass, req: FastifyRequest, reply: FastifyReply, session: Session) {
  const user = staffUser(session)!;
  return {
    css,
    siteTitle: site.title,
    favicon: FAVICON,
    prefix: site.prefix,
    user,
    nav: site.nav(user),
    // the site's own pages (site.page) the user may see
    pageNav: site.pageNav(user),
    // from site.context's badge providers, cached per their TTL
    badges: await site.context.badges(user),
    csrfToken: await adminCsrfToken(site.sessions, req, reply),
    // the "live updates are paused" banner, a nested view of the shell
    healthView,
    // the job bell and its toasts, a nested view of the shell
    bellView,
  };
}

/** Options of {@link adminPlugin}. */
export interface AdminPluginOptions {
  /** the site, with every model registered */
  site: AdminSite;
  /**
   * The start-up checks run at install (see `runChecks`): errors stop the install with a
   * {@link SystemCheckError}, warnings go to the app's log. `workers` (default 1) is how many
   * processes serve the site; the channel layer is the weft plugin's. `false` skips them (e.g.
   * when a cluster's primary process has run them already).
   */
  checks?: false | Omit<CheckOptions, "pubsub">;
  /**
   * Login rate limits (see `LoginRateLimit`; default 10 attempts a minute per IP and username,
   * 100 per IP). Counted in Redis when `redis` is given or when the weft plugin's channel layer
   * is a `RedisChannelLayer` (its command connection), so every worker shares the counts;
   * otherwise each process counts alone.
   */
  loginRateLimit?: LoginRateLimit;
}

async function adminRoutes(app: FastifyInstance, opts: AdminPluginOptions): Promise<void> {
  const { site } = opts;
  // a PostgreSQL site whose tables may not exist yet: a coded error now, not a failing login later
  site.assertReady("adminPlugin");
  if (!app.hasDecorator("weft")) {
    throw adminError("WEFT_ADMIN_ERR_WEFT_MISSING", "weft admin: register the weft plugin before the admin: `await app.register(weft, { secret, sessions: site.sessions })`, then `await app.register(adminPlugin, { site })`");
  }
  // weft on other sessions than the site's never sees an admin login: the login page would loop
  if (app.weft.sessions !== site.sessions) throw sessionsMismatch();
  if (opts.checks !== false) {
    const { maxViewsPerSocket, maxViewsPerSession } = app.weft.limits;
    const maxViewsPerPage = Math.min(maxViewsPerSocket, maxViewsPerSession);
    const messages = runChecks(site, { maxViewsPerPage, widgets: site.dashboard.all(), ...opts.checks, pubsub: app.weft.services.pubsub });
    if (messages.some((m) => m.level === "error")) throw new SystemCheckError(messages);
    for (const m of messages) app.log.warn({ check: m.id, hint: m.hint }, `weft admin: ${m.message}`);
  }
  // every view a page of this site may nest is known to every worker before any page is served,
  // so a socket can join it on whichever worker it lands, whatever page that worker rendered
  const healthView = bindView(HealthBanner, site, "health");
  app.weft.register(healthView);
  const bellView = bindView(JobBell, site, "bell");
  app.weft.register(bellView);
  for (const admin of site.all()) {
    // each checks its permissionRequired on every join too, not only when the page renders
    for (const slot of WIDGET_SLOTS) for (const cls of admin.options[slot] ?? []) if (isLiveViewClass(cls)) app.weft.register(guardWidget(cls as LiveViewClass));
  }
  // session authority: logout, session ends and user / group / permission writes reach open sockets on every worker
  const published = (err: unknown) => app.log.warn({ err }, "weft admin: a session-authority notice was not published; sockets find out at their next event or re-check");
  site.sessions.authority.attach(app.weft, published);
  site.users.authority.attach(app.weft, published);
  const p = site.prefix;
  const pubsub = app.weft.services.pubsub;
  const redis = opts.loginRateLimit?.redis ?? (pubsub instanceof RedisChannelLayer ? pubsub.commandClient : undefined);
  await app.register(adminAuthRoutes, { prefix: p, sessions: site.sessions, users: site.users, title: `Log in | ${site.title}`, rateLimit: { ...opts.loginRateLimit, redis } });
  const css = app.weft.asset("admin.css", adminCss(), "text/css; charset=utf-8");
  // the progress actions' jobs live in this app's channel layer (shared by its workers)
  const jobQueue = installJobs(site, app.weft.services.pubsub, app.log);
  app.addHook("onClose", async () => jobQueue.close());
  // the SQLite read pool's reader processes end with the app (a later read starts them again)
  app.addHook("onClose", async () => site.readPool?.close());
  // security headers (weft's policy) on the admin's own routes, the host app's other routes untouched
  await app.register(async (scope) => {
    app.weft.secureRoutes(scope);
    await dashboardApi(scope, site);
  });

  await app.register(async (scope) => {
    app.weft.secureRoutes(scope);
    // every admin page needs a staff user; anonymous visitors go to the login page (as Django's)
    scope.addHook("preHandler", async (req, reply) => {
      const session = (await site.sessions.load(req)) as AdminSession | null;
      if (!session || !staffUser(session)) {
        return reply.redirect(`${p}/login/?next=${encodeURIComponent(req.url)}`);
      }
    });
    // one live session: every admin page reaches every other by live navigation (the socket and
    // the shell stay); its hook refuses a session without a staff user on the join and on every
    // navigation too, as the preHandler above does for the HTTP request
    const liveSession = `weft-admin:${site.id}`;
    scope.liveSession(liveSession, { onMount: (_view, _params, session) => staffUser(session) !== null });
    // 404 / 403 render in the shell (errorPage); unmatched GETs under the prefix too
    const ro: LiveRouteOptions = errorPages(scope, site, { layout: SHELL, liveSession, layoutData: (req, reply, session) => shellData(site, css, healthView, bellView, req, reply, session) });
    dashboardRoutes(scope, site, ro);
    await changeListRoutes(scope, site, ro, bulkDeleteAction);
    await changeFormRoutes(scope, site, ro);
    auditRoutes(scope, site, ro);
    await jobRoutes(scope, site, ro);
    accountRoutes(scope, site, ro);
    pageRoutes(scope, site.pages, p, (path) => site.pathOwner(path), ro);
  });
}

/**
 * The admin's routes under the site's prefix: login / logout, the dashboard, and the pages
 * of every registered model. Register after the weft plugin, which must use the site's sessions:
 *
 * @example
 * const site = await AdminSite.create({ db }); // the admin's tables migrated, on either engine
 * await app.register(weft, { secret: process.env.WEFT_SECRET!, sessions: site.sessions });
 * await app.register(adminPlugin, { site });
 *
 * Weft's security headers go on the admin's routes only (unless weft's `helmet` says app-wide).
 *
 * @throws at registration, a WeftAdminError: `WEFT_ADMIN_ERR_NOT_READY` (a PostgreSQL site before
 *   `await site.ready()`), `WEFT_ADMIN_ERR_WEFT_MISSING` (weft not registered
 *   before), `WEFT_ADMIN_ERR_SESSIONS_MISMATCH` (weft registered without `sessions: site.sessions`),
 *   `WEFT_ADMIN_ERR_SYSTEM_CHECK` (a {@link SystemCheckError}: the start-up checks found errors)
 */
export const adminPlugin = fp(adminRoutes, { name: "weft-admin", fastify: "5.x" });
