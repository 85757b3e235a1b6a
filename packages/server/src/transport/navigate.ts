import { mountedFrame, redirectFrame } from "@weft/client/codec";
import { issueToken } from "../live/children.js";
import { NotFoundError, UnauthorizedError } from "../live/mount.js";
import { newDomId } from "../live/page.js";
import type { Outbox, ViewRuntime } from "../live/runtime.js";
import type { LiveServices } from "../live/services.js";
import { pageTitleOf } from "../live/sessions.js";
import type { Session } from "../live/types.js";
import type { LiveViewClass } from "../live/view.js";

/**
 * Live navigation (as Phoenix's `live_redirect`): mounts the live route of `url` as `rt`, the
 * view that replaces `from` (which the socket has left already), and answers with a `mounted`
 * frame: the new root's DOM id, view id, token (for rejoins), document title and HTML. Every
 * route of `from`'s live session is reachable this way; anything else (another live session,
 * a route that is not live, a refusing `onMount` / `authorize`, a failing mount) is answered
 * with a `redirect` to `url`: the browser loads the page, and the HTTP route says what it says
 * (the page, 403, 404, a login redirect).
 * @returns whether the view mounted
 */
export async function navigate(services: LiveServices, out: Outbox, from: ViewRuntime, rt: ViewRuntime, url: URL, session: Session): Promise<boolean> {
  const path = url.pathname + url.search + url.hash;
  const cls = from.view?.constructor as LiveViewClass | undefined;
  const route = cls && services.routes?.navigable(cls, url);
  if (!route) return out.send(redirectFrame(rt.ref, path)), false;
  const domId = newDomId();
  const viewId = services.registry.register(route.cls);
  const token = issueToken(services, session, viewId, domId, route.params);
  try {
    await rt.join(route.cls, session, url, route.params, domId, [], (html, view) =>
      mountedFrame(rt.ref, html, pageTitleOf(view, route, route.params), domId, viewId, token),
    );
    return true;
  } catch (err) {
    if (!(err instanceof UnauthorizedError || err instanceof NotFoundError)) services.log.error({ err, url: path }, "weft: live navigation failed");
    out.send(redirectFrame(rt.ref, path));
    return false;
  }
}
