/**
 * The change form's page around the form (changeform/view.ts builds the form itself): the slot
 * widgets' layout and props, and the page shown in place of the form when its reads outlived
 * the site's budget (with, once values arrived, a "Try again" form carrying them: {@link keptForm}).
 */
import type { SessionUser } from "../auth/index.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { allowedWidgets, slotLayout } from "../shell/slots.js";
import type { ChangeFormAssigns, FormWidgetProps } from "./assigns.js";
import { crumbsFor } from "./page.js";
import type { FormInput } from "./schema.js";
import { FORM_TOO_SLOW_KEPT, SAVE_TOO_SLOW } from "../query/index.js";

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

/** The change form's state while its reads are too slow: the message shown and, once values arrived, what to send again. */
export interface SlowForm {
  /** `FORM_TOO_SLOW` (the page was loaded), `SAVE_TOO_SLOW` (a save arrived), `FORM_TOO_SLOW_KEPT` (a form was recovered) */
  message: string;
  /** the hidden fields of the "Try again" form ({@link retryFields}), null when nothing was sent */
  retry: Array<[string, string]> | null;
}

/**
 * What a save sent, as the hidden fields of the too-slow page's "Try again" form, so that
 * pressing it POSTs the same body again (every name, each value of a repeated name in order,
 * the inlines' formset fields, the submit button pressed, `_version`): the CSRF token is left
 * out (the shell's `_csrf` input joins the form by its id, as it joins the real form's), and so
 * is `_target` (a live change's, not a value). The change form has no file inputs (its POST is
 * url-encoded), so nothing typed is missing.
 * @param p - the save's payload (a POST's body, or a live save's values)
 */
export function retryFields(p: FormInput): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, v] of Object.entries(p)) {
    if (name === "_csrf" || name === "_target" || v === undefined) continue;
    for (const value of Array.isArray(v) ? v : [v]) out.push([name, value]);
  }
  return out;
}

/** The hidden field that marks a form's values kept to be shown in the form again, not saved ({@link keptForm}). */
export const RESTORE_FIELD = "_restore";

/** The submit buttons' names (schema.ts `submitAction`): a payload naming one was a save. */
const SUBMITS = ["_save", "_continue", "_addanother"];

/**
 * The too-slow page's state once values arrived while the form's reads outlived the budget, so
 * that nothing typed is lost: a save's (a POST without JavaScript, a live save, or such a page's
 * own "Try again" form recovered on a reconnect) is kept as it was sent, under
 * {@link SAVE_TOO_SLOW}, and "Try again" saves it; the live form's values recovered on a
 * reconnect (no button, no save meant) are kept with {@link RESTORE_FIELD}, under
 * {@link FORM_TOO_SLOW_KEPT}, and "Try again" only loads the form with them.
 * @param how - "save" (the `save` event or a POST), "recovered" (a form recovered on a rejoin: `validate`)
 */
export function keptForm(p: FormInput, how: "save" | "recovered"): SlowForm {
  const saving = p[RESTORE_FIELD] === undefined && (how === "save" || SUBMITS.some((k) => p[k] !== undefined));
  return saving ? { message: SAVE_TOO_SLOW, retry: retryFields(p) } : { message: FORM_TOO_SLOW_KEPT, retry: retryFields({ ...p, [RESTORE_FIELD]: "1" }) };
}

/**
 * The page when the form's reads outlived the budget: its heading and message in place of the
 * form (no fields, no save buttons, no widgets, no inlines), and once values arrived the "Try
 * again" form that sends what the user typed once more (only to a user who may save here).
 * @param id - the object's key (undefined on the add form)
 * @param editable - whether the user may change such objects (the heading reads "Change …", else "View …")
 */
export function tooSlowForm(site: AdminSiteLike, admin: ModelAdmin<any, any>, mode: "add" | "change", id: unknown, slow: SlowForm, editable: boolean): ChangeFormAssigns {
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
    tooSlow: slow.message,
    retry: editable ? slow.retry : null,
  };
}
