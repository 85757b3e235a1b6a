/**
 * The `listFilter` option checked and resolved: for each entry its own column, its kind
 * (given, or inferred from the column), its sidebar title and its fixed choices — the part of
 * `resolveChangeListOptions` that mirrors Django's list filter classes.
 */
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { humanize, listNames } from "./names.js";
import type { ListFilterItem, ListFilterSpec, Relations } from "./options.js";
import type { ResolvedFilter, ResolvedRelation } from "./resolved.js";
import type { Fail } from "./resolve-fields.js";
import type { AnyTable } from "./dialect/index.js";
import { isListFilterClass, resolveCustomFilter } from "./custom-filter.js";

const DEFAULT_FK_LIMIT = 100;

/**
 * Checks the `listFilter` option and resolves each entry (see {@link ListFilterSpec}).
 *
 * @param items - the `listFilter` option
 * @param tableName - the admin's table name, for messages
 * @param columns - the admin's own columns by key
 * @param relations - the resolved relations; a relation name filters on its foreign-key column
 * @param labels - the `labels` option (a title override by field)
 * @param custom - for custom filters ({@link ListFilterClass}): the admin's name and primary-key column
 * @param fail - throws the error of one option
 * @returns the resolved filters in order, and the set of their fields
 */
export function resolveListFilter<T extends AnyTable, R extends Relations>(
  items: readonly ListFilterItem<T, R>[],
  tableName: string,
  columns: Record<string, SQLiteColumn>,
  relations: ReadonlyMap<string, ResolvedRelation>,
  labels: Readonly<Record<string, string>>,
  custom: { adminName: string; pk: SQLiteColumn },
  fail: Fail,
): { listFilter: ResolvedFilter[]; filterFields: Set<string> } {
  const listFilter: ResolvedFilter[] = [];
  const filterFields = new Set<string>();
  for (const [i, item] of items.entries()) {
    const opt = `listFilter[${i}]`;
    if (isListFilterClass(item)) {
      const f = resolveCustomFilter(item, opt, custom.adminName, custom.pk, fail);
      if (filterFields.has(f.field)) fail(`${opt}.parameterName`, `duplicate filter on "${f.field}"`);
      filterFields.add(f.field);
      listFilter.push(f);
      continue;
    }
    const spec: ListFilterSpec = typeof item === "string" ? { field: item } : (item as ListFilterSpec);
    if (!spec || typeof spec.field !== "string") fail(opt, "expected a column name or { field, … }");
    let field = spec.field;
    const viaRelation = relations.get(field);
    if (viaRelation) field = viaRelation.columnKey;
    if (!(field in columns)) {
      fail(
        opt,
        field.includes(".")
          ? `filters on related columns ("${field}") are not supported; filter on the foreign key instead`
          : `unknown column "${field}" on table "${tableName}" (columns: ${listNames(Object.keys(columns))})`,
      );
    }
    if (filterFields.has(field)) fail(opt, `duplicate filter on "${field}"`);
    filterFields.add(field);
    const column = columns[field];
    const fkRelation = viaRelation ?? [...relations.values()].find((r) => r.columnKey === field);
    const enumValues = (column as { enumValues?: readonly string[] }).enumValues;
    let kind = spec.kind;
    if (kind === undefined) {
      if (spec.choices) kind = "choices";
      else if (fkRelation) kind = "foreignKey";
      else if (column.dataType === "boolean") kind = "boolean";
      else if (column.dataType === "date") kind = "dateRange";
      else if (enumValues && enumValues.length > 0) kind = "choices";
      else {
        fail(opt, `cannot infer a filter for "${field}" (not a relation column, boolean, timestamp or enum); give \`kind\` and \`choices\``);
      }
    }
    let choices: { value: string; label: string }[] = [];
    let relation: ResolvedRelation | undefined;
    let limit = DEFAULT_FK_LIMIT;
    switch (kind) {
      case "boolean":
        if (column.dataType !== "boolean" && column.dataType !== "number") fail(opt, `"${field}" is not a boolean or integer column`);
        choices = [
          { value: "1", label: "Yes" },
          { value: "0", label: "No" },
        ];
        break;
      case "choices": {
        const raw = spec.choices ?? enumValues;
        if (!raw || raw.length === 0) fail(opt, `"${field}" has no enum; give \`choices\``);
        const numeric = column.dataType === "number";
        if (!numeric && column.dataType !== "string") fail(opt, `"${field}" is a ${column.dataType} column; choices need text or number`);
        const seen = new Set<string>();
        choices = raw!.map((c, j) => {
          const o = typeof c === "object" ? c : { value: c, label: humanize(String(c)) };
          const value = String(o.value);
          if (numeric && !/^-?\d+(\.\d+)?$/.test(value)) fail(`${opt}.choices[${j}]`, `"${value}" is not a number, but "${field}" is a number column`);
          if (seen.has(value)) fail(`${opt}.choices[${j}]`, `duplicate choice "${value}"`);
          seen.add(value);
          return { value, label: o.label };
        });
        break;
      }
      case "foreignKey":
        if (!fkRelation) fail(opt, `"${field}" is not the \`column\` of any relation; declare one in \`relations\``);
        relation = fkRelation;
        if (spec.limit !== undefined) {
          if (!Number.isInteger(spec.limit) || spec.limit < 1 || spec.limit > 10_000) fail(opt, "`limit` must be an integer in 1…10000");
          limit = spec.limit;
        }
        break;
      case "dateRange":
        if (column.dataType !== "date") fail(opt, `"${field}" is not a timestamp column (integer with mode "timestamp" or "timestamp_ms")`);
        break;
      default:
        fail(opt, `unknown filter kind "${String(kind)}"`);
    }
    listFilter.push({
      field,
      column,
      kind: kind!,
      title: spec.title ?? labels[field] ?? humanize(viaRelation ? viaRelation.name : field),
      nullable: !column.notNull,
      choices,
      relation,
      limit,
    });
  }
  return { listFilter, filterFields };
}
