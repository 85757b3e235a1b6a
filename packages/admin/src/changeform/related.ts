/**
 * What deleting an object does to the rows that refer to it, as Django's delete confirmation
 * lists "the following related items": per registered model with a foreign key to this one,
 * how many rows would be deleted with it (ON DELETE CASCADE), unlinked (SET NULL / SET
 * DEFAULT), or would block the delete (NO ACTION / RESTRICT). Tables not registered with the
 * site are not counted; the database still enforces their keys on delete.
 */
import { count, eq, getTableColumns } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { SessionUser } from "../auth/index.js";
import { qb } from "../query/dialect/index.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { tableInfo } from "../query/dialect/tables.js";

/** Rows of one related model that refer to the object. */
export interface RelatedRows {
  /** e.g. "Order items" */
  label: string;
  count: number;
  effect: "delete" | "unlink" | "protect";
  /** the related change list, when the user may view it */
  url: string | null;
}

/** One statement per foreign key pointing at the object. */
export async function relatedRows(site: AdminSiteLike, admin: ModelAdmin<any, any>, row: Record<string, unknown>, user: SessionUser): Promise<RelatedRows[]> {
  const out: RelatedRows[] = [];
  const ownColumns = getTableColumns(admin.table) as Record<string, SQLiteColumn>;
  for (const other of site.all()) {
    for (const fk of tableInfo(other.table).foreignKeys) {
      const ref = fk.reference();
      if (ref.foreignTable !== admin.table || ref.columns.length !== 1) continue;
      const refKey = Object.entries(ownColumns).find(([, c]) => c === ref.foreignColumns[0])?.[0];
      if (!refKey) continue;
      const value = row[refKey];
      if (value === null || value === undefined) continue;
      // a foreign key without an index counts the whole table: the user's reads, off the event loop
      const n = Number((await qb(site.readsFor(user)).select({ n: count() }).from(other.table).where(eq(ref.columns[0], value)))[0]?.n ?? 0);
      if (n === 0) continue;
      const action = (fk.onDelete ?? "no action").toLowerCase();
      const effect = action === "cascade" ? "delete" : action === "set null" || action === "set default" ? "unlink" : "protect";
      out.push({ label: other.verboseNamePlural, count: n, effect, url: other.has(user, "view") ? other.url : null });
    }
  }
  return out;
}
