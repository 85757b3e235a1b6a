/**
 * The widget slots of the admin's pages: `changeListWidgets` around the change list and
 * `changeFormWidgets` around the change form (LiveView classes rendered as nested views, or
 * LiveComponents rendered in the page's own view so they follow its state; laid out by
 * widget-slot.eta and slots.css above, beside or below the page's content), only for users
 * holding their static `permissionRequired`.
 */
import { LiveComponent, type LiveComponentClass, type LiveViewClass, type Params, type Session } from "@weft/server";
import { hasPermission, type SessionUser } from "../auth/index.js";
import { staffUser } from "./base.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";

import { SLOT_POSITIONS, type SlotPosition } from "../model/slot-position.js";

export { SLOT_POSITIONS, type SlotPosition };

/**
 * A widget-slot class may declare the permissions (all required) a user needs to see it, a
 * `label` (the slot's heading), a `size` (grid span: `sm` a third of the row, the default;
 * `md` a half; `lg` the whole row) and a `position` (`above`, the default; `beside`; `below`).
 * Checked at start-up (`weft.E002`).
 *
 * A LiveView class is a nested view (own socket stream; props: `app`, `model` on a list,
 * `objectId` on a form). A LiveComponent class lives in the page's view and gets the page's
 * state as props on every render where it changed (`update(props)`): on a change list
 * {@link ListWidgetProps} (search, filters, selection, the matching rows' WHERE), on a change
 * form {@link FormWidgetProps}.
 */
export type WidgetClass = (LiveViewClass | LiveComponentClass) & { permissionRequired?: string | readonly string[]; label?: string; size?: "sm" | "md" | "lg"; position?: SlotPosition };

/** Whether a slot class is a LiveComponent (rendered in the page's view) rather than a nested LiveView. */
export function isComponentClass(cls: unknown): cls is LiveComponentClass {
  return typeof cls === "function" && cls.prototype instanceof LiveComponent;
}

/** One widget of a page's slot, as the templates lay it out. */
export interface SlotEntry {
  cls: WidgetClass;
  /** its nested view key / component id, stable across renders */
  key: string;
  /** true: render with `it.component`, else `it.liveRender` */
  component: boolean;
}

/**
 * A page's visible slot widgets grouped by position (declared order kept within each).
 *
 * @param classes - the visible classes ({@link allowedWidgets})
 * @returns `{ above, beside, below }`
 */
export function slotLayout(classes: readonly WidgetClass[]): Record<SlotPosition, SlotEntry[]> {
  const out: Record<SlotPosition, SlotEntry[]> = { above: [], beside: [], below: [] };
  classes.forEach((cls, i) => out[SLOT_POSITIONS.includes(cls.position!) ? cls.position! : "above"].push({ cls, key: `w${i}`, component: isComponentClass(cls) }));
  return out;
}

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
export function allowedWidgets(_site: AdminSiteLike, classes: readonly WidgetClass[], user: SessionUser): WidgetClass[] {
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
