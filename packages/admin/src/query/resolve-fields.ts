/**
 * From names in the change-list options to columns: the table's single primary key, the
 * declared `relations` (checked, each given a private join alias), and the field paths
 * (`"total"`, `"customer"`, `"customer.email"`) that every other option is written in.
 */
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable, SQLiteColumn } from "drizzle-orm/sqlite-core";
import { IDENT, listNames } from "./names.js";
import type { Relations } from "./options.js";
import type { ResolvedField, ResolvedRelation } from "./resolved.js";
import { isAnyTable, tableInfo, aliasTable } from "./dialect/tables.js";

/** Throws the `ChangeListOptionsError` of one option, e.g. `fail("listDisplay[2]", "unknown column …")`. */
export type Fail = (option: string, detail: string) => never;

function keyOf(columns: Record<string, SQLiteColumn>, column: unknown): string | undefined {
  for (const [k, c] of Object.entries(columns)) if (c === column) return k;
  return undefined;
}

/** The single primary-key column of `table` and its key, or why the table has none usable. */
export function singlePk(table: SQLiteTable): { key: string; column: SQLiteColumn } | string {
  const columns = getTableColumns(table) as Record<string, SQLiteColumn>;
  const config = tableInfo(table);
  if (config.primaryKeys.length > 0) return "composite primary keys are not supported";
  const pks = Object.entries(columns).filter(([, c]) => c.primary);
  if (pks.length !== 1) return "the table needs exactly one primary-key column";
  return { key: pks[0][0], column: pks[0][1] };
}

/**
 * Checks the `relations` option and resolves each relation: its own foreign-key column, the
 * referenced and display columns of the related table, the alias it is joined under, and
 * whether the schema declares it as a NOT NULL foreign key.
 *
 * @param table - the admin's table, named `tableName`, with `columns` by key
 * @param declared - the `relations` option
 * @param fail - throws the error of one option
 * @returns the relations by name, in declaration order
 */
export function resolveRelations(
  table: SQLiteTable,
  tableName: string,
  columns: Record<string, SQLiteColumn>,
  declared: Relations,
  fail: Fail,
): Map<string, ResolvedRelation> {
  const relations = new Map<string, ResolvedRelation>();
  const aliasNames = new Set<string>([tableName]);
  const foreignKeys = tableInfo(table).foreignKeys;
  for (const [name, rel] of Object.entries(declared)) {
    const opt = `relations.${name}`;
    if (!IDENT.test(name)) fail(opt, "a relation name must be an identifier");
    if (name in columns) fail(opt, `"${name}" is also a column of "${tableName}"; pick another relation name`);
    if (!rel || !isAnyTable(rel.table)) fail(opt, "`table` is not a drizzle SQLite table");
    const columnKey = keyOf(columns, rel.column);
    if (columnKey === undefined) fail(opt, `\`column\` is not a column of "${tableName}"`);
    const relColumns = getTableColumns(rel.table) as Record<string, SQLiteColumn>;
    const relName = getTableName(rel.table);
    let references: SQLiteColumn;
    let referencesKey: string;
    if (rel.references) {
      const k = keyOf(relColumns, rel.references);
      if (k === undefined) fail(opt, `\`references\` is not a column of "${relName}"`);
      // a pgTable's columns are read through the SQLite-typed builder view (see query/dialect)
      references = rel.references as SQLiteColumn;
      referencesKey = k!;
    } else {
      const relPk = singlePk(rel.table);
      if (typeof relPk === "string") return fail(opt, `"${relName}": ${relPk}; give \`references\``);
      references = relPk.column;
      referencesKey = relPk.key;
    }
    let displayKey: string | undefined;
    if (rel.display) {
      displayKey = keyOf(relColumns, rel.display);
      if (displayKey === undefined) fail(opt, `\`display\` is not a column of "${relName}"`);
    }
    let aliasName = `${name}_rel`;
    while (aliasNames.has(aliasName)) aliasName += "_";
    aliasNames.add(aliasName);
    relations.set(name, {
      name,
      column: rel.column as SQLiteColumn,
      columnKey: columnKey!,
      table: rel.table,
      references,
      referencesKey,
      displayKey,
      aliased: aliasTable(rel.table, aliasName) as unknown as SQLiteTable,
      required: rel.required,
      declaredForeignKey:
        rel.column.notNull &&
        foreignKeys.some((fk) => {
          const r = fk.reference();
          return r.foreignTable === rel.table && r.columns.length === 1 && r.columns[0] === rel.column;
        }),
    });
  }
  return relations;
}

/**
 * The resolver of field paths: an own column key, a relation name (meaning its `display`
 * column) or `"relation.column"` (one level). Anything else fails, naming `option`.
 *
 * @param tableName - the admin's table name, for messages
 * @param columns - the admin's own columns by key
 * @param relations - the resolved relations (see {@link resolveRelations})
 * @param fail - throws the error of one option
 */
export function fieldResolver(
  tableName: string,
  columns: Record<string, SQLiteColumn>,
  relations: ReadonlyMap<string, ResolvedRelation>,
  fail: Fail,
): (path: unknown, option: string) => ResolvedField {
  return (path: unknown, option: string): ResolvedField => {
    if (typeof path !== "string" || path === "") return fail(option, "expected a column name");
    if (path in columns) return { path, key: path, column: columns[path], relation: undefined };
    const dot = path.indexOf(".");
    const relName = dot < 0 ? path : path.slice(0, dot);
    const rel = relations.get(relName);
    if (!rel) {
      const known = listNames([...Object.keys(columns), ...relations.keys()]);
      return fail(
        option,
        dot < 0
          ? `unknown column "${path}" on table "${tableName}" (columns and relations: ${known})`
          : `unknown relation "${relName}" in "${path}" (declare it in \`relations\`; relations: ${listNames(relations.keys()) || "none"})`,
      );
    }
    const relColumns = getTableColumns(rel.table) as Record<string, SQLiteColumn>;
    if (dot < 0) {
      if (rel.displayKey === undefined) return fail(option, `relation "${relName}" has no \`display\` column; write "${relName}.<column>"`);
      return { path, key: rel.displayKey, column: relColumns[rel.displayKey], relation: rel };
    }
    const key = path.slice(dot + 1);
    if (key.includes(".")) return fail(option, `"${path}": only one level of relation is supported`);
    if (!(key in relColumns)) {
      return fail(option, `unknown column "${key}" on related table "${getTableName(rel.table)}" (columns: ${listNames(Object.keys(relColumns))})`);
    }
    return { path, key, column: relColumns[key], relation: rel };
  };
}
