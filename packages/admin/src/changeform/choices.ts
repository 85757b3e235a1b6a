/**
 * Choices of a foreign-key field: the related rows labelled by the relation's `display`
 * column (else their key), at most {@link FK_CHOICE_LIMIT}. Beyond the limit the form falls
 * back to a number input and shows the chosen row's label beside it.
 */
import { asc, eq } from "drizzle-orm";
import { qb, type AdminDatabase } from "../query/dialect/index.js";
import { FK_CHOICE_LIMIT } from "../query/index.js";
import type { ForeignKeyInfo } from "./fields.js";

/** Most related rows offered in a select (the list filters' threshold too: query/choices.ts). */
export { FK_CHOICE_LIMIT };

/** One `<option>`. */
export interface Choice {
  value: string;
  label: string;
}

/**
 * The related rows as choices, ordered by label; `null` when there are more than `limit`
 * (one statement either way).
 */
export async function foreignKeyChoices(db: AdminDatabase, fk: ForeignKeyInfo, limit = FK_CHOICE_LIMIT): Promise<Choice[] | null> {
  const label = fk.display ?? fk.references;
  const rows = (await qb(db)
    .select({ value: fk.references, label })
    .from(fk.table)
    .orderBy(asc(label), asc(fk.references))
    .limit(limit + 1)) as Array<{ value: unknown; label: unknown }>;
  if (rows.length > limit) return null;
  return rows.map((r) => ({ value: String(r.value), label: labelOf(r.label) }));
}

/** The label of the related row whose key is `value`, or undefined when there is none. */
export async function relatedLabel(db: AdminDatabase, fk: ForeignKeyInfo, value: unknown): Promise<string | undefined> {
  if (value === null || value === undefined || value === "") return undefined;
  const [row] = (await qb(db)
    .select({ label: fk.display ?? fk.references })
    .from(fk.table)
    .where(eq(fk.references, value))
    .limit(1)) as Array<{ label: unknown }>;
  return row ? labelOf(row.label) : undefined;
}

function labelOf(v: unknown): string {
  if (v === null || v === undefined) return "";
  return v instanceof Date ? v.toISOString() : String(v);
}
