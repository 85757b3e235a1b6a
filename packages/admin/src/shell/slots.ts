/**
 * The widget slots of the admin's pages: `changeListWidgets` above the change list and
 * `changeFormWidgets` above the change form (LiveView classes rendered as nested views, laid
 * out by widget-slot.eta and slots.css), only for users holding their static `permissionRequired`.
 */
import type { LiveViewClass } from "@weft/server";
import type { SessionUser } from "../auth/index.js";
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

/** The classes of a widget slot that `user` may see (holding every `permissionRequired`), in declared order. */
export function allowedWidgets(site: AdminSiteLike, classes: readonly LiveViewClass[], user: SessionUser): WidgetClass[] {
  return (classes as readonly WidgetClass[]).filter((cls) => requiredPermissions(cls).every((p) => site.hasPerm(user, p)));
}

/** The `changeListWidgets` of `admin` that `user` may see, in declared order. */
export function visibleWidgets(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser): WidgetClass[] {
  return allowedWidgets(site, admin.options.changeListWidgets ?? [], user);
}
