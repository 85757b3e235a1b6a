import { NotFoundError, type Params } from "@weft/server";
import type { SQL } from "drizzle-orm";
import { formSpec, type FormSpec } from "../changeform/fields.js";
import { crumbsFor, parseObjectId, type Crumb } from "../changeform/page.js";
import { loadObject } from "../changeform/persist.js";
import { reprOf } from "../model/repr.js";
import { AdminView } from "../shell/base.js";
import { presentEntry, type EntryView } from "./present.js";
import { objectHistory, type AuditEntry } from "../auditlog/query.js";
import { HISTORY_TOO_SLOW, stoppedRead } from "../query/index.js";

/** Most entries shown on one history page. */
export const HISTORY_LIMIT = 200;

/** What the history page's template gets. */
export interface HistoryAssigns {
  verboseName: string;
  repr: string;
  crumbs: Crumb[];
  entries: EntryView[];
  /** the object is gone (deleted): the page shows its past only */
  deleted: boolean;
  limited: boolean;
  /** the reads outlived the site's budget: this message in place of the table ({@link HISTORY_TOO_SLOW}), else null */
  tooSlow: string | null;
  urls: { change: string | null; list: string };
}

/**
 * One object's history, as Django admin's `history_view`: `<prefix>/<app>/<model>/<id>/history/`
 * (view permission), newest first: when, who, what, and each changed field's before → after.
 * The history of a deleted object stays readable (its entries outlive it). Reads that outlive the
 * site's budget leave the page (200, as the change list's) with {@link HISTORY_TOO_SLOW} in place
 * of the table.
 */
export class HistoryView extends AdminView<HistoryAssigns> {
  static template = new URL("../../src/audit/history.eta", import.meta.url);
  static title = "History";

  async mount(params: Params) {
    const admin = this.modelAdmin(params, "view");
    const spec = formSpec(this.site, admin);
    const id = parseObjectId(spec, params.id);
    if (id === undefined) throw new NotFoundError("no such object");
    const scope = admin.options.getQueryset?.(this.user);
    let row: Record<string, unknown> | undefined;
    let entries: AuditEntry[];
    try {
      ({ row, entries } = await this.read(spec, id, scope));
    } catch (err) {
      if (!stoppedRead(err, this.site, "an object's history", this.user.id)) throw err;
      const repr = String(id);
      return { verboseName: admin.verboseName, repr, crumbs: crumbsFor(this.site, admin, { objectId: id, repr, last: "History" }), entries: [], deleted: false, limited: false, tooSlow: HISTORY_TOO_SLOW, urls: { change: admin.objectUrl(id), list: admin.url } };
    }
    const repr = row ? reprOf(admin, row) : entries[0].objectRepr;
    return {
      verboseName: admin.verboseName,
      repr,
      crumbs: crumbsFor(this.site, admin, row ? { objectId: id, repr, last: "History" } : { last: `History of ${repr}` }),
      entries: entries.slice(0, HISTORY_LIMIT).map((e) => presentEntry(this.site, e, this.user)),
      deleted: !row,
      limited: entries.length > HISTORY_LIMIT,
      tooSlow: null,
      urls: { change: row ? admin.objectUrl(id) : null, list: admin.url },
    };
  }

  /** The object (undefined when gone or outside the user's rows) and its entries, newest first; a NotFoundError when neither is there. */
  private async read(spec: FormSpec, id: unknown, scope: SQL | undefined) {
    // read-only page: the user's reads (off the event loop, under the budget, charged to their share)
    const db = this.site.readsFor(this.user);
    const row = await loadObject(db, spec, id, scope);
    // an object outside the user's rows (getQueryset) is not theirs to see, not even its past
    if (!row && scope && (await loadObject(db, spec, id))) throw new NotFoundError("no such object");
    const entries = await objectHistory(db, spec.model, String(id), HISTORY_LIMIT + 1);
    if (!row && entries.length === 0) throw new NotFoundError("no such object");
    return { row, entries };
  }
}
