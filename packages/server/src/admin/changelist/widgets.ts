/**
 * The change list's widget slot: `changeListWidgets` (LiveView classes) rendered above the
 * list as nested views, only for users holding their static `permissionRequired`.
 */
import type { LiveViewClass } from "../../live/view.js";
import type { SessionUser } from "../auth/index.js";
import type { ModelAdmin } from "../model-admin.js";
import type { AdminSite } from "../site.js";

/** A widget class may declare the permissions (all required) a user needs to see it. */
export type WidgetClass = LiveViewClass & { permissionRequired?: string | readonly string[] };

/** The permissions a widget class requires (empty: none). */
export function requiredPermissions(cls: WidgetClass): string[] {
  const p = cls.permissionRequired;
  if (p === undefined || p === null) return [];
  return typeof p === "string" ? [p] : [...p];
}

/** The `changeListWidgets` of `admin` that `user` may see, in declared order. */
export function visibleWidgets(site: AdminSite, admin: ModelAdmin<any, any>, user: SessionUser): WidgetClass[] {
  return ((admin.options.changeListWidgets ?? []) as WidgetClass[]).filter((cls) => requiredPermissions(cls).every((p) => site.hasPerm(user, p)));
}
