/**
 * The inlines' writes, in the parent's transaction (changeform/persist.ts `AlsoWrite`): each
 * child inserted with the parent's key, updated or deleted only when it belongs to the parent,
 * each audited under the child's model.
 */
import { eq } from "drizzle-orm";
import type { QueryBuilder } from "../query/dialect/index.js";
import type { InlineWrite } from "./formset.js";
import type { InlineSpec } from "./inline-spec.js";
import { deleteRow, insertRow, updateRow, type Written } from "./persist.js";

/** Thrown inside the transaction when a child is gone (or not the parent's): everything rolls back. */
export class InlineRowGoneError extends Error {
  constructor(readonly is: InlineSpec) {
    super(`weft admin: an inline ${is.admin.verboseName.toLowerCase()} was deleted or moved meanwhile`);
  }
}

/** Runs `writes` of inline `is` for the parent row `parent`, in transaction `tx`. */
export async function writeInline(tx: QueryBuilder, is: InlineSpec, writes: readonly InlineWrite[], parent: Written, userId: number | null): Promise<void> {
  const parentValue = parent.row[is.parentKey];
  const ctx = { db: tx as never, spec: is.spec, userId, scope: eq(is.fkColumn, parentValue) };
  for (const w of writes) {
    const done =
      w.op === "insert"
        ? await insertRow(tx, ctx, { ...w.data, [is.fkKey]: parentValue })
        : w.op === "update"
          ? await updateRow(tx, ctx, w.id, w.data)
          : await deleteRow(tx, ctx, w.id);
    if (!done) throw new InlineRowGoneError(is);
  }
}
