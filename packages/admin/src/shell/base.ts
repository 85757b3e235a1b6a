import "../paths.js";
import { LiveView, type LiveViewClass, NotFoundError, UnauthorizedError, type Params, type Session } from "@weft/server";
import type { AdminSession, SessionUser } from "../auth/index.js";
import type { ModelAction, ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";

/** The user of an admin session, or null (anonymous, or not staff). */
export function staffUser(session: Session): SessionUser | null {
  const u = (session as AdminSession).user;
  return u?.isStaff ? u : null;
}

/**
 * Base of the admin's LiveViews. Each site binds its own subclasses (see {@link bindView}),
 * so a view knows its site without globals. Every admin view requires a staff user, on the
 * HTTP render and on every join.
 *
 * `S` is what the view uses of its site: {@link AdminSiteLike} (the default) or a wider
 * interface an `AdminSite` also implements, e.g. the dashboard's `DashboardSite`;
 * {@link bindView} only binds the view to a site of that type.
 */
export abstract class AdminView<A extends object = Record<string, unknown>, S extends AdminSiteLike = AdminSiteLike> extends LiveView<A> {
  /** set on the subclasses a site binds */
  static site: AdminSiteLike;

  /**
   * A staff user, and, on a model's page (`params.app` / `params.model`), some permission on
   * that model, as Django admin's `has_module_permission`. Run on the HTTP render, on every join,
   * and again whenever session authority finds the session changed (a view refused then is
   * stopped); each action's own permission is checked by {@link modelAdmin} in mount and handlers.
   * @param session - the current session
   * @param _ctx - the view context (unused)
   * @param params - the route params and props
   * @returns whether the session may see the view
   */
  static authorize(this: { site?: AdminSiteLike }, session: Session, _ctx?: unknown, params?: Params): boolean {
    const user = staffUser(session);
    if (!user) return false;
    const admin = params?.app && params.model ? this.site?.get(String(params.app), String(params.model)) : undefined;
    return !admin || (["view", "add", "change", "delete"] as const).some((a) => admin.has(user, a));
  }

  /** The site this view belongs to. */
  get site(): S {
    return (this.constructor as typeof AdminView).site as S;
  }

  /** The logged-in staff user. @throws UnauthorizedError when there is none */
  get user(): SessionUser {
    const u = staffUser(this.session);
    if (!u) throw new UnauthorizedError("admin view without a staff user");
    return u;
  }

  /**
   * The ModelAdmin named by `params.app` / `params.model`, after checking `action` for the
   * user — call it in mount AND in every handler that reads or writes data.
   * @throws NotFoundError for an unknown model; UnauthorizedError when the permission is missing
   */
  modelAdmin(params: Params | { app?: unknown; model?: unknown }, action: ModelAction): ModelAdmin<any, any> {
    const admin = this.site.get(String(params.app ?? ""), String(params.model ?? ""));
    if (!admin) throw new NotFoundError("no such model");
    if (!admin.has(this.user, action)) throw new UnauthorizedError(`${action} ${admin.name}`);
    return admin;
  }
}

/** A subclass of `cls` bound to `site` (a site of the type the view uses), registered under `<site id>-<view id>`. */
export function bindView<C extends LiveViewClass<AdminView<any, any>>>(cls: C, site: InstanceType<C>["site"], id: string): C {
  const Base = cls as unknown as new () => { mount(): void };
  const bound = class extends Base {} as unknown as C;
  Object.defineProperty(bound, "name", { value: cls.name });
  Object.assign(bound, { site, id: `${site.id}-${id}` });
  return bound;
}
