/**
 * The selection a progress action's body works on: pinned when the job starts, re-read from
 * the database whenever the body asks.
 */
import { and, count, type SQL } from "drizzle-orm";
import { qb } from "../query/dialect/index.js";
import type { SessionUser } from "../auth/index.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { JobSelection, PinnedSelection } from "./types.js";

/**
 * A {@link JobSelection} over `admin`'s table for what was pinned. The WHERE clause is derived
 * now, in this process: for picked rows `pk IN (ids)`, for "all matching" the change list's
 * filter parsed again from the pinned query string (date ranges as of now); both ANDed with the
 * user's `getQueryset` scope.
 *
 * @param size - how many rows were selected when pinned
 * @throws ChangeListParamError when a pinned query string no longer validates (e.g. a filter was removed)
 */
export function jobSelection<Row = Record<string, unknown>>(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser, pinned: PinnedSelection, size: number): JobSelection<Row> {
  const query = site.query(admin);
  const { pk, table } = query.config;
  const scope = admin.options.getQueryset?.(user);
  const inKeys = (keys: readonly unknown[]): SQL => query.dialect.inList(pk.column, keys);
  const where: SQL | undefined =
    pinned.kind === "ids" ? and(scope, inKeys(pinned.ids)) : query.selectionFilter({ ...query.parseState(pinned.query), scope });
  const db = qb(site.db);

  const ids = async (): Promise<unknown[]> => {
    let q = db.select({ k: pk.column }).from(table).$dynamic();
    if (where) q = q.where(where);
    return (await q.orderBy(pk.column)).map((r) => r.k);
  };
  const rows = async (only?: readonly unknown[]): Promise<Row[]> => {
    if (only && only.length === 0) return [];
    const cond = only ? and(where, inKeys(only)) : where;
    let q = db.select().from(table).$dynamic();
    if (cond) q = q.where(cond);
    return (await q.orderBy(pk.column)) as Row[];
  };
  return {
    pinned,
    size,
    where,
    ids,
    rows,
    async count() {
      let q = db.select({ n: count() }).from(table).$dynamic();
      if (where) q = q.where(where);
      return Number((await q)[0]?.n ?? 0);
    },
    async *batches(batchSize = 100) {
      const keys = await ids();
      const n = Math.max(1, Math.floor(batchSize));
      for (let i = 0; i < keys.length; i += n) {
        const batch = await rows(keys.slice(i, i + n));
        if (batch.length > 0) yield batch;
      }
    },
  };
}
