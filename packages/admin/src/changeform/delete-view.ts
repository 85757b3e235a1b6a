import { NotFoundError, UnauthorizedError, type Params } from "@weft/server";
import type { ModelAdmin } from "../model/model-admin.js";
import { AdminView } from "../shell/base.js";
import { describeDbError } from "./db-errors.js";
import { formSpec, type FormSpec } from "./fields.js";
import { crumbsFor, parseObjectId, type Crumb } from "./page.js";
import { deleteObject, loadObject } from "./persist.js";
import { publishModelEvent } from "../model/publish.js";
import { relatedRows, type RelatedRows } from "./related.js";
import { reprOf } from "../model/repr.js";
import { FORM_TOO_SLOW, RELATED_TOO_SLOW, stoppedRead } from "../query/index.js";

/** What the delete confirmation's template gets. */
export interface DeleteAssigns {
  verboseName: string;
  repr: string;
  crumbs: Crumb[];
  related: RelatedRows[];
  /** some related rows would block the delete */
  protectedBy: RelatedRows[];
  error: string | null;
  /** counting the related rows outlived the site's budget: this message ({@link RELATED_TOO_SLOW}) and no confirm button, else null */
  tooSlow: string | null;
  urls: { back: string; list: string };
}

/**
 * The delete confirmation, as Django admin's `delete_view`: `<prefix>/<app>/<model>/<id>/delete/`
 * asks "Are you sure you want to delete the order “ORD-000123”?", lists what the delete does
 * to related rows, and deletes on "Yes, I'm sure" (the `confirm` event) together with its
 * audit entry in one transaction, publishes `<model>.deleted`, then goes to the change list
 * with `?deleted=<id>`. The delete permission (with the object: `hasDeletePermission(user, obj)`)
 * is checked on mount and again in the event; the ModelAdmin's `deleteModel` hook does the write.
 * When counting the related rows outlives the site's budget the page says so
 * ({@link RELATED_TOO_SLOW}) and offers no confirm, and `confirm` deletes nothing: as Django's
 * `delete_view`, nothing is deleted that was not shown. Reading the object itself past the budget:
 * {@link FORM_TOO_SLOW}, likewise with no confirm.
 */
export class DeleteView extends AdminView<DeleteAssigns> {
  static template = new URL("../../src/changeform/delete.eta", import.meta.url);
  static title = "Delete";

  private spec!: FormSpec;
  private id: unknown;
  private row: Record<string, unknown> | undefined;
  /** the related rows were counted (and shown): only then may `confirm` delete */
  private counted = false;

  events = {
    confirm: () => this.confirm(),
  };

  async mount(params: Params) {
    const admin = this.modelAdmin(params, "delete");
    this.spec = formSpec(this.site, admin);
    this.id = parseObjectId(this.spec, params.id);
    let row: Record<string, unknown> | undefined;
    try {
      // the user's read: off the event loop, under the budget, charged to their share
      row = this.id === undefined ? undefined : await loadObject(this.site.readsFor(this.user), this.spec, this.id, admin.options.getQueryset?.(this.user));
    } catch (err) {
      if (!stoppedRead(err, this.site, "the object to delete", this.user.id)) throw err;
      return this.tooSlow(admin, FORM_TOO_SLOW);
    }
    if (!row) throw new NotFoundError(`no ${admin.name} ${String(params.id).slice(0, 50)}`);
    // object-level permission, as Django's has_delete_permission(request, obj)
    if (!admin.has(this.user, "delete", row)) throw new UnauthorizedError(`delete this ${admin.name}`);
    this.row = row;
    const repr = reprOf(admin, row);
    let related: RelatedRows[] = [];
    let tooSlow: string | null = null;
    try {
      related = await relatedRows(this.site, admin, row, this.user);
      this.counted = true;
    } catch (err) {
      if (!stoppedRead(err, this.site, "the delete confirmation's related counts", this.user.id)) throw err;
      tooSlow = RELATED_TOO_SLOW;
    }
    return {
      verboseName: admin.verboseName,
      repr,
      crumbs: crumbsFor(this.site, admin, { objectId: this.id, repr, last: "Delete" }),
      related,
      protectedBy: related.filter((r) => r.effect === "protect"),
      error: null,
      tooSlow,
      urls: { back: admin.has(this.user, "view") ? admin.objectUrl(this.id) : admin.url, list: admin.url },
    };
  }

  /** The page when the object could not be read in time: the message, nothing to confirm (`confirm` deletes nothing). */
  private tooSlow(admin: ModelAdmin<any, any>, message: string): DeleteAssigns {
    const repr = String(this.id);
    return { verboseName: admin.verboseName, repr, crumbs: crumbsFor(this.site, admin, { objectId: this.id, repr, last: "Delete" }), related: [], protectedBy: [], error: null, tooSlow: message, urls: { back: admin.objectUrl(this.id), list: admin.url } };
  }

  private async confirm(): Promise<void> {
    const admin: ModelAdmin<any, any> | undefined = this.site.get(this.spec.admin.app, this.spec.admin.name);
    if (!this.counted) {
      this.assign({ error: this.row ? RELATED_TOO_SLOW : FORM_TOO_SLOW });
      return;
    }
    if (!admin || !admin.has(this.user, "delete", this.row)) {
      this.assign({ error: `You don't have permission to delete this ${this.spec.admin.verboseName.toLowerCase()}.` });
      return;
    }
    let done;
    try {
      done = await deleteObject({ db: this.site.db, spec: this.spec, userId: this.user.id, user: this.user, scope: admin.options.getQueryset?.(this.user) }, this.id);
    } catch (err) {
      const failure = describeDbError(err, this.spec, "delete");
      if (!failure) throw err;
      this.assign({ error: failure.message });
      return;
    }
    if (!done) {
      this.assign({ error: `This ${admin.verboseName.toLowerCase()} no longer exists; it may have been deleted already.` });
      return;
    }
    await publishModelEvent(this.ctx.pubsub, admin, "deleted", done.id, (err) => this.site.jobLog?.error({ err }, "weft admin: publish failed (the write is saved; live pages miss it)"));
    const id = encodeURIComponent(String(done.id));
    this.redirect(admin.has(this.user, "view") ? `${admin.url}?deleted=${id}` : `${this.site.prefix}/`);
  }
}
