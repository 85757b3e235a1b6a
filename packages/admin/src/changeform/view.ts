import type { FastifyInstance } from "fastify";
import { NotFoundError, UnauthorizedError, type Params, on, type LiveRouteOptions } from "@weft/server";
import { foreignKeyChoices, relatedLabel, type Choice } from "./choices.js";
import { closedState, moveHighlight, resolveTyped, searchRelated, SEARCH_SUFFIX, usesAutocomplete, type AutocompleteState } from "./autocomplete.js";
import { z } from "zod";
import { InlineForms, type InlineView } from "./inlines.js";
import { inlineSpecs } from "./inline-spec.js";
import { InlineRowGoneError } from "./inline-persist.js";
import { describeDbError } from "./db-errors.js";
import { DeleteView } from "./delete-view.js";
import { formSpec, shownFields, writableFields, type FormSpec } from "./fields.js";
import { formSpecFor, runCleanHooks } from "./hooks.js";
import { savedNotice } from "./notice.js";
import { formPostRoute, withFormCsrf } from "./post.js";
import { crumbsFor, objectName, parseObjectId, titled, type Crumb } from "./page.js";
import { diffRows, insertObject, loadObject, updateObject, type Written } from "./persist.js";
import { describeChanges, StaleObjectError, staleMessage, VERSION_FIELD, versionOf } from "./concurrency.js";
import { FormPresence, presenceText, presenceTopic } from "./presence.js";
import { randomUUID } from "node:crypto";
import { initialValues, presentFieldsets, type FieldsetView } from "./present.js";
import { publishModelEvent } from "../model/publish.js";
import { reprOf } from "../model/repr.js";
import { emptyValueFor } from "../model/empty-value.js";
import { FORM_PAYLOAD, validateForm, type FieldErrors, type FormInput } from "./schema.js";
import { allowedWidgets, slotLayout, type SlotEntry, type SlotPosition } from "../shell/slots.js";
import type { SessionUser } from "../auth/index.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { AdminView, bindView } from "../shell/base.js";

type Row = Record<string, unknown>;
type Mode = "add" | "change";

/** What the change form's template gets. */
export interface ChangeFormAssigns {
  mode: Mode;
  heading: string;
  verboseName: string;
  /** the object's label (change form) */
  repr: string | null;
  /** the primary key as text (change form) */
  objectId: string | null;
  pkLabel: string;
  crumbs: Crumb[];
  fieldsets: FieldsetView[];
  /** false for a view-only user: no form, no save buttons */
  editable: boolean;
  canDelete: boolean;
  canAddAnother: boolean;
  /** shown above the form */
  formError: string | null;
  /** "manager is also editing this order" (presence), or "" */
  presence: string;
  /** `self`: where the form POSTs without JavaScript (this page's own URL) */
  urls: { self: string; list: string; add: string; history: string; delete: string };
  /** the version of the object as shown (hidden field `_version`), null on the add form */
  version: string | null;
  /** the visible `changeFormWidgets` by position; nested views get `objectId` (none on the add form), LiveComponents {@link FormWidgetProps} */
  slots: Record<SlotPosition, SlotEntry[]>;
  /** the props of each LiveComponent slot widget, by its key */
  componentProps: Record<string, FormWidgetProps>;
  /** the `inlines`' child rows (changeform/inlines.ts) */
  inlines: InlineView[];
}

/** What a change form's LiveComponent slot widget receives (besides being re-rendered with the form). */
export interface FormWidgetProps {
  /** the component's id within the form's view (`w0`, `w1`, … by declared order) */
  id: string;
  app: string;
  model: string;
  /** the object's primary key as text, or null on the add form */
  objectId: string | null;
}


/** Which button submitted the form (Django's `_save`, `_continue`, `_addanother`). */
function submitAction(p: FormInput): "save" | "continue" | "addanother" {
  if (p._continue !== undefined) return "continue";
  if (p._addanother !== undefined) return "addanother";
  return "save";
}

/**
 * The change form, as Django admin's `changeform_view`: `<prefix>/<app>/<model>/<id>/change/`
 * (view permission to see it, change permission to save) and, as {@link AddFormView},
 * `<prefix>/<app>/<model>/add/` (add permission).
 *
 * - Inputs are derived from the drizzle columns (see changeform/fields.ts); `lv-change`
 *   validates as the user types and shows errors for the fields they touched; submit
 *   validates everything, writes in one transaction with the audit entry, publishes
 *   `<model>.created|changed` on the table's topic, then, by button:
 *   Save → the change list with `?saved=<id>`; Save and continue editing → stays (change) or
 *   goes to the new object's page (add), with the success message; Save and add another →
 *   the add page with `?saved=<id>`. The message after a redirect comes from the audit log
 *   (see changeform/notice.ts).
 * - Readonly fields and the primary key are never written: only the form's writable fields
 *   are read from a payload, and only they reach the UPDATE.
 * - The permission is checked on mount (HTTP render and join) and again in every event.
 * - Transport: events travel over the LiveView socket, which is CSRF-safe by construction
 *   (the upgrade checks Origin, the session cookie authenticates, and every view joins with
 *   an HMAC-signed token bound to that session), so the form carries no CSRF token.
 */
export class ChangeFormView extends AdminView<ChangeFormAssigns> {
  static template = new URL("../../src/changeform/changeform.eta", import.meta.url);
  static title = "Change";
  /** which page this class serves; the add page is a subclass, so a URL cannot switch it */
  static mode: Mode = "change";

  private spec!: FormSpec;
  private id: unknown;
  private row: Row | undefined;
  private values: Record<string, string> = {};
  private errors: FieldErrors = {};
  private touched = new Set<string>();
  private submitted = false;
  private formError: string | null = null;
  /** the form (non-field) errors of the last `clean` (model/form-hooks.ts) */
  private cleanErrors: string[] = [];
  /** this form's presence on its object's topic (change mode, connected), or null */
  private presence: FormPresence | null = null;
  /** when the row shown was read (ms): audit entries before it are not "the other save" */
  private loadedAt = Date.now();
  /** the LiveComponent slot widgets' props, by key (see formSlots) */
  private widgetProps = new Map<string, FormWidgetProps>();
  private fkChoices = new Map<string, Choice[] | null>();
  private fkLabels = new Map<string, string | undefined>();
  /** the autocompleted foreign keys (changeform/autocomplete.ts), by field key */
  private ac = new Map<string, AutocompleteState>();
  private inlines!: InlineForms;
  /** set by {@link submit} (a POST without JavaScript): where the save sends the browser */
  private postedTo: string | null | undefined;

  get mode(): Mode {
    return (this.constructor as typeof ChangeFormView).mode;
  }

  events = {
    validate: on(FORM_PAYLOAD, (p) => this.validate(p)),
    save: on(FORM_PAYLOAD, (p) => this.save(p)),
    ac_key: on(AC_KEY, (p) => this.acKey(p.field, p.key)),
    ac_pick: on(AC_PICK, (p) => this.acPick(p.field, p.value)),
  };

  async mount(params: Params) {
    const admin = this.modelAdmin(params, this.mode === "add" ? "add" : "view");
    this.spec = formSpec(this.site, admin);
    if (this.mode === "change") {
      this.id = parseObjectId(this.spec, params.id);
      this.row = this.id === undefined ? undefined : await loadObject(this.site.db, this.spec, this.id, admin.options.getQueryset?.(this.user));
      if (!this.row) throw new NotFoundError(`no ${admin.name} ${String(params.id).slice(0, 50)}`);
    }
    this.refreshSpec(admin);
    this.values = initialValues(this.spec, this.mode, this.row);
    this.inlines = new InlineForms(this.site, admin, this.user);
    await this.inlines.load(this.row);
    if (this.mode === "change" && this.ctx.connected) this.joinPresence(admin);
    await this.loadChoices();
    const notice = await savedNotice(this.site.db, admin, this.user, params, this.mode === "add" ? ` You may add another ${admin.verboseName.toLowerCase()} below.` : this.editable(admin) ? " You may edit it again below." : "");
    if (notice) this.flash = { success: notice };
    return this.view(admin);
  }

  /**
   * Saves a form POSTed without JavaScript through the same `save` as the `save` event (same
   * validation, permission check, transaction with audit entry, publish), as Django's
   * `changeform_view` handles POST.
   * @param p - the form body (see {@link FORM_PAYLOAD})
   * @returns where to redirect after a successful save (303), or null: the form has errors;
   *   render this view again (its assigns hold the posted values and the errors)
   * @throws UnauthorizedError (HTTP 403) when the user may not add / change here
   */
  async submit(p: FormInput): Promise<string | null> {
    if (!this.editable()) throw new UnauthorizedError(`${this.mode} ${this.admin.name}`);
    this.postedTo = null;
    await this.save(p);
    return this.postedTo;
  }

  /** Navigates away (the live page), or records where to (a POST without JavaScript). */
  override redirect(url: string): void {
    if (this.postedTo !== undefined) this.postedTo = url;
    else super.redirect(url);
  }

  /** The form for this user on the object as stored (`getReadonlyFields(user, obj)`). */
  private refreshSpec(admin = this.admin): void {
    this.spec = formSpecFor(this.site, admin, this.user, this.row);
  }

  private get admin(): ModelAdmin<any, any> {
    return this.spec.admin;
  }

  /** May the user write through this form? (add: add permission; change: change permission) */
  private editable(admin = this.admin): boolean {
    return this.mode === "add" ? admin.has(this.user, "add") : admin.has(this.user, "change", this.row);
  }

  private async loadChoices(): Promise<void> {
    const db = this.site.db;
    for (const f of shownFields(this.spec)) {
      if (f.kind !== "foreignKey" || !f.fk) continue;
      const writable = this.editable() && writableFields(this.spec, this.mode).includes(f);
      if (writable && !this.fkChoices.has(f.key)) this.fkChoices.set(f.key, f.autocomplete ? null : await foreignKeyChoices(db, f.fk));
      await this.updateLabel(f.key, writable ? this.values[f.key] : this.row?.[f.key]);
      if (writable && usesAutocomplete(f, this.fkChoices.get(f.key))) this.ac.set(f.key, closedState(this.fkLabels.get(f.key) ?? "", this.ac.get(f.key)?.generation));
    }
  }

  /** The label of the related object chosen in foreign-key field `key`. */
  private async updateLabel(key: string, value: unknown): Promise<void> {
    const f = this.spec.byKey.get(key);
    if (!f?.fk) return;
    if (value === null || value === undefined || value === "") return void this.fkLabels.set(key, undefined);
    const choice = this.fkChoices.get(key)?.find((c) => c.value === String(value));
    this.fkLabels.set(key, choice ? choice.label : await relatedLabel(this.site.db, f.fk, value));
  }

  private view(admin = this.admin): ChangeFormAssigns {
    const user = this.user;
    const editable = this.editable(admin);
    const shownErrors: FieldErrors = {};
    for (const [k, v] of Object.entries(this.errors)) if (this.submitted || this.touched.has(k)) shownErrors[k] = v;
    const repr = this.row ? reprOf(admin, this.row) : null;
    const objectId = this.id === undefined ? null : String(this.id);
    const name = admin.verboseName.toLowerCase();
    return {
      mode: this.mode,
      heading: this.mode === "add" ? `Add ${name}` : editable ? `Change ${name}` : `View ${name}`,
      verboseName: admin.verboseName,
      repr,
      objectId,
      pkLabel: this.spec.pk.label,
      crumbs: crumbsFor(this.site, admin, this.mode === "add" ? { last: `Add ${name}` } : { objectId: this.id, repr: repr!, last: null }),
      fieldsets: presentFieldsets(this.spec, {
        mode: this.mode,
        editable,
        values: this.values,
        row: this.row,
        errors: shownErrors,
        fkChoices: this.fkChoices,
        fkLabels: this.fkLabels,
        autocomplete: this.ac,
        user,
        emptyValue: (key) => emptyValueFor(this.site, admin, key),
      }),
      editable,
      canDelete: this.mode === "change" && admin.has(user, "delete", this.row),
      canAddAnother: admin.has(user, "add"),
      formError: this.formError,
      presence: this.presence ? presenceText(this.presence.roster.names(), admin.verboseName.toLowerCase()) : "",
      version: this.row && this.mode === "change" ? versionOf(this.spec, this.row) : null,
      urls: {
        self: this.mode === "add" ? `${admin.url}add/` : admin.objectUrl(objectId),
        list: admin.url,
        add: `${admin.url}add/`,
        history: objectId === null ? "" : admin.objectUrl(objectId, "history"),
        delete: objectId === null ? "" : admin.objectUrl(objectId, "delete"),
      },
      // as the change list's slot: users lacking a widget's permissionRequired do not get it at
      // all; on the add form too (objectId null)
      ...this.formSlots(admin, user, objectId),
      inlines: this.inlines.present(editable),
    };
  }

  /** The visible slot widgets by position and the LiveComponents' props (the same objects while the object stays, so their `update` runs once). */
  private formSlots(admin: ModelAdmin<any, any>, user: SessionUser, objectId: string | null): Pick<ChangeFormAssigns, "slots" | "componentProps"> {
    const slots = slotLayout(allowedWidgets(this.site, admin.options.changeFormWidgets ?? [], user));
    const componentProps: Record<string, FormWidgetProps> = {};
    for (const e of [...slots.above, ...slots.beside, ...slots.below]) {
      if (!e.component) continue;
      const known = this.widgetProps.get(e.key);
      componentProps[e.key] = known && known.objectId === objectId ? known : { id: e.key, app: admin.app, model: admin.name, objectId };
      this.widgetProps.set(e.key, componentProps[e.key]!);
    }
    return { slots, componentProps };
  }

  /** Joins the object's presence topic: subscribes, says it is here, starts its heartbeat. */
  private joinPresence(admin: ModelAdmin<any, any>): void {
    const topic = presenceTopic(admin, this.id);
    this.subscribe(topic);
    const io = { topic, user: this.user.username, publish: (t: string, m: unknown) => this.ctx.pubsub.publish(t, m), sendInfo: (m: unknown, ms: number) => this.sendInfo(m, ms), onError: (err: unknown) => this.site.jobLog?.error({ err }, "weft admin: presence publish failed") };
    this.presence = new FormPresence(io, randomUUID());
    this.presence.start();
  }

  /** Heartbeats and the other forms' presence messages. */
  async handleInfo(msg: unknown): Promise<void> {
    if (this.presence?.handle(msg, Date.now())) this.assign(this.view());
  }

  /** Says it left, so the others drop it at once (a crash instead: they drop it after the TTL). */
  terminate(): void {
    this.presence?.announce("leave");
  }

  /**
   * A save over a newer version: nothing written; the form keeps what the user typed (fields
   * left as loaded take the other save's values), says what the other save changed, and compares
   * with the row as it is now (saving again goes through).
   */
  private async refuseStale(admin: ModelAdmin<any, any>, err: StaleObjectError): Promise<void> {
    const changed = describeChanges(this.spec, diffRows(this.spec, this.row ?? null, err.current));
    // fields the user left as loaded take the other save's values; what they typed stays
    const loaded = initialValues(this.spec, this.mode, this.row);
    const now = initialValues(this.spec, this.mode, err.current);
    for (const [k, v] of Object.entries(now)) if (this.values[k] === loaded[k]) this.values[k] = v;
    this.row = err.current;
    this.refreshSpec(admin);
    this.formError = await staleMessage(this, admin, this.spec.model, this.id, changed, this.loadedAt);
    this.loadedAt = Date.now();
    this.assign(this.view(admin));
  }

  /** Reads the writable fields' strings from a payload (unchecked boxes are absent: ""). */
  private takeValues(p: FormInput): void {
    for (const f of writableFields(this.spec, this.mode)) {
      const v = p[f.key];
      const s = Array.isArray(v) ? v[v.length - 1] : v;
      this.values[f.key] = s ?? (f.kind === "boolean" ? "" : this.values[f.key] ?? "");
    }
  }

  /** Validates the form and checks that chosen related objects exist. */
  private async check(p: FormInput): Promise<{ data: Row; errors: FieldErrors }> {
    const { data, errors } = validateForm(this.spec, this.mode, p, this.row);
    for (const f of writableFields(this.spec, this.mode)) {
      if (f.kind !== "foreignKey") continue;
      await this.updateLabel(f.key, this.values[f.key]);
      const v = data[f.key];
      if (v === null || v === undefined || errors[f.key]) continue;
      if (this.fkLabels.get(f.key) === undefined) {
        errors[f.key] = ["Select a valid choice. That choice is not one of the available choices."];
        delete data[f.key];
      }
    }
    this.cleanErrors = await runCleanHooks(this.spec, this.mode, this.user, this.row, data, errors);
    return { data, errors };
  }

  /** `lv-change`: validate without saving; errors for the fields the user touched. */
  private async validate(p: FormInput): Promise<void> {
    const admin = this.site.get(this.admin.app, this.admin.name);
    if (!admin || !this.editable(admin)) return;
    const target = typeof p._target === "string" ? p._target : undefined;
    if (target && this.spec.byKey.has(target)) this.touched.add(target);
    // lv-change is debounced: one event can carry several edits but names only the last
    // target, so every field whose value changed counts as touched too
    const previous = { ...this.values };
    this.takeValues(p);
    this.inlines.read(p);
    await this.acSearch(p);
    for (const [k, v] of Object.entries(this.values)) if (previous[k] !== v) this.touched.add(k);
    this.errors = (await this.check(p)).errors;
    if (this.cleanErrors.length > 0) this.formError = this.cleanErrors.join(" ");
    else if (Object.keys(this.errors).length === 0) this.formError = null;
    this.assign(this.view(admin));
  }

  /** `lv-submit`: validate everything, write, publish, navigate. */
  private async save(p: FormInput): Promise<void> {
    const admin = this.site.get(this.admin.app, this.admin.name);
    this.flash = {};
    if (!admin || !this.editable(admin)) {
      this.formError = `You don't have permission to ${this.mode === "add" ? "add" : "change"} this ${this.admin.verboseName.toLowerCase()}.`;
      this.assign(this.view());
      return;
    }
    // Enter in an autocomplete's input submits the form: it picks the highlighted result instead
    for (const [key, s] of this.ac) if (s.active >= 0 && s.results[s.active]) return this.acPick(key, s.results[s.active]!.value);
    // "Add another …" is a submit button (the form's values travel with it, live or not): a blank row, no save
    if (typeof p[INLINE_ADD] === "string") {
      this.takeValues(p);
      this.inlines.read(p);
      this.inlines.add(p[INLINE_ADD]);
      this.assign(this.view(admin));
      return;
    }
    this.submitted = true;
    const typed = await this.acResolve(p);
    p = typed.p;
    this.takeValues(p);
    this.inlines.read(p);
    const { data, errors } = await this.check(p);
    for (const [k, e] of Object.entries(typed.errors)) errors[k] = [e];
    this.errors = errors;
    const n = Object.keys(errors).length + (this.inlines.validate() ? 0 : 1);
    if (n > 0 || this.cleanErrors.length > 0) {
      this.formError = this.cleanErrors.length > 0 ? this.cleanErrors.join(" ") : n === 1 ? "Please correct the error below." : "Please correct the errors below.";
      this.assign(this.view(admin));
      return;
    }
    let written: Written | undefined;
    const ctx = { db: this.site.db, spec: this.spec, userId: this.user.id, user: this.user, scope: admin.options.getQueryset?.(this.user) };
    // optimistic concurrency: the version the user saw (a POST without JavaScript carries it in its hidden field)
    const posted = p[VERSION_FIELD];
    const expected = this.postedTo !== undefined ? (typeof posted === "string" && posted ? posted : undefined) : this.row ? versionOf(this.spec, this.row) : undefined;
    try {
      written = this.mode === "add" ? await insertObject(ctx, data, this.inlines.write) : await updateObject(ctx, this.id, data, expected, this.inlines.write);
    } catch (err) {
      if (err instanceof StaleObjectError) return this.refuseStale(admin, err);
      if (err instanceof InlineRowGoneError) {
        this.formError = `${err.is.admin.verboseName} rows changed meanwhile; nothing was saved. Reload the page to see them.`;
        this.assign(this.view(admin));
        return;
      }
      const failure = describeDbError(err, this.spec, "save");
      if (!failure) throw err;
      this.formError = failure.message;
      this.errors = { ...this.errors, ...failure.fieldErrors };
      this.assign(this.view(admin));
      return;
    }
    if (!written) {
      this.formError = `This ${admin.verboseName.toLowerCase()} no longer exists; it may have been deleted.`;
      this.assign(this.view(admin));
      return;
    }
    await publishModelEvent(this.ctx.pubsub, admin, this.mode === "add" ? "created" : "changed", written.id, (err) => this.site.jobLog?.error({ err }, "weft admin: publish failed (the write is saved; live pages miss it)"));
    const id = encodeURIComponent(String(written.id));
    const action = submitAction(p);
    if (action === "addanother") return this.redirect(`${admin.url}add/?saved=${id}`);
    if (action === "save") return this.redirect(admin.has(this.user, "view") ? `${admin.url}?saved=${id}` : `${this.site.prefix}/`);
    if (this.mode === "add") return this.redirect(admin.has(this.user, "view") ? `${admin.objectUrl(written.id)}?saved=${id}` : `${admin.url}add/?saved=${id}`);
    // save and continue editing, on the change form: stay, with the stored values (a POST: load it again)
    if (this.postedTo !== undefined) return this.redirect(`${admin.objectUrl(written.id)}?saved=${id}`);
    this.row = written.row;
    this.refreshSpec(admin);
    this.loadedAt = Date.now();
    this.values = initialValues(this.spec, this.mode, this.row);
    this.errors = {};
    this.touched.clear();
    this.submitted = false;
    this.formError = null;
    await this.loadChoices();
    await this.inlines.load(this.row);
    this.putFlash("success", `The ${admin.verboseName.toLowerCase()} “${written.repr}” was ${Object.keys(written.changes).length ? "changed successfully" : "saved with no changes"}. You may edit it again below.`);
    this.assign(this.view(admin));
  }

  /** Searches again for each autocomplete whose text changed (blank text clears the field). */
  private async acSearch(p: FormInput): Promise<void> {
    for (const [key, s] of this.ac) {
      const q = p[key + SEARCH_SUFFIX];
      if (typeof q !== "string" || q === s.q) continue;
      s.q = q;
      s.results = await searchRelated(this.site, this.spec.byKey.get(key)!, this.user, q);
      s.active = -1;
      if (q.trim() === "") this.values[key] = "";
    }
  }

  /** The payload with each autocomplete's typed-but-not-picked text resolved to a key (see resolveTyped). */
  private async acResolve(p: FormInput): Promise<{ p: FormInput; errors: Record<string, string> }> {
    const out: FormInput = { ...p };
    const errors: Record<string, string> = {};
    for (const f of writableFields(this.spec, this.mode)) {
      if (!usesAutocomplete(f, this.fkChoices.get(f.key))) continue;
      const q = p[f.key + SEARCH_SUFFIX];
      const current = typeof p[f.key] === "string" ? String(p[f.key]) : (this.values[f.key] ?? "");
      const label = current === "" ? "" : this.fkLabels.get(f.key) ?? (await relatedLabel(this.site.db, f.fk!, current)) ?? "";
      if (typeof q !== "string" || q.trim() === label.trim()) continue;
      const r = await resolveTyped(this.site, f, this.user, q);
      if ("value" in r) out[f.key] = r.value;
      else errors[f.key] = r.error;
    }
    return { p: out, errors };
  }

  /** `ac_key`: ↑ / ↓ move the highlight, Escape closes the list (Enter submits: see save). */
  private acKey(field: string, key: string): void {
    const s = this.ac.get(field);
    if (!s || !this.editable() || !moveHighlight(s, key)) return;
    this.assign(this.view());
  }

  /** `ac_pick`: the result `value` becomes the field's value; the list closes. */
  private async acPick(field: string, value: string): Promise<void> {
    const s = this.ac.get(field);
    if (!s || !this.editable()) return;
    const picked = s.results.find((r) => r.value === value);
    if (!picked) return;
    this.values[field] = picked.value;
    this.touched.add(field);
    await this.updateLabel(field, picked.value);
    this.ac.set(field, closedState(picked.label, s.generation + 1));
    this.errors = (await this.check({ ...this.values })).errors;
    this.assign(this.view());
  }
}

/** The name of the inlines' "Add another" submit buttons; the value is the inline's prefix. */
const INLINE_ADD = "_inline_add";
/** `ac_key`: a key pressed in an autocomplete's input. */
const AC_KEY = z.object({ field: z.string().max(200), key: z.string().max(40), value: z.string().max(10_000).optional() });
/** `ac_pick`: a result clicked. */
const AC_PICK = z.object({ field: z.string().max(200), value: z.string().max(10_000) });

/** The add page: `<prefix>/<app>/<model>/add/` (add permission). */
export class AddFormView extends ChangeFormView {
  static title = "Add";
  static mode: Mode = "add";
}

/**
 * The add / change / delete pages of a model (its history pages: audit/routes.ts), and the add
 * and change forms' POST for browsers without JavaScript (changeform/post.ts). Staff-guarded scope.
 */
export async function changeFormRoutes(scope: FastifyInstance, site: AdminSiteLike, ro: LiveRouteOptions): Promise<void> {
  const p = site.prefix;
  // as Django's system checks: a form option naming an unknown column fails at start-up
  for (const admin of site.all()) formSpec(site, admin), inlineSpecs(site, admin);
  const add = bindView(AddFormView, site, "changeform-add");
  const change = bindView(ChangeFormView, site, "changeform");
  const addRo = withFormCsrf(titled(site, ro, (a) => `Add ${objectName(a)}`));
  const changeRo = withFormCsrf(titled(site, ro, (a) => `Change ${objectName(a)}`));
  scope.live(`${p}/:app/:model/add/`, add, addRo);
  scope.live(`${p}/:app/:model/:id/change/`, change, changeRo);
  scope.live(`${p}/:app/:model/:id/delete/`, bindView(DeleteView, site, "delete"), titled(site, ro, (a) => `Delete ${objectName(a)}`));
  await formPostRoute(scope, `${p}/:app/:model/add/`, add, addRo);
  await formPostRoute(scope, `${p}/:app/:model/:id/change/`, change, changeRo);
}
