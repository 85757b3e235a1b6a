/**
 * Inlines: child rows edited on their parent's change form, as Django admin's
 * `TabularInline`. This file only declares them; the change form builds, validates and
 * saves them (changeform/inline-spec.ts, formset.ts, inline-persist.ts).
 */
import type { AnyTable } from "../query/dialect/index.js";

/** How an inline edits its rows (Django's `InlineModelAdmin` options, camelCase). */
export interface InlineOptions {
  /** the child columns shown as the table's columns (default: every column but the primary key and the key to the parent) */
  fields?: readonly string[];
  /** blank rows offered for new children (default 1) */
  extra?: number;
  /** most children in all (existing + new); no limit by default */
  maxNum?: number;
  /** offer a "Delete" checkbox per existing row (default true; the user also needs the delete permission on the child model) */
  canDelete?: boolean;
  /** the child column referencing the parent, when the child has several (Django's `fk_name`) */
  fkName?: string;
}

/** An inline as `inlines` takes it: made by {@link TabularInline}. */
export interface InlineAdmin {
  readonly kind: "tabular";
  /** the child table; it must be registered with the site (its ModelAdmin gives labels, field types, permissions and audit name) */
  readonly table: AnyTable;
  readonly options: Readonly<InlineOptions>;
}

/**
 * A tabular inline of `table`'s rows, as Django admin's `TabularInline`: one table row per
 * child, `extra` blank rows to add, a Delete checkbox per row; validated with the parent and
 * saved in its transaction, each child write audited under the child's model.
 * @example inlines: [TabularInline(orderItems, { fields: ["productId", "quantity", "unitPriceCents"], extra: 1, maxNum: 20 })]
 */
export function TabularInline(table: AnyTable, options: InlineOptions = {}): InlineAdmin {
  return { kind: "tabular", table, options: { ...options } };
}
