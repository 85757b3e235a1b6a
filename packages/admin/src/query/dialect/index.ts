/**
 * The one place where the admin's SQL differs between engines: a {@link Dialect} per drizzle
 * database kind (better-sqlite3 SQLite in `sqlite.ts`, node-postgres PostgreSQL in `pg.ts`),
 * picked by {@link dialectOf}. Everything else builds statements with drizzle forms valid on
 * both (`await db.select()…`, `.limit(1)` then `[0]`, `await db.insert(t).values(v).returning()`).
 */
import { is, type SQL, type SQLWrapper } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { PgDatabase, type PgColumn, type PgTable } from "drizzle-orm/pg-core";
import { BaseSQLiteDatabase, type SQLiteColumn, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { adminError } from "../../errors.js";
import { sqliteDialect } from "./sqlite.js";
import { pgDialect } from "./pg.js";

/** A database the admin runs on: drizzle over better-sqlite3, or over node-postgres (`pg`). */
export type AdminDatabase = BetterSQLite3Database<any> | NodePgDatabase<any>;
/** A table a ModelAdmin lists: a `sqliteTable` or a `pgTable`. */
export type AnyTable = SQLiteTable | PgTable;
/** A column of an {@link AnyTable}. */
export type AnyColumn = SQLiteColumn | PgColumn;

/**
 * The builder surface both dialects share. drizzle's union of database types makes builder
 * calls untypeable, so the admin builds statements on this one type (SQLite's async database:
 * every call is awaited) and {@link qb} is the only cast; the forms used are valid on both.
 */
export type QueryBuilder = BaseSQLiteDatabase<"async", unknown, any>;

/** What differs between SQLite and PostgreSQL, for the statements the admin builds. */
export interface Dialect {
  readonly name: "sqlite" | "postgres";
  /** Runs a raw statement and returns its rows. */
  all<R = Record<string, unknown>>(db: AdminDatabase, query: SQL): Promise<R[]>;
  /**
   * `expr IN (the keys)`, the keys travelling as ONE parameter whatever their number.
   * `probed`: the statement tests the keys row by row as it walks another index (a capped search's
   * rows along the sort's index): PostgreSQL's hashed form `IN (SELECT unnest($n))` whatever their
   * number, where `= ANY($n)` would be planned key by key; SQLite has one form.
   */
  inList(expr: SQLWrapper, keys: readonly unknown[], probed?: boolean): SQL;
  /**
   * `expr IN (SELECT "k" FROM cte)` over a CTE's key column, in the form the planner can answer
   * from `expr`'s index (SQLite: `IN (SELECT …)`; PostgreSQL: `= ANY(ARRAY(SELECT …))`, which a
   * bitmap index scan serves, where `IN (subquery)` becomes a hashed filter over a full scan).
   * `many`: the form for a CTE of many keys, probed row by row (PostgreSQL: `IN (SELECT …)`, a
   * hashed filter, so a bounded count stops at its `LIMIT`; SQLite: the same statement).
   */
  inCte(expr: SQLWrapper, cte: SQLWrapper, many?: boolean): SQL;
  /**
   * A related search's count that picks its plan by how many keys the CTEs found: `few` is the
   * count written with {@link Dialect.inCte}, `many()` the same with `inCte(…, true)`.
   * PostgreSQL: `CASE WHEN` every CTE holds more than 5,000 keys `THEN (many) ELSE (few) END`
   * (only the branch taken runs: its sub-select is evaluated when first needed).
   * SQLite: `few`, or, for a count bounded at 20,000 or less (`walk`), first its sample: when
   * that says dense (`RowWalk.dense`), the rows are tested one by one (`walk`, each row's related
   * row looked up by key), at most 3 × (`atMost` + 1) of them, and `few` runs only when that walk
   * did not find more than `atMost` (q=a: no scan of the 50,000 customers; ~13 → ~5 ms).
   */
  countByKeys(ctes: readonly SQLWrapper[], few: SQL, many: () => SQL, walk?: RowWalk): SQL;
  /**
   * The count of the rows of `table` that match `where` and hold in `column` one of the keys of
   * `cte` (keys that are unique in it), stopping at `atMost + 1`: a one-word related search's
   * matches through that relation, a lower bound of its count, which answers "more than `atMost`"
   * without the rest of the count (and with one relation, the rest is the own fields' matches
   * outside those keys). PostgreSQL: a `LATERAL` join from the CTE's keys into `column`'s index,
   * the CTE read only as far as that needs (`q=a`: ~80 of the 48,118 matching customers at
   * 4,000,000 orders); SQLite: `undefined` (no bound).
   */
  keysCount(cte: SQLWrapper, table: AnyTable, column: SQLWrapper, where: SQL | undefined, atMost: number): SQL | undefined;
  /**
   * A count capped at its `atMost` still sends back the keys of a CTE that holds at most this many
   * (0: never), so that its rows statement probes them (`inList(…, true)`) instead of looking up
   * each row's related row (`relatedPerRow`): a sparse related search walks many rows per page
   * (`q=smith`, 242 customers: ~10,500 orders for 50 at 4,000,000 orders). PostgreSQL: 2,500;
   * SQLite: 1,000 when the keys come from trigram lookups only (see {@link Dialect.keysWhole}).
   */
  readonly cappedKeys: number;
  /**
   * Whether the engine computes a materialized CTE of keys whole before its first row is read:
   * SQLite does, so telling whether it holds at most `cappedKeys` keys costs its whole related
   * search, a scan of the related table for a word no trigram index serves (q=a: 48,118 of 50,000
   * customers by `LIKE`, ~8 ms). Then a capped count sends keys back only when every related
   * search field has a trigram index and every word is long enough for it. PostgreSQL reads a CTE
   * as far as it is consumed: false.
   */
  readonly keysWhole: boolean;
  /**
   * Whether a one-word related search's rows statement is a `UNION ALL` of its branches (the rows of
   * each related table's keys; those of the own search fields), merged in the page's order (see
   * `pageQuery`), rather than one `OR`. PostgreSQL: each branch is a plan of its own, the keys'
   * tested from an index holding them (the demo's `orders_created_at_idx (created_at, id,
   * customer_id)`: index-only), where the `OR` with the order number reads every row it walks.
   * SQLite: false (its `OR` plans are unchanged).
   */
  readonly branchesSearch: boolean;
  /** An aggregate of `expr` as a JSON array (empty array for no rows), read back by {@link Dialect.parseKeys}. */
  jsonArrayAgg(expr: SQL): SQL;
  /** The keys of a {@link Dialect.jsonArrayAgg} value as the driver returned it. */
  parseKeys(value: unknown): unknown[];
  /**
   * What fetching and sorting one match of a search costs, in rows walked along the sort column's
   * index (each tested against the search): what `sortsMatches` (query/plan.ts) weighs. PostgreSQL
   * 3 (400,000 orders, the first page walked vs sorted: q=smith (1,945 matches) 5.9 vs 3.3 ms,
   * q=ray (2,904) 4.4 vs 4.6, q=lee (5,512) 7.4 vs 19.8: crossovers between 2.5 and 4). SQLite 0.5:
   * its sort of a related search's matches reads the foreign key's index (q=ann&p=100: 15,968
   * matches sorted in 9 ms against 125,000 rows walked in 85 ms at 400,000 orders, a ratio of 0.8;
   * 159,008 in 26 ms against 127,000 rows in ~110 ms at 4,000,000, 0.25).
   */
  readonly sortCost: number;
  /** `expr` in a form the planner will not answer from an index, the same value (SQLite: `+expr`; PostgreSQL: `coalesce(expr, expr)`). */
  unindexed(expr: SQLWrapper): SQL;
  /** Case-insensitive `LIKE` with `\` as escape character (SQLite's LIKE; PostgreSQL's ILIKE). */
  like(expr: SQLWrapper, pattern: string): SQL;
  /**
   * The lookup of `word` in a column's trigram index (`searchIndex: "trigram"`): a condition
   * true for (at least) the rows whose column contains the word, to AND with the word's
   * {@link Dialect.like}, or `undefined` when the `like` itself uses the index (PostgreSQL's
   * `pg_trgm` GIN serves `ILIKE`). SQLite: `key IN (SELECT rowid FROM <fts5 table> WHERE … MATCH
   * '"word"')`; the caller passes words of 3+ characters only.
   */
  trigramMatch(index: { readonly name: string; readonly key: SQLWrapper }, word: string): SQL | undefined;
  /**
   * One statement answering `{ n, estimated }` for a whole table: the engine's row estimate when
   * it is at least `above` (`estimated` true), else the exact `count(*)` (SQLite: `sqlite_stat1`,
   * which exists once `ANALYZE` ran, else the statement fails and the caller counts; PostgreSQL:
   * `pg_class.reltuples`, -1 before the first `ANALYZE`).
   */
  estimateRows(table: AnyTable, above: number): SQL;
  /** Whether the engine rejects rows whose foreign keys point nowhere (SQLite: `PRAGMA foreign_keys`). */
  foreignKeysEnforced(db: AdminDatabase): boolean;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * SQLite: `BEGIN IMMEDIATE` under a process-wide lock per connection (see `sqlite.ts`);
   * PostgreSQL: drizzle's `db.transaction`.
   */
  transaction<T>(db: AdminDatabase, fn: (tx: QueryBuilder) => Promise<T>): Promise<T>;
  /**
   * The database as the admin keeps it: SQLite wraps it so that the admin's writes take the
   * connection's transaction lock (`guardWrites` in `sqlite.ts`); PostgreSQL keeps it as is.
   */
  adopt<D extends AdminDatabase>(db: D): D;
  /** Whether `err` is the engine refusing a write because of a foreign key. */
  isForeignKeyError(err: unknown): boolean;
}

/**
 * The count of a bounded related search with every word tested row by row (`relatedPerRow`), for
 * {@link Dialect.countByKeys}: no list of keys is made, so it costs the rows it reads.
 */
export interface RowWalk {
  /** the bound of the count: a result past it means "more than `atMost`" */
  readonly atMost: number;
  /** the count over the table's first `rows` rows only, stopping after `stopAt` + 1 matches when given */
  count(rows: number, stopAt?: number): SQL;
  /** a condition: at least 1 in `DENSE_SHARE` of the table's first `SAMPLE_ROWS` rows match (query/plan.ts), computed once per statement */
  readonly dense: SQL;
}

/**
 * The dialect of a drizzle database, told apart with drizzle's `is()`.
 * @throws WeftAdminError `WEFT_ADMIN_ERR_DATABASE` for anything but a better-sqlite3 or node-postgres drizzle database
 */
export function dialectOf(db: unknown): Dialect {
  if (is(db, BaseSQLiteDatabase)) return sqliteDialect;
  if (is(db, PgDatabase)) return pgDialect;
  throw adminError("WEFT_ADMIN_ERR_DATABASE", "weft admin: db must be a drizzle database: drizzle(new Database(file)) of drizzle-orm/better-sqlite3, or drizzle(pool) of drizzle-orm/node-postgres");
}

/** A database or a transaction of it (what `Dialect.transaction` passes its callback). */
export type DbOrTx = AdminDatabase | QueryBuilder;

/**
 * The database (or transaction) as the shared builder type (see {@link QueryBuilder}): the
 * adapter's one cast. Takes any drizzle SQLite database (better-sqlite3, or another driver whose
 * calls are awaited) besides the two the admin runs on.
 */
export function qb(db: DbOrTx | BaseSQLiteDatabase<any, any, any, any>): QueryBuilder {
  return db as unknown as QueryBuilder;
}

/**
 * Runs `fn` in one transaction of `db` (SQLite or PostgreSQL), as the admin's own writes do:
 * committed when `fn` resolves, rolled back when it throws (see {@link Dialect.transaction}).
 * Use it for writes that must commit together with an audit entry (`recordAudit(tx, …)`).
 *
 * @example
 * await withTransaction(site.db, async (tx) => {
 *   await tx.update(orders).set({ status }).where(eq(orders.id, id));
 *   await recordAudit(tx, { userId, action: "change", model: "shop.order", objectId: id, objectRepr, changes });
 * });
 * @returns what `fn` resolves to
 * @throws what `fn` or the driver throws (nothing is written then); WeftAdminError `WEFT_ADMIN_ERR_DATABASE` for an unsupported `db`
 */
export function withTransaction<T>(db: AdminDatabase, fn: (tx: QueryBuilder) => Promise<T>): Promise<T> {
  return dialectOf(db).transaction(db, fn);
}

/** Whether `err` (or one of its causes) carries `code`. */
export function hasErrorCode(err: unknown, codes: readonly string[]): boolean {
  for (let e = err, depth = 0; typeof e === "object" && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (codes.includes(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}

/** The integers each PostgreSQL integer type holds (`bigint` in drizzle's number mode: JS's safe integers). */
const PG_INTEGER_RANGES: Record<string, readonly [number, number]> = {
  PgSmallInt: [-32_768, 32_767],
  PgSmallSerial: [1, 32_767],
  PgInteger: [-2_147_483_648, 2_147_483_647],
  PgSerial: [1, 2_147_483_647],
};

/**
 * Whether `value` is a number an integer column can hold: SQLite's integers and PostgreSQL's
 * `bigint` (number mode) any safe integer, `integer`/`serial` 32 bits, `smallint` 16 bits.
 * PostgreSQL refuses a comparison of an integer column with `22.5` or with a value past its type
 * ("invalid input syntax for type integer", "out of range") where SQLite simply finds no row, so
 * the admin leaves such values out of its statements (they match no row on either engine).
 * Non-integer columns (`real`, `numeric`) hold any finite number.
 */
export function fitsColumn(column: AnyColumn, value: number): boolean {
  return columnFits(column)(value);
}

/** {@link fitsColumn} for one column, its type looked at once: for testing many values (a list of keys). */
export function columnFits(column: AnyColumn): (value: number) => boolean {
  if (!/Int|Serial/.test(column.columnType)) return Number.isFinite;
  const [lo, hi] = PG_INTEGER_RANGES[column.columnType] ?? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  return (value) => Number.isSafeInteger(value) && value >= lo && value <= hi;
}
