/**
 * The demo's custom list filters (Django admin's `SimpleListFilter`).
 */
import type { ListFilterClass } from "@weft/admin";
import { gte, lt, type SQL } from "drizzle-orm";

/**
 * "Big orders" (sidebar: "By order size"): orders of €500 and more, or under €50 — a custom filter on a money column.
 *
 * @param totalCents - the orders table's total column (SQLite's or PostgreSQL's)
 * @returns the filter, URL parameter `size=big|small`
 */
export function bigOrdersFilter(totalCents: Parameters<typeof gte>[0]): ListFilterClass {
  return {
    title: "order size",
    parameterName: "size",
    lookups: () => [
      ["big", "€500 and more"],
      ["small", "Under €50"],
    ],
    queryset: (_ctx, value): SQL | undefined => (value === "big" ? gte(totalCents, 50_000) : value === "small" ? lt(totalCents, 5_000) : undefined),
  };
}
