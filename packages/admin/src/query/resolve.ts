/**
 * `resolveChangeListOptions`: checks a ModelAdmin's change-list options (`options.ts`) against
 * its drizzle table once, at construction, and resolves them into the configuration the query
 * builder uses (`resolved.ts`). Relations and field paths are resolved in `resolve-fields.ts`,
 * list filters in `resolve-filters.ts`; the rest — columns, links, search, sorting, ordering,
 * page size, labels — here.
 */
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { ChangeListOptionsError } from "./errors.js";
import { humanize, IDENT, listNames } from "./names.js";
import type { ChangeListOptions, ComputedColumn, NoRelations, Relations } from "./options.js";
import type { ResolvedChangeList, ResolvedColumn, ResolvedField, ResolvedSearchField, ResolvedSort } from "./resolved.js";
import { fieldResolver, resolveRelations, singlePk } from "./resolve-fields.js";
import { resolveListFilter } from "./resolve-filters.js";
import { isAnyTable } from "./dialect/tables.js";
import type { AnyTable } from "./dialect/index.js";
import { withTrigramIndexes } from "./search-index.js";

const MAX_PER_PAGE = 10_000;
const DEFAULT_PER_PAGE = 100;
/** The default `countLimit`: searched and filtered lists count at most this many matches. */
const DEFAULT_COUNT_LIMIT = 10_000;

/**
 * Checks a ModelAdmin's change-list options against its drizzle table and resolves every
 * name. Runs once per admin, at construction (as Django's admin system checks run at
 * start-up).
 *
 * @param table - the drizzle SQLite table the admin lists
 * @param options - the change-list options (see {@link ChangeListOptions})
 * @returns the resolved, read-only configuration used by `ChangeListQuery`
 * @throws ChangeListOptionsError naming the admin and the option, for: an unknown column or
 *   relation; a relation whose `column` is not an own column or whose `references` /
 *   `display` is not a column of its table; a duplicate name; a `listDisplayLinks` name not in
 *   `listDisplay`; a search prefix other than `^` / `=`; a filter on a related path, or whose
 *   kind cannot be inferred, or whose choices do not fit the column; a computed column in
 *   `sortableBy` without an `ordering`; a `dateHierarchy` that is not an own date column; a `listPerPage` outside 1…10,000; a table without a
 *   single-column primary key.
 */
export function resolveChangeListOptions<T extends AnyTable, R extends Relations = NoRelations>(
  table: T,
  options: ChangeListOptions<T, R>,
): ResolvedChangeList {
  const tableName = getTableName(table);
  const adminName = options.adminName ?? `ModelAdmin(${tableName})`;
  const fail = (option: string, detail: string): never => {
    throw new ChangeListOptionsError(adminName, option, detail);
  };
  if (!isAnyTable(table)) fail("table", "not a drizzle SQLite table");
  const columns = getTableColumns(table) as Record<string, SQLiteColumn>;
  const pkOrWhy = singlePk(table);
  if (typeof pkOrWhy === "string") return fail("table", `${tableName}: ${pkOrWhy}`);
  const pk = pkOrWhy;
  const labels = options.labels ?? {};

  // relations
  const relations = resolveRelations(table, tableName, columns, options.relations ?? {}, fail);
  const resolveField = fieldResolver(tableName, columns, relations, fail);

  // listDisplay
  const displayItems: readonly unknown[] = options.listDisplay ?? Object.keys(columns);
  if (!Array.isArray(displayItems) || displayItems.length === 0) fail("listDisplay", "must list at least one column");
  const listDisplay: ResolvedColumn[] = [];
  const displayNames = new Set<string>();
  const relatedSelect = new Map<string, ResolvedField>();
  displayItems.forEach((item, i) => {
    const opt = `listDisplay[${i}]`;
    if (typeof item === "string") {
      const field = resolveField(item, opt);
      if (displayNames.has(item)) fail(opt, `duplicate column "${item}"`);
      displayNames.add(item);
      if (field.relation) relatedSelect.set(field.path, field);
      listDisplay.push({ kind: "field", name: item, label: labels[item] ?? humanize(item), field });
      return;
    }
    const c = item as ComputedColumn;
    if (!c || typeof c !== "object" || typeof c.name !== "string" || typeof c.value !== "function") {
      fail(opt, "expected a column name or { name, label, value(record) }");
    }
    if (!IDENT.test(c.name)) fail(opt, `computed column name "${c.name}" must be an identifier`);
    if (displayNames.has(c.name) || c.name in columns || relations.has(c.name)) {
      fail(opt, `computed column name "${c.name}" is already used by a column or relation`);
    }
    displayNames.add(c.name);
    const ordering = c.ordering === undefined ? undefined : resolveField(c.ordering, `${opt}.ordering`);
    for (const [j, f] of (c.fields ?? []).entries()) {
      const field = resolveField(f, `${opt}.fields[${j}]`);
      if (field.relation) relatedSelect.set(field.path, field);
    }
    listDisplay.push({ kind: "computed", name: c.name, label: labels[c.name] ?? c.label ?? humanize(c.name), computed: c, ordering });
  });

  // listDisplayLinks
  let listDisplayLinks: string[];
  if (options.listDisplayLinks === null) listDisplayLinks = [];
  else if (options.listDisplayLinks === undefined) listDisplayLinks = [listDisplay[0].name];
  else {
    listDisplayLinks = [...options.listDisplayLinks];
    listDisplayLinks.forEach((n, i) => {
      if (!displayNames.has(n)) fail(`listDisplayLinks[${i}]`, `"${n}" is not in listDisplay (${listNames(displayNames)})`);
    });
  }

  // searchFields
  const searchFields: ResolvedSearchField[] = (options.searchFields ?? []).map((s: string, i) => {
    const opt = `searchFields[${i}]`;
    if (typeof s !== "string" || s === "") return fail(opt, "expected a field name");
    if (s[0] === "@") return fail(opt, `"@" (full-text search) is not supported; use ^, = or no prefix`);
    const match = s[0] === "^" ? "startsWith" : s[0] === "=" ? "exact" : "contains";
    const field = resolveField(match === "contains" ? s : s.slice(1), opt);
    const dt = field.column.dataType;
    if (dt !== "string" && dt !== "number") {
      return fail(opt, `"${field.path}" is a ${dt} column; only text and number columns can be searched`);
    }
    return { field, match };
  });

  const indexed = options.searchIndex === undefined ? { fields: searchFields, specs: [] } : options.searchIndex === "trigram" ? withTrigramIndexes(searchFields, (t) => (t === table ? pk : singlePk(t)), fail) : fail("searchIndex", `unknown index kind "${String(options.searchIndex)}" (use "trigram")`);
  const estimateTotalAbove = options.estimateTotalAbove;
  if (estimateTotalAbove !== undefined && !(Number.isSafeInteger(estimateTotalAbove) && estimateTotalAbove >= 0)) fail("estimateTotalAbove", `must be a row count (an integer >= 0), got ${String(estimateTotalAbove)}`);

  const countLimit = options.countLimit === null ? undefined : (options.countLimit ?? DEFAULT_COUNT_LIMIT);
  if (countLimit !== undefined && !(Number.isSafeInteger(countLimit) && countLimit >= 1)) fail("countLimit", `must be a row count (an integer >= 1) or null, got ${String(options.countLimit)}`);

  // listFilter
  const { listFilter, filterFields } = resolveListFilter(options.listFilter ?? [], tableName, columns, relations, labels, { adminName, pk: pk.column }, fail);

  // dateHierarchy: an own date/timestamp column
  let dateHierarchy: ResolvedChangeList["dateHierarchy"];
  if (options.dateHierarchy !== undefined) {
    const key: unknown = options.dateHierarchy;
    const column = typeof key === "string" && Object.hasOwn(columns, key) ? columns[key] : undefined;
    if (!column) return fail("dateHierarchy", `unknown column "${String(key)}" on table "${tableName}" (columns: ${Object.keys(columns).join(", ")})`);
    if (column.dataType !== "date") return fail("dateHierarchy", `"${String(key)}" is a ${column.dataType} column; dateHierarchy needs a date or timestamp column (mode "date" / "timestamp" / "timestamp_ms")`);
    dateHierarchy = { field: String(key), column };
  }

  // sortable
  const sortable = new Map<string, ResolvedSort>();
  const computedByName = new Map(
    listDisplay.filter((c) => c.kind === "computed").map((c) => [c.name, c] as const),
  );
  const addSortable = (name: string, opt: string) => {
    if (sortable.has(name)) fail(opt, `duplicate sort field "${name}"`);
    const computed = computedByName.get(name);
    if (computed && computed.kind === "computed") {
      if (!computed.ordering) fail(opt, `computed column "${name}" has no \`ordering\`; it cannot be sorted`);
      sortable.set(name, { name, field: computed.ordering! });
      return;
    }
    sortable.set(name, { name, field: resolveField(name, opt) });
  };
  if (options.sortableBy) {
    options.sortableBy.forEach((n, i) => addSortable(n, `sortableBy[${i}]`));
  } else {
    for (const c of listDisplay) {
      if (c.kind === "field") sortable.set(c.name, { name: c.name, field: c.field });
      else if (c.ordering) sortable.set(c.name, { name: c.name, field: c.ordering });
    }
  }

  // ordering
  const seenOrder = new Set<string>();
  const ordering = (options.ordering ?? [`-${pk.key}`]).map((o: string, i) => {
    const opt = `ordering[${i}]`;
    if (typeof o !== "string") return fail(opt, "expected a field name");
    const desc = o.startsWith("-");
    const name = desc ? o.slice(1) : o;
    if (seenOrder.has(name)) fail(opt, `duplicate field "${name}"`);
    seenOrder.add(name);
    return { field: resolveField(name, opt), desc };
  });

  // listPerPage
  const listPerPage = options.listPerPage ?? DEFAULT_PER_PAGE;
  if (!Number.isInteger(listPerPage) || listPerPage < 1 || listPerPage > MAX_PER_PAGE) {
    fail("listPerPage", `must be an integer in 1…${MAX_PER_PAGE}, got ${String(listPerPage)}`);
  }

  for (const k of Object.keys(labels)) {
    if (!displayNames.has(k) && !filterFields.has(k)) fail(`labels.${k}`, `"${k}" is neither a listDisplay name nor a filter field`);
  }

  return {
    adminName,
    table,
    tableName,
    columns,
    pk,
    relations,
    listDisplay,
    listDisplayLinks,
    searchFields: indexed.fields,
    searchIndexes: indexed.specs,
    estimateTotalAbove,
    countLimit,
    listFilter,
    dateHierarchy,
    ordering,
    sortable,
    listPerPage,
    relatedSelect,
  };
}
