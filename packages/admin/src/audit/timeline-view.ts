import { eq } from "drizzle-orm";
import { NotFoundError, UnauthorizedError, type Params } from "@weft/server";
import { adminTablesFor } from "../auth/tables.js";
import { qb } from "../query/dialect/index.js";
import { AdminView } from "../shell/base.js";
import { presentEntry, type EntryView } from "./present.js";
import { userTimeline } from "../auditlog/query.js";
import { HISTORY_TOO_SLOW, stoppedRead } from "../query/index.js";

/** Entries per timeline page. */
export const TIMELINE_PAGE = 50;

/** What the timeline's template gets. */
export interface TimelineAssigns {
  username: string;
  own: boolean;
  entries: EntryView[];
  /** `?before=<id>` of the next (older) page, or null */
  olderUrl: string | null;
  /** the first page, when not on it */
  newestUrl: string | null;
  prefix: string;
  /** the page's read outlived the site's budget: this message in place of the table ({@link HISTORY_TOO_SLOW}), else null */
  tooSlow: string | null;
}

/**
 * A user's timeline: `<prefix>/history/user/<userId>/`, every add / change / delete they made
 * through the admin, newest first, 50 a page (`?before=<entry id>`, kept in the URL), each
 * linked to its object. Users see their own timeline ("My actions" in the user menu);
 * superusers anyone's. A page whose read outlives the site's budget reads {@link HISTORY_TOO_SLOW}
 * in place of the table, with a link back to the newest page.
 */
export class UserHistoryView extends AdminView<TimelineAssigns> {
  static template = new URL("../../src/audit/history-user.eta", import.meta.url);
  static title = "Actions";

  private userId = 0;

  async mount(params: Params) {
    const id = /^\d{1,12}$/.test(params.userId ?? "") ? Number(params.userId) : NaN;
    if (!Number.isSafeInteger(id)) throw new NotFoundError("no such user");
    const me = this.user;
    if (me.id !== id && !me.isSuperuser) throw new UnauthorizedError("another user's timeline");
    const { weftUsers } = adminTablesFor(this.site.db);
    this.userId = id;
    let u: { username: string } | undefined;
    try {
      // the user's read: off the event loop, under the budget, charged to their share
      [u] = await qb(this.site.readsFor(me)).select({ username: weftUsers.username }).from(weftUsers).where(eq(weftUsers.id, id)).limit(1);
    } catch (err) {
      if (!stoppedRead(err, this.site, "a user's timeline", me.id)) throw err;
      return { username: `#${id}`, own: me.id === id, entries: [], olderUrl: null, newestUrl: null, prefix: this.site.prefix, tooSlow: HISTORY_TOO_SLOW };
    }
    if (!u) throw new NotFoundError("no such user");
    return { username: u.username, own: me.id === id, entries: [], olderUrl: null, newestUrl: null, prefix: this.site.prefix, tooSlow: null };
  }

  async handleParams(params: Params) {
    const before = /^\d{1,15}$/.test(params.before ?? "") ? Number(params.before) : undefined;
    let rows;
    try {
      rows = await userTimeline(this.site.readsFor(this.user), this.userId, { before, limit: TIMELINE_PAGE + 1 });
    } catch (err) {
      if (!stoppedRead(err, this.site, "a user's timeline", this.user.id)) throw err;
      this.assign({ entries: [], olderUrl: null, newestUrl: before ? "?" : null, tooSlow: HISTORY_TOO_SLOW });
      return;
    }
    const page = rows.slice(0, TIMELINE_PAGE);
    this.assign({
      entries: page.map((e) => presentEntry(this.site, e, this.user)),
      olderUrl: rows.length > TIMELINE_PAGE ? `?before=${page[page.length - 1].id}` : null,
      newestUrl: before ? "?" : null,
      tooSlow: null,
    });
  }
}
