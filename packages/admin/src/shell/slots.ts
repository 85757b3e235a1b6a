/**
 * The widget slots of the admin's pages: `changeListWidgets` above the change list and
 * `changeFormWidgets` above the change form (LiveView classes rendered as nested views, laid
 * out by widget-slot.eta and slots.css), only for users holding their static `permissionRequired`.
 */
import type { LiveViewClass, Params, Session } from "@weft/server";
import { hasPermission, type SessionUser } from "../auth/index.js";
import { staffUser } from "./base.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";

/**
 * A widget-slot class may declare the permissions (all required) a user needs to see it, a
 * `label` (the slot's heading) and a `size` (grid span: `sm` a third of the row, the default;
 * `md` a half; `lg` the whole row). Checked at start-up (`weft.E002`).
 */
export type WidgetClass = LiveViewClass & { permissionRequired?: string | readonly string[]; label?: string; size?: "sm" | "md" | "lg" };

/** The permissions a widget class requires (empty: none). */
export function requiredPermissions(cls: WidgetClass): string[] {
  const p = cls.permissionRequired;
  if (p === undefined || p === null) return [];
  return typeof p === "string" ? [p] : [...p];
}

/**
 * The one permission check of the admin's widgets (slot widgets and dashboard tiles), on the
 * page render and on every join: a staff user holding every one of `perms`.
 */
export function staffHoldsAll(user: SessionUser | null | undefined, perms: readonly string[]): boolean {
  return !!user?.isStaff && perms.every((p) => hasPermission(user, p));
}

/** The classes of a widget slot that `user` may see (holding every `permissionRequired`), in declared order. */
export function allowedWidgets(_site: AdminSiteLike, classes: readonly LiveViewClass[], user: SessionUser): WidgetClass[] {
  return (classes as readonly WidgetClass[]).filter((cls) => staffHoldsAll(user, requiredPermissions(cls)));
}

const guarded = new WeakSet<Function>();

/**
 * Makes a widget-slot class check its `permissionRequired` on every mount, the HTTP render and
 * every join, as the dashboard tiles do: its static `authorize` (own or inherited) is wrapped so
 * that a session without a staff user holding every permission is refused (`unauthorized` on
 * the socket) before the class's own `authorize`, if any, runs. A page leaves out the widgets a
 * user may not see; this refuses a crafted join of one (a token signed for the user's session
 * naming the class). Wraps a class once, whichever slots and models list it.
 *
 * @param cls - a LiveView class listed in `changeListWidgets` or `changeFormWidgets`
 * @returns `cls`, guarded
 */
export function guardWidget<C extends LiveViewClass>(cls: C): C {
  if (guarded.has(cls)) return cls;
  guarded.add(cls);
  const own = cls.authorize;
  const authorize = function (this: WidgetClass, session: Session, ctx: unknown, params: Params): boolean | Promise<boolean> {
    if (!staffHoldsAll(staffUser(session), requiredPermissions(this))) return false;
    return own ? own.call(this, session, ctx, params) : true;
  };
  Object.defineProperty(cls, "authorize", { value: authorize, writable: true, configurable: true });
  return cls;
}

/** The `changeListWidgets` of `admin` that `user` may see, in declared order. */
export function visibleWidgets(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser): WidgetClass[] {
  return allowedWidgets(site, admin.options.changeListWidgets ?? [], user);
}
