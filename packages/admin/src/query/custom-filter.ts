/**
 * Custom list filters (Django admin's `SimpleListFilter`): checking a {@link ListFilterClass}
 * entry of `listFilter` into a resolved filter, and running its `queryset`.
 */
import { sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { ListFilterClass, ListFilterContext } from "./options.js";
import type { ResolvedFilter } from "./resolved.js";
import type { Fail } from "./resolve-fields.js";

/** Parameter names the change list itself uses (Django's `SEARCH_VAR`, `ORDER_VAR`, `PAGE_VAR`). */
const RESERVED = new Set(["q", "o", "sort", "p"]);

/** Whether a `listFilter` entry is a custom filter object (has `parameterName`). */
export function isListFilterClass(item: unknown): item is ListFilterClass {
  return typeof item === "object" && item !== null && "parameterName" in item;
}

/**
 * Checks a custom filter and resolves it, calling its `lookups` once (with `now` undefined).
 *
 * @param item - the entry
 * @param opt - its option path for messages (`listFilter[2]`)
 * @param adminName - the admin's name (for the context)
 * @param pk - the primary-key column (stands in for `column`, unused)
 * @param fail - throws `ChangeListOptionsError` for the option
 * @returns the resolved filter, `field` = `parameterName`, `kind` = `"custom"`
 */
export function resolveCustomFilter(item: ListFilterClass, opt: string, adminName: string, pk: SQLiteColumn, fail: Fail): ResolvedFilter {
  const name = item.parameterName;
  if (typeof name !== "string" || !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name) || name.includes("__")) {
    fail(`${opt}.parameterName`, `expected a name of letters, digits and single "_" (got ${JSON.stringify(name)})`);
  }
  if (RESERVED.has(name)) fail(`${opt}.parameterName`, `"${name}" is reserved (q, o, sort, p)`);
  if (typeof item.title !== "string" || item.title === "") fail(`${opt}.title`, "expected a non-empty title");
  if (typeof item.lookups !== "function" || typeof item.queryset !== "function") fail(opt, "expected `lookups(ctx)` and `queryset(ctx, value)` functions");
  const raw = item.lookups({ adminName, now: undefined, timeZone: undefined });
  if (!Array.isArray(raw) || raw.length === 0) fail(`${opt}.lookups`, "expected a non-empty array of [value, label]");
  const seen = new Set<string>();
  const choices = raw.map((pair, j) => {
    if (!Array.isArray(pair) || typeof pair[0] !== "string" || typeof pair[1] !== "string") fail(`${opt}.lookups[${j}]`, "expected [value, label] strings");
    if (pair[0] === "" || seen.has(pair[0])) fail(`${opt}.lookups[${j}]`, `empty or duplicate value "${pair[0]}"`);
    seen.add(pair[0]);
    return { value: pair[0], label: pair[1] };
  });
  return { field: name, column: pk, kind: "custom", title: item.title, nullable: false, choices, relation: undefined, limit: 0, custom: item };
}

/**
 * The condition of a chosen custom-filter value: its `queryset(ctx, value)`, or `1 = 1` when it
 * returns `undefined` (no filtering, as Django's `queryset` returning `None`).
 */
export function customCondition(filter: ResolvedFilter, ctx: ListFilterContext, value: string): SQL {
  return filter.custom!.queryset(ctx, value) ?? sql`1 = 1`;
}
