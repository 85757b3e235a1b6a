/**
 * The change form without JavaScript, as Django's `changeform_view` handles POST: the form has
 * `method=post` and its page's URL as `action`; the POST mounts the same view (authorize, the
 * permission and the object, as a GET), saves through the view's own `save` (validation,
 * permission check, transaction with the audit entry, publish), then answers 303 to where the
 * live save goes (the list with `?saved=<id>`, whose flash comes from the audit log), or 200
 * with the form re-rendered with the errors. CSRF: the admin's token (`_csrf`, the shell's
 * input associated with the form by `form="changeform"`), checked before anything runs.
 */
import formbody from "@fastify/formbody";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { NotFoundError, UnauthorizedError, type LiveRouteOptions, type LiveViewClass } from "@weft/server";
import { FORM_PAYLOAD, type FormInput } from "./schema.js";

/** The form that gets the shell's CSRF input (see shell.eta), the change form's id. */
export const FORM_ID = "changeform";

/** Thrown by the POST's `prepare` once saved: skips the render, answers with the redirect. */
class Saved {
  constructor(readonly url: string) {}
}

/** `ro` whose layout also renders the CSRF input for the form `formId` (default the change form's: `form="changeform"`). */
export function withFormCsrf(ro: LiveRouteOptions, formId = FORM_ID): LiveRouteOptions {
  return { ...ro, layoutData: async (req, reply, session) => ({ ...(ro.layoutData ? await ro.layoutData(req, reply, session) : {}), csrfForm: formId }) };
}

/** A view that saves a form POSTed without JavaScript (the change form; the change list's `listEditable` formset). */
export interface SubmittableView {
  /** @returns where to redirect after the save (303), or null: render the page (with its errors) */
  submit(p: FormInput): Promise<string | null>;
}

/**
 * Registers `POST <path>` for the form view `cls` (the add or change page), in its own scope
 * (form parsing; a bad or missing CSRF token is a 403 page with nothing saved).
 * @param ro - the page's route options (layout, layoutData, errorPage)
 */
export async function formPostRoute(scope: FastifyInstance, path: string, cls: LiveViewClass, ro: LiveRouteOptions): Promise<void> {
  await scope.register(async (s) => {
    if (!s.hasContentTypeParser("application/x-www-form-urlencoded")) await s.register(formbody, { bodyLimit: 1 << 20 });
    s.setErrorHandler(async (err: FastifyError, req, reply) => {
      if (err.code === "FST_CSRF_MISSING_SECRET" || err.code === "FST_CSRF_INVALID_TOKEN") {
        req.log.warn({ url: req.url }, "weft admin: CSRF check failed");
        return reply.code(403).type("text/plain; charset=utf-8").send("CSRF verification failed: the form was stale or did not come from this site. Reload the page and try again.");
      }
      throw err;
    });
    s.post(path, { bodyLimit: 1 << 20, preHandler: s.csrfProtection }, async (req: FastifyRequest, reply: FastifyReply) => {
      const body = FORM_PAYLOAD.safeParse(req.body ?? {});
      if (!body.success) return reply.code(400).type("text/plain; charset=utf-8").send("The form could not be read; nothing was saved.");
      try {
        const html = await s.weft.renderPage(req, reply, cls, {
          ...ro,
          props: req.params as Record<string, string>,
          prepare: async (view) => {
            const next = await (view as unknown as SubmittableView).submit(body.data);
            if (next !== null) throw new Saved(next);
          },
        });
        return reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
      } catch (err) {
        if (err instanceof Saved) return reply.code(303).header("location", err.url).header("cache-control", "no-store").send();
        const status = err instanceof UnauthorizedError ? 403 : err instanceof NotFoundError ? 404 : 0;
        if (status && ro.errorPage) return ro.errorPage(status as 403 | 404, req, reply);
        throw err;
      }
    });
  });
}
