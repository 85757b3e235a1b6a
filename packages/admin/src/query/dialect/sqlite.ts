/**
 * SQLite (drizzle over better-sqlite3): JSON arrays through `json_each`/`json_group_array`,
 * and transactions that can await.
 *
 * drizzle's better-sqlite3 `transaction` is synchronous. An async one runs `BEGIN IMMEDIATE` …
 * `COMMIT`/`ROLLBACK` on the connection while other requests keep running between its awaits, so
 * each connection has a lock: a transaction holds it from BEGIN to COMMIT, and every write of
 * the admin (insert/update/delete through the database {@link guardWrites} returns) takes it
 * too — otherwise another request's write would land inside the open transaction and be rolled
 * back with it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { getTableName, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { ftsPhrase } from "../search-index.js";
import type { AdminDatabase, AnyTable, Dialect, QueryBuilder, RowWalk } from "./index.js";
import { hasErrorCode } from "./index.js";

type Client = { inTransaction?: boolean; pragma?(source: string, o: { simple: true }): unknown };
type Sqlite = BetterSQLite3Database<any> & { $client: Client };

/** A FIFO async lock. */
class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

const locks = new WeakMap<object, Lock>();
/** The transaction the current async context runs in (`open` turns false at COMMIT/ROLLBACK). */
const current = new AsyncLocalStorage<{ client: object; open: boolean }>();

function lockOf(client: object): Lock {
  let l = locks.get(client);
  if (!l) locks.set(client, (l = new Lock()));
  return l;
}

/** Runs `fn` under the connection's lock, unless this async context is inside its open transaction. */
function locked<T>(client: object, fn: () => Promise<T>): Promise<T> {
  const tx = current.getStore();
  return tx && tx.client === client && tx.open ? fn() : lockOf(client).run(fn);
}

const WRITES = new Set(["insert", "update", "delete"]);

/** Wraps a write builder so that awaiting it takes the lock; chained calls stay wrapped. */
function guardBuilder(client: object, b: object): object {
  const proxy: object = new Proxy(b, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop === "then") {
        return (res?: (x: unknown) => unknown, rej?: (e: unknown) => unknown) =>
          locked(client, () => new Promise((ok, fail) => (v as (a: unknown, b: unknown) => void).call(target, ok, fail))).then(res, rej);
      }
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        const out = (v as (...a: unknown[]) => unknown).apply(target, args);
        if (out === target) return proxy;
        return typeof out === "object" && out !== null && "then" in out ? guardBuilder(client, out) : out;
      };
    },
  });
  return proxy;
}

/**
 * The database with its admin writes under the connection's lock (see the module comment);
 * `AdminSite` keeps this one. Reads are untouched. Writes your own code makes on the raw database
 * outside the admin do not take the lock.
 */
export function guardWrites<D extends AdminDatabase>(db: D): D {
  const client = (db as Sqlite).$client;
  return new Proxy(db, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof prop === "string" && WRITES.has(prop) && typeof v === "function") {
        return (...args: unknown[]) => guardBuilder(client, (v as (...a: unknown[]) => object).apply(target, args));
      }
      return v;
    },
  });
}

/** A search the sample says is dense is walked row by row, reading at most this many rows per match of its bound. */
const WALKED_ROWS = 3;
/**
 * Past this bound a deep page's count goes through the keys: its cost is mostly the related
 * table's scan, its probes reading only the foreign key's index, where the walk reads each row and
 * its related row (q=a&p=100, bound 40,000 at 400k: keys 15 ms, walk 20 ms).
 */
const WALKED_MATCHES = 20_000;

export const sqliteDialect: Dialect = {
  name: "sqlite",
  async all<R>(db: AdminDatabase, query: SQL): Promise<R[]> {
    return (db as Sqlite).all(query) as R[];
  },
  inList(expr: SQLWrapper, keys: readonly unknown[]): SQL {
    return sql`${expr} in (select value from json_each(${JSON.stringify(keys)}))`;
  },
  inCte(expr: SQLWrapper, cte: SQLWrapper): SQL {
    return sql`${expr} in (select "k" from ${cte})`;
  },
  countByKeys(_ctes: readonly SQLWrapper[], few: SQL, _many: () => SQL, walk?: RowWalk): SQL {
    if (!walk || walk.atMost > WALKED_MATCHES) return few;
    // a dense search (q=a: 96 % of the rows) finds atMost + 1 matches in about as many rows, each
    // tested with one lookup of its related row; its keys would cost a scan of the related table
    // (48,118 of 50,000 customers, no trigram for one letter), their materialization and an index
    // over them: ~13 ms, against ~5 ms. A materialized CTE, so that the walk runs once (a subquery
    // in FROM is flattened into each use of "b"); the walk is bounded, in case the sample misled
    const walked = walk.count(WALKED_ROWS * (walk.atMost + 1), walk.atMost);
    return sql`with "weft_w"("b") as materialized (select case when ${walk.dense} then (${walked}) else 0 end) select case when "b" > ${sql.raw(String(walk.atMost))} then "b" else (${few}) end from "weft_w"`;
  },
  keysCount(): undefined {
    return undefined;
  },
  // q=smith at 4,000,000 orders: its 242 customers probed along the date index, 8.4 → 2.9 ms (rows statement)
  cappedKeys: 1_000,
  keysWhole: true,
  branchesSearch: false,
  jsonArrayAgg(expr: SQL): SQL {
    return sql`json_group_array(${expr})`;
  },
  parseKeys(value: unknown): unknown[] {
    return typeof value === "string" ? (JSON.parse(value) as unknown[]) : [];
  },
  sortCost: 0.5,
  unindexed(expr: SQLWrapper): SQL {
    return sql`+${expr}`;
  },
  like(expr: SQLWrapper, pattern: string): SQL {
    return sql`${expr} like ${pattern} escape '\\'`;
  },
  trigramMatch(index: { readonly name: string; readonly key: SQLWrapper }, word: string): SQL {
    const fts = sql.identifier(index.name);
    return sql`${index.key} in (select rowid from ${fts} where ${fts} match ${ftsPhrase(word)})`;
  },
  estimateRows(table: AnyTable, above: number): SQL {
    // each sqlite_stat1 row of the table starts with its row count at the last ANALYZE
    const e = sql`(select coalesce(max(cast(stat as integer)), -1) from sqlite_stat1 where tbl = ${getTableName(table)})`;
    return sql`select case when ${e} >= ${above} then ${e} else (select count(*) from ${table}) end as "n", ${e} >= ${above} as "estimated"`;
  },
  foreignKeysEnforced(db: AdminDatabase): boolean {
    return (db as Sqlite).$client?.pragma?.("foreign_keys", { simple: true }) === 1;
  },
  async transaction<T>(db: AdminDatabase, fn: (tx: QueryBuilder) => Promise<T>): Promise<T> {
    const d = db as Sqlite;
    const client = d.$client;
    const outer = current.getStore();
    // a transaction inside one: part of it (as drizzle's nested transactions, without a savepoint)
    if (outer && outer.client === client && outer.open) return fn(db as unknown as QueryBuilder);
    return lockOf(client).run(() => {
      const tx = { client, open: true };
      return current.run(tx, async () => {
        d.run(sql`begin immediate`);
        try {
          const out = await fn(db as unknown as QueryBuilder);
          d.run(sql`commit`);
          return out;
        } catch (err) {
          if (client.inTransaction !== false) d.run(sql`rollback`);
          throw err;
        } finally {
          tx.open = false;
        }
      });
    });
  },
  adopt: guardWrites,
  isForeignKeyError(err: unknown): boolean {
    return hasErrorCode(err, ["SQLITE_CONSTRAINT_FOREIGNKEY"]);
  },
};
