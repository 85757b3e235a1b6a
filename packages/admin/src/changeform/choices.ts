/**
 * Choices of a foreign-key field: the related rows labelled by the relation's `display`
 * column (else their key), at most {@link FK_CHOICE_LIMIT}. Beyond the limit the form falls
 * back to a number input and shows the chosen row's label beside it.
 */
import { asc, eq } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type { ForeignKeyInfo } from "./fields.js";

/** Most related rows offered in a select. */
export const FK_CHOICE_LIMIT = 200;

/** One `<option>`. */
export interface Choice {
  value: string;
  label: string;
}

/**
 * The related rows as choices, ordered by label; `null` when there are more than `limit`
 * (one statement either way).
 */
export function foreignKeyChoices(db: BetterSQLite3Database<any>, fk: ForeignKeyInfo, limit = FK_CHOICE_LIMIT): Choice[] | null {
  const label = fk.display ?? fk.references;
  const rows = db
    .select({ value: fk.references, label })
    .from(fk.table)
    .orderBy(asc(label), asc(fk.references))
    .limit(limit + 1)
    .all() as Array<{ value: unknown; label: unknown }>;
  if (rows.length > limit) return null;
  return rows.map((r) => ({ value: String(r.value), label: labelOf(r.label) }));
}

/** The label of the related row whose key is `value`, or undefined when there is none. */
export function relatedLabel(db: BetterSQLite3Database<any>, fk: ForeignKeyInfo, value: unknown): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const row = db
    .select({ label: fk.display ?? fk.references })
    .from(fk.table)
    .where(eq(fk.references, value))
    .limit(1)
    .get() as { label: unknown } | undefined;
  return row ? labelOf(row.label) : undefined;
}

function labelOf(v: unknown): string {
  if (v === null || v === undefined) return "";
  return v instanceof Date ? v.toISOString() : String(v);
}
