/**
 * PostgreSQL (drizzle over node-postgres): key lists as one array parameter (`= any($1)`),
 * `json_agg`, `ILIKE`, and drizzle's own async transactions.
 */
import { Column, getTableName, is, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { AdminDatabase, AnyColumn, AnyTable, Dialect, QueryBuilder } from "./index.js";
import { columnFits, hasErrorCode } from "./index.js";

type Pg = NodePgDatabase<any>;

/** See `Dialect.cappedKeys`: past this many, a capped search's rows look each row's related row up by key (q=a: 48,118 customers, ~1 in 1.04 orders). */
const CAPPED_KEYS = 2_500;

export const pgDialect: Dialect = {
  name: "postgres",
  async all<R>(db: AdminDatabase, query: SQL): Promise<R[]> {
    return (await (db as Pg).execute(query)).rows as R[];
  },
  inList(expr: SQLWrapper, keys: readonly unknown[], probed = false): SQL {
    const { held, type } = keyArray(expr, keys, probed);
    // many keys: the planner would estimate `= any(<constant array>)` element by element (48,118
    // customer ids: ~75 ms of planning per use); a hashed subplan is planned once and probed per row
    if (type) return sql`${expr} in (select unnest(${sql.param(arrayLiteral(held))}::${sql.raw(type)}[]))`;
    return sql`${expr} = any(${sql.param([...held])})`;
  },
  inCte(expr: SQLWrapper, cte: SQLWrapper, many = false): SQL {
    return many ? sql`${expr} in (select "k" from ${cte})` : sql`${expr} = any(array(select "k" from ${cte}))`;
  },
  countByKeys(ctes: readonly SQLWrapper[], few: SQL, many: () => SQL): SQL {
    // q=a (48,118 of 50,000 customers): `= any` gathers all 385,403 matching orders in a bitmap
    // before the count's LIMIT (~50 ms); a hashed filter over a scan stops after ~10,400 rows
    const dense = sql.join(ctes.map((c) => sql`(select count(*) from ${c}) > ${sql.raw(String(MANY_KEYS))}`), sql` and `);
    return sql`case when ${dense} then (${many()}) else (${few}) end`;
  },
  keysCount(cte: SQLWrapper, table: AnyTable, column: SQLWrapper, where: SQL | undefined, atMost: number): SQL {
    // a nested loop by construction: each key's rows from `column`'s index (index-only when
    // `where` is empty), the CTE pulled key by key, both stopping at `atMost + 1` rows (q=smith at
    // 4,000,000 orders: 10,001 of its 19,807 orders in ~2 ms, where the search's count gathered
    // them all in a bitmap of the customer-id and trigram indexes and read their rows: ~14 ms)
    const n = sql.raw(String(atMost + 1));
    const own = where ? sql` and ${where}` : sql``;
    const rows = sql`select 1 from ${cte} as "weft_k" cross join lateral (select 1 from ${table} where ${column} = "weft_k"."k"${own} limit ${n}) as "weft_r" limit ${n}`;
    return sql`select count(*) from (${rows}) as "weft_b"`;
  },
  cappedKeys: CAPPED_KEYS,
  keysWhole: false,
  branchesSearch: true,
  jsonArrayAgg(expr: SQL): SQL {
    return sql`coalesce(json_agg(${expr}), '[]'::json)`;
  },
  parseKeys(value: unknown): unknown[] {
    if (Array.isArray(value)) return value;
    return typeof value === "string" ? (JSON.parse(value) as unknown[]) : [];
  },
  sortCost: 3,
  unindexed(expr: SQLWrapper): SQL {
    // the same value, no index's expression: the planner sorts the matches. Left to itself it
    // walked orders_created_at_idx for ?q=ann&p=100 (122,000 rows read for 5,000 matches: 43–55 ms
    // at 400k orders, against 15 ms for a bitmap scan of the 15,968 matches and a top-N sort)
    return sql`coalesce(${expr}, ${expr})`;
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

/**
 * Past this many keys, {@link pgDialect}'s `inList` sends them as `in (select unnest($n::type[]))`
 * rather than `= any($n)`: planning `= any` costs ~1.5 µs per key per use at load ~7 (the
 * selectivity of each element is estimated), and that many keys match a large share of the rows,
 * which a walk along an index with a hash probe per row reads faster than a bitmap of every key.
 * Below it, `= any($n)` lets a bitmap index scan fetch the few matching rows (q=smith: 242
 * customers; q=ann: 1,996).
 */
const MANY_KEYS = 5_000;

/**
 * The keys `expr` can hold (node-postgres sends a JS array as a PostgreSQL array; its element type
 * comes from `expr`, which refuses the whole statement for one number it cannot hold: those keys
 * are no rows), and their array type when they are more than {@link MANY_KEYS} or `probed` (see `Dialect.inList`).
 */
function keyArray(expr: SQLWrapper, keys: readonly unknown[], probed: boolean): { held: readonly unknown[]; type: string | undefined } {
  // the column's type looked at once per list, not per key
  const fits = is(expr, Column) ? columnFits(expr as AnyColumn) : undefined;
  const held = fits ? keys.filter((k) => typeof k !== "number" || fits(k)) : keys;
  return { held, type: probed || held.length > MANY_KEYS ? arrayType(expr, held) : undefined };
}

/**
 * Many keys as one array parameter: whole numbers as PostgreSQL's array literal `{1,2,3}`, made
 * by one `JSON.stringify` (node-postgres builds it key by key, escaping each: 48,118 customer ids
 * took ~15 ms of the worker's event loop per statement, and q=a's page sends them twice, while
 * every other client of the worker waited); anything else as a JS array for node-postgres to escape.
 */
function arrayLiteral(keys: readonly unknown[]): string | unknown[] {
  // JSON writes whole numbers as the literal does, ~3× faster than `join`
  return keys.every((k) => Number.isSafeInteger(k)) ? `{${JSON.stringify(keys).slice(1, -1)}}` : [...keys];
}

/** The element type of an array of keys compared with `expr`: the column's own, or `bigint`/`text` for keys all of one kind. */
function arrayType(expr: SQLWrapper, keys: readonly unknown[]): string | undefined {
  if (is(expr, Column)) return (expr as AnyColumn).getSQLType();
  if (keys.every((k) => typeof k === "number" && Number.isSafeInteger(k))) return "bigint";
  return undefined;
}

/** PostgreSQL SQLSTATEs of the failures a form can explain, as SQLite's result codes (`describeDbError` speaks those). */
const AS_SQLITE: Record<string, string> = {
  "23505": "SQLITE_CONSTRAINT_UNIQUE",
  "23502": "SQLITE_CONSTRAINT_NOTNULL",
  "23514": "SQLITE_CONSTRAINT_CHECK",
  "23503": "SQLITE_CONSTRAINT_FOREIGNKEY",
  // serialization failure, deadlock, lock not available: try again
  "40001": "SQLITE_BUSY",
  "40P01": "SQLITE_BUSY",
  "55P03": "SQLITE_BUSY",
  "25006": "SQLITE_READONLY",
  "53100": "SQLITE_FULL",
};

/**
 * A node-postgres error (or one in its causes) as the SQLite code and message the admin's form
 * errors read: `UNIQUE constraint failed: orders.number`, `NOT NULL constraint failed: orders.note`,
 * `CHECK constraint failed: <name>`; undefined when `err` is no PostgreSQL data error.
 */
export function pgFailureAsSqlite(err: unknown): { code: string; message: string } | undefined {
  type PgError = { code?: unknown; table?: string; column?: string; constraint?: string; detail?: string; message?: string; cause?: unknown };
  for (let e = err as PgError | undefined, depth = 0; e && typeof e === "object" && depth < 5; e = e.cause as PgError, depth++) {
    const code = typeof e.code === "string" ? AS_SQLITE[e.code] : undefined;
    if (!code) continue;
    const table = e.table ?? "";
    if (code === "SQLITE_CONSTRAINT_UNIQUE") {
      // detail: Key (number)=(ORD-1) already exists.  /  Key (a, b)=(…) …
      const cols = /^Key \(([^)]*)\)=/.exec(e.detail ?? "")?.[1]?.split(",").map((c) => `${table}.${c.trim().replace(/^"|"$/g, "")}`) ?? [];
      return { code, message: `UNIQUE constraint failed: ${cols.join(", ")}` };
    }
    if (code === "SQLITE_CONSTRAINT_NOTNULL") return { code, message: `NOT NULL constraint failed: ${table}.${e.column ?? ""}` };
    if (code === "SQLITE_CONSTRAINT_CHECK") return { code, message: `CHECK constraint failed: ${e.constraint ?? ""}` };
    return { code, message: String(e.message ?? "").split("\n")[0]!.slice(0, 300) };
  }
  return undefined;
}
