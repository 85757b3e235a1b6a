/**
 * How an object is named in messages, titles and the audit log (Django's `__str__`).
 */
import { getTableColumns } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { ModelAdmin } from "./model-admin.js";

const MAX_REPR = 200;

/**
 * The label of `row`: the value of its first plain text column (not the primary key, not an
 * enum such as a status), e.g. `ORD-000123` for an order or the customer's name; else
 * `<Verbose name> #<pk>`, e.g. `Order item #12`. At most 200 characters.
 */
export function reprOf(admin: ModelAdmin<any, any>, row: Record<string, unknown>): string {
  const columns = getTableColumns(admin.table) as Record<string, SQLiteColumn & { enumValues?: readonly string[] }>;
  let pk: unknown;
  for (const [key, c] of Object.entries(columns)) {
    if (c.primary) {
      pk = row[key];
      continue;
    }
    if (c.dataType !== "string" || (c.enumValues && c.enumValues.length > 0)) continue;
    const v = row[key];
    if (typeof v === "string" && v.trim() !== "") return v.length > MAX_REPR ? `${v.slice(0, MAX_REPR - 1)}…` : v;
  }
  return `${admin.verboseName} #${String(pk)}`;
}
