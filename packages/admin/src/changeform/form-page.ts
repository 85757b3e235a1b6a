/**
 * The change form's page around the form (changeform/view.ts builds the form itself): the slot
 * widgets' layout and props, and the page shown in place of the form when its reads outlived
 * the site's budget.
 */
import type { SessionUser } from "../auth/index.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { allowedWidgets, slotLayout } from "../shell/slots.js";
import type { ChangeFormAssigns, FormWidgetProps } from "./assigns.js";
import { crumbsFor } from "./page.js";

/**
 * The visible slot widgets by position and the LiveComponents' props: users lacking a widget's
 * `permissionRequired` do not get it at all (as the change list's slots; on the add form too).
 * @param known - the props given before, by key: the same objects while the object stays (so
 *   their `update` runs once); updated in place
 * @param objectId - the object's key as text, null on the add form
 */
export function formSlots(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser, objectId: string | null, known: Map<string, FormWidgetProps>): Pick<ChangeFormAssigns, "slots" | "componentProps"> {
  const slots = slotLayout(allowedWidgets(site, admin.options.changeFormWidgets ?? [], user));
  const componentProps: Record<string, FormWidgetProps> = {};
  for (const e of [...slots.above, ...slots.beside, ...slots.below]) {
    if (!e.component) continue;
    const had = known.get(e.key);
    componentProps[e.key] = had && had.objectId === objectId ? had : { id: e.key, app: admin.app, model: admin.name, objectId, db: site.readsFor(user) };
    known.set(e.key, componentProps[e.key]!);
  }
  return { slots, componentProps };
}

/**
 * The page when the form's reads outlived the budget: its heading and `message` (e.g.
 * `FORM_TOO_SLOW`) in place of the form: no fields, no save buttons, no widgets, no inlines.
 * @param id - the object's key (undefined on the add form)
 * @param editable - whether the user may change such objects (the heading reads "Change …", else "View …")
 */
export function tooSlowForm(site: AdminSiteLike, admin: ModelAdmin<any, any>, mode: "add" | "change", id: unknown, message: string, editable: boolean): ChangeFormAssigns {
  const name = admin.verboseName.toLowerCase();
  const objectId = id === undefined ? null : String(id);
  return {
    mode,
    heading: mode === "add" ? `Add ${name}` : editable ? `Change ${name}` : `View ${name}`,
    verboseName: admin.verboseName,
    repr: null,
    objectId,
    pkLabel: "",
    crumbs: crumbsFor(site, admin, { last: mode === "add" ? `Add ${name}` : objectId ?? "" }),
    fieldsets: [],
    editable: false,
    canDelete: false,
    canAddAnother: false,
    formError: null,
    presence: "",
    version: null,
    urls: { self: mode === "add" ? `${admin.url}add/` : admin.objectUrl(objectId), list: admin.url, add: `${admin.url}add/`, history: objectId === null ? "" : admin.objectUrl(objectId, "history"), delete: "" },
    slots: slotLayout([]),
    componentProps: {},
    inlines: [],
    tooSlow: message,
  };
}
