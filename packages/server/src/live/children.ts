import { A_CHILD, A_TOKEN, A_VIEW } from "@weft/client/protocol";
import type { LiveServices } from "./services.js";
import type { LiveViewClass } from "./view.js";
import type { Session } from "./types.js";
import { weftError } from "../errors.js";

/** Props passed to a nested view; they reach its `mount` as params and travel signed in its token. */
export type ChildProps = Record<string, string | number | boolean | null>;

/** A nested view found while rendering disconnected, to be mounted and inlined by the page render. */
export interface PendingChild {
  domId: string;
  cls: LiveViewClass;
  props: ChildProps;
  marker: string;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** The opening tag of a view root. */
export function rootTag(domId: string, viewId: string, token: string, child: boolean): string {
  return `<div id="${esc(domId)}" ${A_VIEW}="${esc(viewId)}" ${A_TOKEN}="${token}"${child ? ` ${A_CHILD}` : ""}>`;
}

/**
 * The empty nested-view roots a connected render holds (as {@link rootTag} writes them, with
 * nothing inside): each root's full text, DOM id and token, in document order. What the browser
 * joins after a render; the test helper joins them the same way.
 */
export function emptyChildRoots(html: string): Array<{ root: string; domId: string; token: string }> {
  return [...html.matchAll(EMPTY_CHILD_ROOT)].map((m) => ({ root: m[0], domId: m[1]!, token: m[2]! }));
}

/** @internal the pattern of {@link emptyChildRoots}, for replacing them in place */
export const EMPTY_CHILD_ROOT = new RegExp(`<div id="([^"]+)" ${A_VIEW}="[^"]*" ${A_TOKEN}="([^"]+)" ${A_CHILD}></div>`, "g");

/**
 * Issues a view's join token: its registered id, the session it is for, its DOM id and its
 * props, signed (HMAC) with an expiry. The one place a view token is made, for page views and
 * nested views alike; the socket verifies it on join.
 */
export function issueToken(services: LiveServices, session: Session, viewId: string, domId: string, props: ChildProps): string {
  return services.signer.sign({ v: viewId, s: session.id, i: domId, p: props });
}

/**
 * The `liveRender(ChildView, props)` template helper of one parent view.
 * Child DOM ids are `<parent id>-<key>` (key: `props.key`, else `props.id`, else the
 * child's position in the template), so they are the same on every render and morphdom
 * keeps the child's subtree. Tokens are cached per child, so re-renders do not change them.
 */
export class Children {
  /** child tokens by (dom id, view, props), made on the first child */
  private tokens?: Map<string, string>;
  private counter = 0;
  /** children met in the current disconnected render */
  pending: PendingChild[] = [];

  constructor(
    private services: LiveServices,
    private parentDomId: string,
    private session: Session,
    private connected: boolean,
  ) {}

  /** Whether a render ever showed a child (its HTML then carries session-bound tokens). */
  get used(): boolean {
    return this.tokens !== undefined;
  }

  /** Call before each render. */
  reset(): void {
    this.counter = 0;
    this.pending = [];
  }

  /**
   * Renders a nested view's root. Connected: an empty root that joins on its own.
   * Disconnected: a root with a marker that the page render replaces with the child's HTML.
   * @throws WeftError `WEFT_ERR_VIEW_NOT_REGISTERED` for a view id that is not registered
   */
  liveRender(child: LiveViewClass | string, props: ChildProps = {}): string {
    const cls = typeof child === "string" ? this.services.registry.get(child) : child;
    if (!cls) throw weftError("WEFT_ERR_VIEW_NOT_REGISTERED", `weft: liveRender: no view registered as "${String(child)}": pass the class itself, or register it first (app.weft.register(View))`);
    const viewId = this.services.registry.register(cls);
    const key = String(props.key ?? props.id ?? ++this.counter);
    const domId = `${this.parentDomId}-${key.replace(/[^\w-]/g, "_")}`;
    const cacheKey = `${domId}\n${viewId}\n${JSON.stringify(props)}`;
    let token = this.tokens?.get(cacheKey);
    if (!token) {
      token = issueToken(this.services, this.session, viewId, domId, props);
      (this.tokens ??= new Map()).set(cacheKey, token);
    }
    let inner = "";
    if (!this.connected) {
      inner = `<!--lv-child:${domId}-->`;
      this.pending.push({ domId, cls, props, marker: inner });
    }
    return `${rootTag(domId, viewId, token, true)}${inner}</div>`;
  }
}
