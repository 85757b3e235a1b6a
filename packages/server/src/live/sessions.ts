/**
 * Live sessions and the table of live routes, as Phoenix's `live_session`: routes grouped
 * under a name share `onMount` hooks (authentication, loading the user), run on the HTTP
 * render, on the WebSocket join and on every live navigation; live navigation between two
 * routes of one live session keeps the socket, anything else is a full page load.
 *
 * URLs are matched with find-my-way, fastify's own router, so a path matches here exactly
 * when fastify would route it to the live route.
 */
import FindMyWay from "find-my-way";
import { weftError } from "../errors.js";
import type { Params, Session } from "./types.js";
import type { LiveView, LiveViewClass } from "./view.js";

/**
 * A live session's hook, run before the view's `authorize` and `mount` (as Phoenix's
 * `on_mount`): on the HTTP render, on the join and on every live navigation into a route of
 * the session. It may assign to the view (`view.assign({ user })`).
 * @returns false to refuse (HTTP 403, an `unauthorized` join, a full page load for a
 *   navigation); it may also throw `UnauthorizedError` / `NotFoundError`
 */
export type OnMount = (view: LiveView<any, any>, params: Params, session: Session) => boolean | void | Promise<boolean | void>;

/** A page title: fixed, or computed from the route params. */
export type RouteTitle = string | ((params: Params) => string);

/** A declared live session. */
export interface LiveSessionDef {
  name: string;
  onMount: OnMount[];
}

/** A live route as navigation sees it. */
export interface LiveRoute {
  cls: LiveViewClass;
  session: LiveSessionDef;
  title?: RouteTitle;
  /** the route's layout (a navigation keeps the layout, so it only goes to routes with the same one) */
  layout?: string;
}

/** A URL matched to a live route, with its route params. */
export interface RouteMatch extends LiveRoute {
  params: Params;
}

/** The live routes of one weft plugin, by URL path, and their live sessions. @internal */
export class LiveRoutes {
  private router = FindMyWay<FindMyWay.HTTPVersion.V1>();
  private sessions = new Map<string, LiveSessionDef>();
  /** each routed class's live session, and the layout of its first route */
  private byClass = new Map<LiveViewClass, { session: LiveSessionDef; layout?: string }>();

  /**
   * Declares a live session.
   * @throws WeftError `WEFT_ERR_LIVE_SESSION` when `name` is declared already
   */
  declare(name: string, onMount: OnMount[]): LiveSessionDef {
    if (this.sessions.has(name)) throw weftError("WEFT_ERR_LIVE_SESSION", `weft: the live session "${name}" is declared twice: declare it once and put all its routes in it`);
    const def = { name, onMount };
    this.sessions.set(name, def);
    return def;
  }

  /**
   * The declared live session `name`.
   * @throws WeftError `WEFT_ERR_LIVE_SESSION` when it was not declared (`app.liveSession` first)
   */
  sessionNamed(name: string): LiveSessionDef {
    const s = this.sessions.get(name);
    if (!s) throw weftError("WEFT_ERR_LIVE_SESSION", `weft: the live session "${name}" is not declared: call app.liveSession("${name}", { onMount }) before routes name it`);
    return s;
  }

  /** The live session `name`, declared on first use (the implicit sessions of plain `app.live` routes). */
  implicit(name: string): LiveSessionDef {
    return this.sessions.get(name) ?? this.declare(name, []);
  }

  /**
   * Adds a live route (`path` in find-my-way's syntax, as fastify's).
   * @throws WeftError `WEFT_ERR_LIVE_SESSION` when the view class is in another live session already
   */
  add(path: string, route: LiveRoute): void {
    const other = this.byClass.get(route.cls)?.session;
    if (other && other !== route.session) {
      const name = (s: LiveSessionDef) => (s.name.startsWith("\0") ? "(none)" : `"${s.name}"`);
      throw weftError("WEFT_ERR_LIVE_SESSION", `weft: ${route.cls.name} is in the live sessions ${name(other)} and ${name(route.session)}: a view class belongs to one live session, whose onMount hooks run on its joins (make a subclass for the other)`);
    }
    if (!other) this.byClass.set(route.cls, { session: route.session, layout: route.layout });
    this.router.on("GET", path, () => {}, route);
  }

  /** The live session of a routed view class, if any (its hooks run on every mount of it). */
  sessionOf(cls: LiveViewClass): LiveSessionDef | undefined {
    return this.byClass.get(cls)?.session;
  }

  /** The live route `url` leads to, or null when it is not a live route. */
  match(url: URL): RouteMatch | null {
    const found = this.router.find("GET", url.pathname);
    if (!found) return null;
    return { ...(found.store as LiveRoute), params: { ...(found.params as Params) } };
  }

  /**
   * Whether a URL change (`lv-patch`, back / forward) can stay with a view mounted with `props`
   * (running its `handleParams`): true for a view that is not routed, or when `url` is its own
   * route with the same route params; false when it is another route's (then it is a navigation).
   */
  patchable(cls: LiveViewClass, props: Record<string, unknown>, url: URL): boolean {
    if (!this.byClass.has(cls)) return true;
    const m = this.match(url);
    return !!m && m.cls === cls && Object.entries(m.params).every(([k, v]) => String(props[k]) === v);
  }

  /**
   * Where a live navigation from a view of class `from` to `url` goes: the route, when it is
   * a live route of the same live session with the same layout; null when the browser must
   * load the page instead.
   */
  navigable(from: LiveViewClass, url: URL): RouteMatch | null {
    const m = this.match(url);
    const s = this.byClass.get(from);
    return m && s && m.session === s.session && m.layout === s.layout ? m : null;
  }
}

/**
 * Runs a live session's `onMount` hooks for a view about to mount.
 * @returns false when a hook refused
 */
export async function runOnMount(hooks: OnMount[], view: LiveView<any, any>, params: Params, session: Session): Promise<boolean> {
  for (const h of hooks) if ((await h(view, params, session)) === false) return false;
  return true;
}

/** The document title of a mounted page view: its `pageTitle` assign, else the route's title, else the class's. */
export function pageTitleOf(view: LiveView<any, any>, route: { title?: RouteTitle } | undefined, params: Params): string {
  const t = (view.assigns as { pageTitle?: unknown }).pageTitle;
  if (typeof t === "string") return t;
  const r = route?.title;
  return (typeof r === "function" ? r(params) : r) ?? (view.constructor as LiveViewClass).title ?? "Weft";
}
