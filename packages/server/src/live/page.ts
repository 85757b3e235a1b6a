import { randomBytes } from "node:crypto";
import { Children, issueToken, rootTag, type ChildProps } from "./children.js";
import { Components } from "./component.js";
import { mountView, NotFoundError, paramsOf, UnauthorizedError } from "./mount.js";
import type { LiveServices } from "./services.js";
import type { Session } from "./types.js";
import type { LiveView, LiveViewClass } from "./view.js";
import { renderInner } from "./view-html.js";
import { fillStreams, STREAMS } from "./streams.js";

/** A fresh DOM id for a page's top-level view. */
export function newDomId(): string {
  return `lv-${randomBytes(6).toString("base64url")}`;
}

/**
 * The disconnected (HTTP) render of a view and, recursively, of its nested views:
 * the view root with its signed token and the full HTML inside, readable without JavaScript.
 * A nested view whose `authorize` refuses the session renders as nothing at all.
 *
 * @param props - route params (page view) or child props (nested view); they go into the token
 * @throws UnauthorizedError when a page view's `authorize` refuses; whatever `mount` throws
 */
export async function renderDisconnected(
  services: LiveServices,
  cls: LiveViewClass,
  opts: { session: Session; url: URL; domId: string; props: ChildProps; child?: boolean; onView?: (view: LiveView<any, any>) => void; prepare?: (view: LiveView) => Promise<void> | void },
): Promise<string> {
  const { session, url, domId, props } = opts;
  const viewId = services.registry.register(cls);
  const view = await mountView(services, { cls, session, params: paramsOf(url, props), url, connected: false });
  // e.g. a form POST without JavaScript handled by the view before the render (see renderPage)
  await opts.prepare?.(view);
  opts.onView?.(view);
  const children = new Children(services, domId, session, false);
  // stream items are part of the page (readable without JavaScript); the join re-sends them
  const html = fillStreams(services, view[STREAMS], view.assigns, renderInner(services, view, children, new Components(services, view)));
  const inner = await inlineChildren(services, html, children, { session, url });
  return `${rootTag(domId, viewId, issueToken(services, session, viewId, domId, props), !!opts.child)}${inner}</div>`;
}

/**
 * Replaces the placeholders `liveRender` left in `html` (a disconnected render) with the
 * nested views' own disconnected renders. A child whose `authorize` refuses the session (or
 * whose object is gone) becomes nothing at all.
 *
 * The children are rendered concurrently (each child's mount awaits its own reads: a page of
 * widgets waits for the slowest, not for their sum); a child that throws anything but a refusal
 * fails the page, as it did one after the other.
 *
 * The placeholders are found in `html` as rendered and the page is assembled once at the end:
 * splicing each child in as it came made a new string per child, which the next search had to
 * flatten again (~1 ms per child on the 96 KB change-list page, 4 children).
 */
export async function inlineChildren(services: LiveServices, html: string, children: Children, opts: { session: Session; url: URL }): Promise<string> {
  // the children mount side by side: their statements (a widget's query) overlap, on a pool
  const rendered = await Promise.all(
    children.pending.map(async (c) => {
      try {
        return await renderDisconnected(services, c.cls, { session: opts.session, url: opts.url, domId: c.domId, props: c.props, child: true });
      } catch (err) {
        if (!(err instanceof UnauthorizedError || err instanceof NotFoundError)) throw err;
        return "";
      }
    }),
  );
  const spans: { start: number; end: number; child: string }[] = [];
  children.pending.forEach((c, i) => {
    // the child's own root replaces the placeholder root the parent template emitted
    const at = html.indexOf(c.marker);
    if (at >= 0) spans.push({ start: html.lastIndexOf("<div", at), end: html.indexOf("</div>", at) + 6, child: rendered[i]! });
  });
  if (spans.length === 0) return html;
  spans.sort((a, b) => a.start - b.start);
  let out = "";
  let pos = 0;
  for (const s of spans) {
    out += html.slice(pos, s.start) + s.child;
    pos = s.end;
  }
  return out + html.slice(pos);
}
