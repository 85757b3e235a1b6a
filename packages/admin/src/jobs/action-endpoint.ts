/**
 * `POST <prefix>/<app>/<model>/action/`: runs a change-list action over plain HTTP, as Django's
 * change list POST, with real status codes — for clients without the LiveView (scripts, tests,
 * a page without JavaScript). The change list's LiveView runs actions through the same
 * functions (`findAction`, `resolveSelection`, `actionContext`, the action's `run`).
 *
 * Form fields (application/x-www-form-urlencoded, CSRF token in `_csrf` or `x-csrf-token`):
 * `action`; `_selected_action` (repeated primary keys) or `select_across=1` ("all N
 * matching"); the change list's search and filters as this URL's query string (or in
 * `_changelist_filters`). Answers: 303 to the job's page (progress actions) or back to the
 * change list (other actions); 400 bad input (no action, unknown action, nothing selected, a
 * refused filter); 403 missing permission (nothing runs, no job is created) or a bad CSRF
 * token; 404 unknown model; 429 the user holds their cap of running or queued jobs, as JSON
 * `{ code: "WEFT_ERR_JOB_QUOTA", message, scope: "owner" | "action", limit }` (nothing is
 * created; as an HTTP API's rate limit answer); 503 job service unreachable or full.
 */
import formbody from "@fastify/formbody";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { staffUser } from "../shell/base.js";
import type { AdminSession } from "../auth/index.js";
import { NOTICE_PARAMS } from "../changeform/notice.js";
import { actionContext, DELETE_SELECTED, findAction, isRedirectResult } from "../changelist/actions.js";
import { listUrl } from "../changelist/present.js";
import { MAX_PICKED, resolveSelectionOf, type Selection } from "../changelist/selection.js";
import { ActionRefusedError } from "../model/actions.js";
import { JobQuotaError } from "@weft/server/jobs";
import { ChangeListParamError, type ChangeListState } from "../query/index.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { ACTION_DENIED } from "./with-progress.js";
import { adminError } from "../errors.js";
import { EXPORT_CSV } from "./csv/export.js";

const NOTHING_SELECTED = "Items must be selected in order to perform actions on them. No items have been changed.";

const Form = z.object({
  action: z.string().max(100),
  _selected_action: z.union([z.string().max(256), z.array(z.string().max(256)).max(MAX_PICKED)]).optional(),
  select_across: z.enum(["0", "1"]).optional(),
  _changelist_filters: z.string().max(8_000).optional(),
  _csrf: z.string().max(1_000).optional(),
});

function answer(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).type("text/plain; charset=utf-8").header("cache-control", "no-store").send(text);
}

async function endpoint(scope: FastifyInstance, opts: { site: AdminSiteLike }): Promise<void> {
  const { site } = opts;
  if (!scope.hasContentTypeParser("application/x-www-form-urlencoded")) await scope.register(formbody, { bodyLimit: 1 << 20 });
  if (!scope.hasDecorator("csrfProtection")) throw adminError("WEFT_ADMIN_ERR_CSRF_MISSING", "weft admin: the action endpoint needs adminAuthRoutes (csrfProtection) registered first: register adminPlugin (which brings both) rather than the endpoint alone");

  scope.setErrorHandler(async (err: FastifyError, req, reply) => {
    if (err.code === "FST_CSRF_MISSING_SECRET" || err.code === "FST_CSRF_INVALID_TOKEN") {
      req.log.warn({ url: req.url }, "weft admin: CSRF check failed");
      return answer(reply, 403, "CSRF verification failed: the form was stale or did not come from this site.");
    }
    if (typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500) return answer(reply, err.statusCode, "Bad request.");
    throw err;
  });

  scope.post(`${site.prefix}/:app/:model/action/`, { bodyLimit: 1 << 20, preHandler: scope.csrfProtection }, async (req: FastifyRequest, reply) => {
    const session = (await site.sessions.load(req)) as AdminSession | null;
    const user = session && staffUser(session);
    if (!user) return answer(reply, 403, ACTION_DENIED);
    const params = req.params as { app?: string; model?: string };
    const admin = site.get(String(params.app ?? ""), String(params.model ?? ""));
    if (!admin) return answer(reply, 404, "Not found.");
    if (!admin.has(user, "view")) return answer(reply, 403, ACTION_DENIED);

    const parsed = Form.safeParse(req.body ?? {});
    if (!parsed.success) return answer(reply, 400, "Bad request: expected the fields action, _selected_action or select_across.");
    const form = parsed.data;
    const name = form.action;
    if (name === "") return answer(reply, 400, "No action selected.");
    // an action that does not exist is bad input; one the user may not run is forbidden
    const known = name === DELETE_SELECTED || (name === EXPORT_CSV && admin.options.exportCsv !== false) || (admin.options.actions ?? []).some((a) => a.name === name);
    if (!known) return answer(reply, 400, `Unknown action "${name.slice(0, 100)}".`);
    const action = findAction(site, admin, user, name);
    if (!action) return answer(reply, 403, ACTION_DENIED);
    if (action.kind === "delete") return answer(reply, 400, "Deleting asks for confirmation: use the change list.");

    const url = new URL(req.url, "http://weft.invalid");
    if (url.search !== "" && form._changelist_filters !== undefined) return answer(reply, 400, "Give the change list's filters in the URL or in _changelist_filters, not both.");
    const query = site.query(admin);
    let state: ChangeListState;
    try {
      state = query.parseState(form._changelist_filters ?? url.searchParams, { ignore: NOTICE_PARAMS });
    } catch (err) {
      if (!(err instanceof ChangeListParamError)) throw err;
      return answer(reply, 400, `${err.message}.`);
    }
    const scope = admin.options.getQueryset?.(user);
    if (scope) state = { ...state, scope };

    const picked = form._selected_action === undefined ? [] : ([] as string[]).concat(form._selected_action);
    const all = form.select_across === "1";
    if (all && picked.length > 0) return answer(reply, 400, "Give either _selected_action or select_across=1, not both.");
    const selection: Selection = all ? { mode: "all" } : { mode: "ids", ids: new Set(picked) };
    const sel = await resolveSelectionOf(site, user, query, selection, state);
    if (sel.count === 0) return answer(reply, 400, NOTHING_SELECTED);

    let result: Awaited<ReturnType<typeof action.action.run>>;
    try {
      result = await action.action.run(await actionContext(site, admin, user, query, sel, state, all, action.action));
    } catch (err) {
      if (err instanceof ActionRefusedError && err.cause instanceof JobQuotaError) {
        const { code, scope, limit } = err.cause;
        return reply.code(429).header("cache-control", "no-store").send({ code, message: err.message, scope, limit });
      }
      if (err instanceof ActionRefusedError) return answer(reply, err.status, err.message);
      req.log.error({ err, action: name }, "weft admin: action failed");
      return answer(reply, 500, `The action “${action.label}” failed. Details were logged for the administrators.`);
    }
    const next = isRedirectResult(result) ? result.redirect : listUrl(admin, query, state);
    return reply.code(303).header("location", next).header("cache-control", "no-store").send();
  });
}

/** Registers the action endpoint in its own scope (form parsing, CSRF answers). Needs the staff guard and csrfProtection of the admin's scope. */
export async function actionEndpoint(scope: FastifyInstance, site: AdminSiteLike): Promise<void> {
  await scope.register(endpoint, { site });
}
