/**
 * The demo's queries on either engine: what differs between SQLite and PostgreSQL for the
 * demo's own statements (widgets, simulator, actions, views), in one small adapter per engine,
 * as @weft/admin's `query/dialect`. Everything else is written once, as awaited drizzle
 * statements valid on both.
 */
import { withTransaction } from "@weft/admin";
import { is, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { PgDatabase } from "drizzle-orm/pg-core";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import * as sqliteSchema from "./schema.js";
import * as pgSchema from "./schema-pg.js";

/** The shop's tables (the `sqliteTable`s of schema.ts, or their `pgTable` twins of schema-pg.ts). */
export type DemoTables = Pick<typeof sqliteSchema, "customers" | "products" | "orders" | "orderItems" | "supportTickets">;

/** A demo database: drizzle over better-sqlite3 (schema.ts) or over node-postgres (schema-pg.ts). */
export type AnyDemoDb = BetterSQLite3Database<typeof sqliteSchema> | NodePgDatabase<typeof pgSchema>;

/**
 * The builder surface both engines share, typed once: SQLite's async database (every call is
 * awaited, which is valid on both). {@link engineOf} is the only cast.
 */
export type DemoQueryBuilder = BaseSQLiteDatabase<"async", unknown, typeof sqliteSchema>;

/** What differs between the engines for the demo's statements. */
export interface DemoEngine {
  readonly name: "sqlite" | "postgres";
  /** the database, as the shared builder type */
  readonly q: DemoQueryBuilder;
  /** the engine's tables, as the shared (SQLite) types: same names, columns and row types */
  readonly t: DemoTables;
  /** Runs a raw statement and returns its rows. */
  rows<R>(query: SQL): Promise<R[]>;
  /** Case-insensitive (ASCII) substring `LIKE` with `\` as escape: SQLite's LIKE, PostgreSQL's ILIKE. */
  like(expr: SQLWrapper, pattern: string): SQL;
  /** `expr` starts with `prefix`, case-insensitively, as an index can serve it (SQLite: a range on the nocase index; PostgreSQL: `lower() LIKE` on the text_pattern_ops index). */
  startsWith(expr: SQLWrapper, prefix: string): SQL;
  /** `expr` kept from using its index (SQLite's unary `+`), so the planner walks the one the statement means; PostgreSQL plans by statistics and gets `expr` as it is. */
  unindexed(expr: SQLWrapper): SQL;
  /** A timestamp column as epoch milliseconds (an integer): SQLite stores them so, PostgreSQL's `timestamptz` is converted. */
  epochMs(expr: SQLWrapper): SQL;
  /** The UTC day of a timestamp column as `YYYY-MM-DD` text. */
  utcDay(expr: SQLWrapper): SQL;
  /** The id the next row of `table` gets: SQLite `max(id) + 1` (call it inside a write transaction), PostgreSQL the table's identity sequence. */
  nextId(tx: DemoQueryBuilder, table: "orders"): Promise<number>;
  /** `max(a, b)` of two numbers. */
  greatest(a: SQLWrapper, b: SQLWrapper | number): SQL;
  /**
   * Runs `fn` in one write transaction, as the admin's own writes do (@weft/admin's
   * `withTransaction`: on SQLite `BEGIN IMMEDIATE` under the connection's lock, which the
   * admin's writes take too, so nothing of theirs lands inside it).
   */
  transaction<T>(fn: (tx: DemoQueryBuilder) => Promise<T>): Promise<T>;
}

/** `text` with LIKE's wildcards (and the escape character) escaped by a backslash. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function sqliteEngine(db: BetterSQLite3Database<typeof sqliteSchema>): DemoEngine {
  return {
    name: "sqlite",
    q: db as unknown as DemoQueryBuilder,
    t: sqliteSchema,
    rows: async <R>(query: SQL) => db.all<R>(query),
    like: (expr, pattern) => sql`${expr} LIKE ${pattern} ESCAPE '\\'`,
    // numbers are ASCII: everything with the prefix sorts below prefix + U+FFFF (nocase index)
    startsWith: (expr, prefix) => sql`(${expr} >= ${prefix} AND ${expr} < ${`${prefix}\uffff`})`,
    unindexed: (expr) => sql`+${expr}`,
    epochMs: (expr) => sql`${expr}`,
    utcDay: (expr) => sql`strftime('%Y-%m-%d', ${expr} / 1000, 'unixepoch')`,
    nextId: async (tx, table) => (tx as unknown as BetterSQLite3Database).get<{ id: number }>(sql`SELECT coalesce(max(id), 0) + 1 AS id FROM ${sql.identifier(table)}`).id,
    greatest: (a, b) => sql`max(${a}, ${b})`,
    transaction: (fn) => withTransaction(db, (tx) => fn(tx as unknown as DemoQueryBuilder)),
  };
}

function pgEngine(db: NodePgDatabase<typeof pgSchema>): DemoEngine {
  return {
    name: "postgres",
    q: db as unknown as DemoQueryBuilder,
    t: pgSchema as unknown as DemoTables,
    rows: async <R>(query: SQL) => (await db.execute(query)).rows as R[],
    like: (expr, pattern) => sql`${expr} ILIKE ${pattern} ESCAPE '\\'`,
    startsWith: (expr, prefix) => sql`lower(${expr}) LIKE ${`${escapeLike(prefix.toLowerCase())}%`}`,
    unindexed: (expr) => sql`${expr}`,
    epochMs: (expr) => sql`(extract(epoch from ${expr}) * 1000)::bigint`,
    utcDay: (expr) => sql`to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
    nextId: async (tx, table) => {
      const { rows } = await (tx as unknown as NodePgDatabase).execute<{ id: number }>(sql`SELECT nextval(pg_get_serial_sequence(${table}, 'id'))::int AS id`);
      return rows[0]!.id;
    },
    greatest: (a, b) => sql`greatest(${a}, ${b})`,
    transaction: (fn) => withTransaction(db, (tx) => fn(tx as unknown as DemoQueryBuilder)),
  };
}

const engines = new WeakMap<object, DemoEngine>();

/**
 * The engine of a demo database (drizzle's `is()` tells PostgreSQL from SQLite), made once per database.
 *
 * @param db - what `openDatabase` or `openPostgres` returned as `db`
 */
export function engineOf(db: AnyDemoDb): DemoEngine {
  let e = engines.get(db);
  if (!e) {
    e = is(db, PgDatabase) ? pgEngine(db as NodePgDatabase<typeof pgSchema>) : sqliteEngine(db as BetterSQLite3Database<typeof sqliteSchema>);
    engines.set(db, e);
  }
  return e;
}
