import "../paths.js";
import { LiveView, type LiveViewClass, NotFoundError, UnauthorizedError, type Params, type Session } from "@weft/server";
import type { AdminSession, SessionUser } from "../auth/index.js";
import type { ModelAction, ModelAdmin } from "../model/model-admin.js";
import type { AdminSite } from "../site.js";

/** The user of an admin session, or null (anonymous, or not staff). */
export function staffUser(session: Session): SessionUser | null {
  const u = (session as AdminSession).user;
  return u?.isStaff ? u : null;
}

/**
 * Base of the admin's LiveViews. Each site binds its own subclasses (see {@link bindView}),
 * so a view knows its site without globals. Every admin view requires a staff user, on the
 * HTTP render and on every join.
 */
export abstract class AdminView<A extends object = Record<string, unknown>> extends LiveView<A> {
  /** set on the subclasses a site binds */
  static site: AdminSite;

  static authorize(session: Session): boolean {
    return staffUser(session) !== null;
  }

  /** The site this view belongs to. */
  get site(): AdminSite {
    return (this.constructor as typeof AdminView).site;
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

/** A subclass of `cls` bound to `site`, registered under `<site id>-<view id>`. */
export function bindView<C extends LiveViewClass<AdminView<any>>>(cls: C, site: AdminSite, id: string): C {
  const Base = cls as unknown as new () => { mount(): void };
  const bound = class extends Base {} as unknown as C;
  Object.defineProperty(bound, "name", { value: cls.name });
  Object.assign(bound, { site, id: `${site.id}-${id}` });
  return bound;
}
