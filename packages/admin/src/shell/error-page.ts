/**
 * The admin's 404 and 403 pages inside the shell (sidebar, a human message, a link back), as
 * Django admin's `404.html` / `403.html` extend its base template. Live pages whose view
 * refuses or whose object is gone answer with it (the route's `errorPage`), and so does any
 * other GET under the prefix that no route matches; the JSON API under `<prefix>/api/` keeps
 * JSON answers. A server error (500) is logged in full and answered with a generic page that
 * names nothing of its cause, as Django's `500.html` with `DEBUG = False`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { LiveRouteOptions, Params } from "@weft/server";
import { AdminView, bindView } from "./base.js";
import type { AdminSiteLike } from "../model/site-like.js";

/** What the error page's template gets. */
export interface ErrorPageAssigns {
  status: 403 | 404;
  heading: string;
  message: string;
  home: string;
}

const TEXT = {
  404: { heading: "Page not found", message: "We couldn't find that page. It may have been deleted, or the address may be mistyped." },
  403: { heading: "Permission denied", message: "You don't have permission to view this page. Ask an administrator if you need access." },
} as const;

/** The 500 page: no detail of the error (it is in the log), a way back. */
const SERVER_ERROR_HTML = (home: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Server error (500)</title>` +
  `<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem"><h1>Server error (500)</h1>` +
  `<p>Something went wrong on our side. It has been logged; please try again in a moment.</p><p><a href="${home}">Back to the admin home</a></p></body></html>`;

/** The error page's view: a static page (status in its props), the shell around it. */
export class ErrorPageView extends AdminView<ErrorPageAssigns> {
  static template = new URL("../../src/shell/error-page.eta", import.meta.url);
  static title = "Page not found";

  mount(params: Params) {
    const status = params.status === "403" ? 403 : 404;
    this.assign({ status, ...TEXT[status], home: `${this.site.prefix}/` });
  }
}

/**
 * Installs the error page in the admin's page scope and returns the route options' `errorPage`
 * (pass it with the shell's `ro` to every `scope.live` of the admin).
 *
 * @param scope - the staff-guarded scope of the admin's pages
 * @param site - the admin site
 * @param ro - the shell's route options (layout and layoutData)
 * @returns `ro` with `errorPage` set: renders the page with status 403 or 404
 */
export function errorPages(scope: FastifyInstance, site: AdminSiteLike, ro: LiveRouteOptions): LiveRouteOptions {
  const view = bindView(ErrorPageView, site, "error");
  scope.weft.register(view);
  const errorPage = async (status: 403 | 404, req: FastifyRequest, reply: FastifyReply) => {
    // the JSON API's paths (e.g. /admin/api/x/ matches a model's list route) answer JSON
    if (req.url.startsWith(`${site.prefix}/api/`)) return reply.code(status).send({ error: status === 404 ? "not found" : "forbidden" });
    const html = await scope.weft.renderPage(req, reply, view, { ...ro, title: TEXT[status].heading, props: { status: String(status) } });
    return reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
  };
  // any other GET under the prefix (routes with a path win over the wildcard); the API keeps JSON
  scope.get(`${site.prefix}/*`, (req, reply) => errorPage(404, req, reply));
  scope.setErrorHandler(async (err: FastifyError, req, reply) => {
    // a client's error (400 bad form, 413 too large, 403 CSRF…) keeps its status and message
    if (err.statusCode !== undefined && err.statusCode < 500) throw err;
    req.log.error({ err, url: req.url }, "weft admin: server error");
    reply.code(500).header("cache-control", "no-store");
    if (req.url.startsWith(`${site.prefix}/api/`)) return reply.send({ error: "server error" });
    // static: the shell itself may be what failed (its data comes from the database)
    return reply.type("text/html; charset=utf-8").send(SERVER_ERROR_HTML(`${site.prefix}/`));
  });
  return { ...ro, errorPage };
}
