/**
 * Table-level helpers over both drizzle dialects: a ModelAdmin's table may be a `sqliteTable` or
 * a `pgTable`, and drizzle's `getTableConfig` and `alias` exist once per dialect.
 */
import { is } from "drizzle-orm";
import { alias as pgAlias, getTableConfig as pgTableConfig, PgTable } from "drizzle-orm/pg-core";
import { alias as sqliteAlias, getTableConfig as sqliteTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { AnyTable } from "./index.js";

/** A table's definition (drizzle's `getTableConfig`), in the SQLite-typed view the admin builds statements with (see `QueryBuilder`). */
export type TableInfo = ReturnType<typeof sqliteTableConfig>;

/** Whether `x` is a drizzle SQLite or PostgreSQL table. */
export function isAnyTable(x: unknown): x is AnyTable {
  return is(x, SQLiteTable) || is(x, PgTable);
}

/**
 * The definition of a table of either dialect (drizzle's `getTableConfig`).
 * @throws TypeError when `table` is neither a SQLite nor a PostgreSQL table
 */
export function tableInfo(table: AnyTable): TableInfo {
  if (is(table, PgTable)) return pgTableConfig(table) as unknown as TableInfo;
  if (is(table, SQLiteTable)) return sqliteTableConfig(table) as unknown as TableInfo;
  throw new TypeError("weft admin: not a drizzle SQLite or PostgreSQL table");
}

/** The table under another name, for a self-join or a second join of it (drizzle's `alias`). */
export function aliasTable<T extends AnyTable>(table: T, name: string): T {
  return (is(table, PgTable) ? pgAlias(table, name) : sqliteAlias(table as SQLiteTable, name)) as unknown as T;
}
