import { NotFoundError, UnauthorizedError, type Params, on } from "@weft/server";
import { AC_KEY_PAYLOAD, AC_PICK_PAYLOAD, highlighted } from "./autocomplete.js";
import { FormRelations } from "./form-relations.js";
import { InlineForms } from "./inlines.js";
import { writeForm } from "./form-write.js";
import { formSpec, writableFields, type FormSpec } from "./fields.js";
import { formSpecFor, runCleanHooks } from "./hooks.js";
import { userNotice } from "./notice.js";
import { crumbsFor, parseObjectId } from "./page.js";
import { diffRows, loadObject } from "./persist.js";
import { describeChanges, StaleObjectError, staleMessage, VERSION_FIELD, versionOf } from "./concurrency.js";
import { FormPresence, presenceText, presenceTopic } from "./presence.js";
import { randomUUID } from "node:crypto";
import { initialValues, keepTyped, presentFieldsets, takeValues } from "./present.js";
import { publishModelEvent } from "../model/publish.js";
import { reprOf } from "../model/repr.js";
import { emptyValueFor } from "../model/empty-value.js";
import { FORM_PAYLOAD, submitAction, validateForm, type FieldErrors, type FormInput } from "./schema.js";
import type { ModelAdmin } from "../model/model-admin.js";
import { AdminView } from "../shell/base.js";
import { allReads, FORM_TOO_SLOW, stoppedRead } from "../query/index.js";
import { formSlots, keptForm, RESTORE_FIELD, tooSlowForm, type SlowForm } from "./form-page.js";
import type { ChangeFormAssigns, FormWidgetProps } from "./assigns.js";

type Row = Record<string, unknown>;
type Mode = "add" | "change";
export type { ChangeFormAssigns, FormWidgetProps } from "./assigns.js";

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
 * - Reads are the user's (`site.readsFor(user)`: off the event loop, under the site's budget,
 *   charged to their fair share); the writes and the reads inside their transaction stay on
 *   `site.db`. Loading the object, its inlines or its foreign keys' choices past the budget
 *   shows {@link FORM_TOO_SLOW} in place of the form (200); a save or a recovered form then
 *   saves nothing and keeps what it sent for "Try again" (form-page.ts `keptForm`), which reads
 *   again; a foreign key that could not be checked in time is the field's `CHECK_TOO_SLOW`.
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
  /** the foreign keys' choices, chosen labels and autocompletes (changeform/form-relations.ts) */
  private rel!: FormRelations;
  private inlines!: InlineForms;
  /** a read outlived the budget: its message in place of the form (and what a save sent, to send again), else null */
  private tooSlow: SlowForm | null = null;
  /** set by {@link submit} (a POST without JavaScript): where the save sends the browser */
  private postedTo: string | null | undefined;

  get mode(): Mode {
    return (this.constructor as typeof ChangeFormView).mode;
  }

  events = {
    validate: on(FORM_PAYLOAD, (p) => this.validate(p)),
    save: on(FORM_PAYLOAD, (p) => this.save(p)),
    ac_key: on(AC_KEY_PAYLOAD, (p) => this.acKey(p.field, p.key)),
    ac_pick: on(AC_PICK_PAYLOAD, (p) => this.acPick(p.field, p.value)),
  };

  async mount(params: Params) {
    const admin = this.modelAdmin(params, this.mode === "add" ? "add" : "view");
    this.spec = formSpec(this.site, admin);
    this.rel = new FormRelations(this.site, this.user);
    this.inlines = new InlineForms(this.site, admin, this.user);
    if (this.mode === "change") this.id = parseObjectId(this.spec, params.id);
    await this.load(admin, params.id);
    const notice = await userNotice(this.site, admin, this.user, params, this.mode === "add" ? ` You may add another ${admin.verboseName.toLowerCase()} below.` : this.editable(admin) ? " You may edit it again below." : "");
    if (notice) this.flash = { success: notice };
    return this.view(admin);
  }

  /**
   * Reads the object, its inlines and its foreign keys' choices (on mount, and again on a live
   * "Try again"), then joins the object's presence (connected); past the budget
   * {@link FORM_TOO_SLOW} in place of the form.
   * @throws NotFoundError when there is no such object (for this user)
   */
  private async load(admin: ModelAdmin<any, any>, raw = String(this.id)): Promise<void> {
    this.tooSlow = null;
    this.loadedAt = Date.now();
    await this.guarded(async () => {
      if (this.mode === "change") {
        this.row = this.id === undefined ? undefined : await loadObject(this.site.readsFor(this.user), this.spec, this.id, admin.options.getQueryset?.(this.user));
        if (!this.row) throw new NotFoundError(`no ${admin.name} ${raw.slice(0, 50)}`);
      }
      this.refreshSpec(admin);
      this.values = initialValues(this.spec, this.mode, this.row);
      // independent reads, side by side on the read pool's readers (PostgreSQL: the pool's connections)
      await allReads([this.inlines.load(this.row), this.loadChoices()]);
    });
    if (this.mode === "change" && this.ctx.connected && !this.tooSlow && !this.presence) this.joinPresence(admin);
  }

  /** Runs `load` (the form's reads); one past the budget leaves {@link FORM_TOO_SLOW} in place of the form (logged). */
  private async guarded(load: () => Promise<void>): Promise<void> {
    try {
      await load();
    } catch (err) {
      if (!stoppedRead(err, this.site, "a change form", this.user.id)) throw err;
      this.tooSlow = { message: FORM_TOO_SLOW, retry: null };
    }
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
    await this.rel.load(this.spec, this.editable() ? writableFields(this.spec, this.mode) : [], this.values, this.row);
  }

  private view(admin = this.admin): ChangeFormAssigns {
    if (this.tooSlow) return tooSlowForm(this.site, admin, this.mode, this.id, this.tooSlow, this.editable(admin));
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
        fkChoices: this.rel.choices,
        fkLabels: this.rel.labels,
        autocomplete: this.rel.ac,
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
      ...formSlots(this.site, admin, user, objectId, this.widgetProps),
      inlines: this.inlines.present(editable),
      tooSlow: null,
      retry: null,
    };
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
    keepTyped(this.spec, this.mode, this.values, this.row, err.current);
    this.row = err.current;
    this.refreshSpec(admin);
    this.formError = await staleMessage(this, admin, this.spec.model, this.id, changed, this.loadedAt);
    this.loadedAt = Date.now();
    this.assign(this.view(admin));
  }

  /** Validates the form and checks that chosen related objects exist. */
  private async check(p: FormInput): Promise<{ data: Row; errors: FieldErrors }> {
    const { data, errors } = validateForm(this.spec, this.mode, p, this.row);
    await this.rel.checkChosen(this.spec, this.mode, this.values, data, errors);
    this.cleanErrors = await runCleanHooks(this.spec, this.mode, this.user, this.row, data, errors);
    return { data, errors };
  }

  /** `lv-change`: validate without saving; errors for the fields the user touched. */
  private async validate(p: FormInput): Promise<void> {
    const admin = this.site.get(this.admin.app, this.admin.name);
    if (!admin || !this.editable(admin)) return;
    // a form recovered on a rejoin while too slow: kept for "Try again" (form-page.ts keptForm)
    if (this.tooSlow) return this.keep(p, "recovered");
    const target = typeof p._target === "string" ? p._target : undefined;
    if (target && this.spec.byKey.has(target)) this.touched.add(target);
    // lv-change is debounced: one event can carry several edits but names only the last
    // target, so every field whose value changed counts as touched too
    const previous = { ...this.values };
    takeValues(this.spec, this.mode, p, this.values);
    this.inlines.read(p);
    await this.inlines.search(p);
    await this.rel.search(this.spec, p, this.values);
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
    // too slow: a live "Try again" reads again (a POST's mount just did); still too slow, nothing
    // is saved and the page keeps what was sent, so nothing typed is lost
    const again = this.tooSlow !== null && this.postedTo === undefined;
    if (again) await this.load(admin);
    if (this.tooSlow) return this.keep(p, "save");
    if (p[RESTORE_FIELD] !== undefined) return this.validate(p);
    // Enter in an autocomplete's input submits the form: it picks the highlighted result instead
    const hl = [...this.rel.ac].map(([name, s]) => ({ name, value: highlighted(s)?.value })).find((h) => h.value !== undefined) ?? this.inlines.highlighted();
    if (hl?.value !== undefined) return this.acPick(hl.name, hl.value);
    // "Add another …" is a submit button (the form's values travel with it, live or not): a blank row, no save
    if (typeof p[INLINE_ADD] === "string") {
      takeValues(this.spec, this.mode, p, this.values);
      this.inlines.read(p);
      this.inlines.add(p[INLINE_ADD]);
      this.assign(this.view(admin));
      return;
    }
    this.submitted = true;
    const typed = await this.rel.resolve(this.spec, this.mode, await this.inlines.resolve(p), this.values);
    p = typed.p;
    takeValues(this.spec, this.mode, p, this.values);
    this.inlines.read(p);
    const { data, errors } = await this.check(p);
    for (const [k, e] of Object.entries(typed.errors)) errors[k] = [e];
    this.errors = errors;
    const n = Object.keys(errors).length + ((await this.inlines.validate()) ? 0 : 1);
    if (n > 0 || this.cleanErrors.length > 0) {
      this.formError = this.cleanErrors.length > 0 ? this.cleanErrors.join(" ") : n === 1 ? "Please correct the error below." : "Please correct the errors below.";
      this.assign(this.view(admin));
      return;
    }
    // optimistic concurrency: the version the user saw (a POST without JavaScript, or a "Try again" that read
    // the object again, carries it in its hidden field)
    const posted = p[VERSION_FIELD];
    const expected = this.postedTo !== undefined || again ? (typeof posted === "string" && posted ? posted : undefined) : this.row ? versionOf(this.spec, this.row) : undefined;
    const out = await writeForm(this.site, admin, this.spec, this.user, this.mode === "add" ? undefined : this.id, data, expected, this.inlines.write);
    if ("stale" in out) return this.refuseStale(admin, out.stale);
    if ("formError" in out) {
      this.formError = out.formError;
      this.errors = { ...this.errors, ...out.fieldErrors };
      return this.assign(this.view(admin));
    }
    const written = out.written;
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
    await this.guarded(async () => void (await allReads([this.loadChoices(), this.inlines.load(this.row)])));
    this.putFlash("success", `The ${admin.verboseName.toLowerCase()} “${written.repr}” was ${Object.keys(written.changes).length ? "changed successfully" : "saved with no changes"}. You may edit it again below.`);
    this.assign(this.view(admin));
  }

  /** Nothing saved while the form is too slow: the page offers `p` again ("Try again", see form-page.ts `keptForm`). */
  private keep(p: FormInput, how: "save" | "recovered"): void {
    this.tooSlow = keptForm(p, how);
    this.assign(this.view());
  }

  /** `ac_key`: ↑ / ↓ move the highlight, Escape closes the list (Enter submits: see save). */
  private acKey(field: string, key: string): void {
    if (this.editable() && !this.tooSlow && (this.rel.key(field, key) || this.inlines.key(field, key))) this.assign(this.view());
  }

  /** `ac_pick`: the listed result `value` becomes the field's value; the list closes. */
  private async acPick(field: string, value: string): Promise<void> {
    if (!this.editable() || this.tooSlow) return;
    if (this.inlines.pick(field, value)) return this.assign(this.view());
    const picked = this.rel.pick(field, value);
    if (picked === undefined) return;
    this.values[field] = picked;
    this.touched.add(field);
    this.errors = (await this.check({ ...this.values })).errors;
    this.assign(this.view());
  }
}

/** The name of the inlines' "Add another" submit buttons; the value is the inline's prefix. */
const INLINE_ADD = "_inline_add";

/** The add page: `<prefix>/<app>/<model>/add/` (add permission). */
export class AddFormView extends ChangeFormView {
  static title = "Add";
  static mode: Mode = "add";
}
