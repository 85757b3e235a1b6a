/**
 * PostgreSQL (drizzle over node-postgres): key lists as one array parameter (`= any($1)`),
 * `json_agg`, `ILIKE`, and drizzle's own async transactions.
 */
import { getTableName, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { AdminDatabase, AnyTable, Dialect, QueryBuilder } from "./index.js";
import { hasErrorCode } from "./index.js";

type Pg = NodePgDatabase<any>;

export const pgDialect: Dialect = {
  name: "postgres",
  async all<R>(db: AdminDatabase, query: SQL): Promise<R[]> {
    return (await (db as Pg).execute(query)).rows as R[];
  },
  inList(expr: SQLWrapper, keys: readonly unknown[]): SQL {
    // node-postgres sends a JS array as a PostgreSQL array; its element type comes from `expr`
    return sql`${expr} = any(${sql.param([...keys])})`;
  },
  jsonArrayAgg(expr: SQL): SQL {
    return sql`coalesce(json_agg(${expr}), '[]'::json)`;
  },
  parseKeys(value: unknown): unknown[] {
    if (Array.isArray(value)) return value;
    return typeof value === "string" ? (JSON.parse(value) as unknown[]) : [];
  },
  unindexed(expr: SQLWrapper): SQL {
    return sql`${expr}`;
  },
  like(expr: SQLWrapper, pattern: string): SQL {
    return sql`${expr} ilike ${pattern} escape '\\'`;
  },
  trigramMatch(): undefined {
    // the ILIKE of `like` is served by the pg_trgm GIN index itself
    return undefined;
  },
  estimateRows(table: AnyTable, above: number): SQL {
    const schema = (table as unknown as Record<symbol, string | undefined>)[Symbol.for("drizzle:Schema")];
    const name = `${schema ? `"${schema.replace(/"/g, '""')}".` : ""}"${getTableName(table).replace(/"/g, '""')}"`;
    const e = sql`coalesce((select reltuples::bigint from pg_class where oid = to_regclass(${name})), -1)`;
    return sql`select case when ${e} >= ${above} then ${e} else (select count(*) from ${table}) end as "n", ${e} >= ${above} as "estimated"`;
  },
  foreignKeysEnforced(): boolean {
    return true;
  },
  transaction<T>(db: AdminDatabase, fn: (tx: QueryBuilder) => Promise<T>): Promise<T> {
    return (db as Pg).transaction((tx) => fn(tx as unknown as QueryBuilder));
  },
  adopt<D extends AdminDatabase>(db: D): D {
    return db;
  },
  isForeignKeyError(err: unknown): boolean {
    // 23503 foreign_key_violation
    return hasErrorCode(err, ["23503"]);
  },
};
