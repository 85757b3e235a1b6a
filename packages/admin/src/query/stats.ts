/**
 * Counting the SQL statements a piece of code runs, at the driver: the check behind
 * "constant query count per page" (Django's `assertNumQueries`).
 */
import type { AdminDatabase } from "./dialect/index.js";
import { adminError } from "../errors.js";
import { readPoolsOf } from "./read-pool/pool.js";

/** A live statement counter over one database connection (or pool). */
export interface StatementCounter {
  /** Statements prepared since the counter was made or last reset. */
  readonly count: number;
  /** The SQL text of those statements, in order. */
  readonly statements: readonly string[];
  /** Starts counting from zero again. */
  reset(): void;
  /** Puts the connection's original `prepare` back. */
  restore(): void;
}

/**
 * Counts every statement run on a drizzle database (Django's `assertNumQueries`), at the driver:
 *
 * - SQLite (better-sqlite3): wraps the connection's `prepare`; drizzle's better-sqlite3 session
 *   prepares one statement per executed query, so the count is the number of statements run; the
 *   statements an `AdminSite` sends to its read pool on the same file (`site.readPool`) count too.
 * - PostgreSQL (node-postgres): wraps the pool's (or client's) `query`, and the `query` of the
 *   clients the pool hands out while counting (drizzle's transactions run on those).
 *
 * Meant for tests and diagnostics: it patches the driver objects until `restore()`.
 *
 * @param db - a drizzle better-sqlite3 or node-postgres database (its `$client` is patched)
 * @returns the counter
 * @throws WeftAdminError `WEFT_ADMIN_ERR_NOT_SQLITE` when the database has neither a better-sqlite3 nor a node-postgres client
 */
export function countStatements(db: AdminDatabase): StatementCounter {
  const client = (db as unknown as { $client?: Record<string, unknown> }).$client;
  if (client && typeof client.prepare === "function") return countSqlite(client as unknown as SqliteClient);
  if (client && typeof client.query === "function") return countPg(client as unknown as PgQueryable);
  throw adminError("WEFT_ADMIN_ERR_NOT_SQLITE", "countStatements: not a better-sqlite3 or node-postgres drizzle database: pass drizzle(new Database(…)) of drizzle-orm/better-sqlite3 or drizzle(pool) of drizzle-orm/node-postgres");
}

type SqliteClient = { prepare: (source: string) => unknown };
type PgQueryable = { query: (...args: unknown[]) => unknown; connect?: (...args: unknown[]) => unknown };

function counter(statements: string[], restore: () => void): StatementCounter {
  return {
    get count() {
      return statements.length;
    },
    statements,
    reset() {
      statements.length = 0;
    },
    restore,
  };
}

function countSqlite(client: SqliteClient): StatementCounter {
  const original = client.prepare;
  const statements: string[] = [];
  client.prepare = function (this: unknown, source: string) {
    statements.push(source);
    return original.call(this, source);
  };
  // the reads an AdminSite sends to its read pool on this connection's file count too
  const observe = (source: string) => void statements.push(source);
  const pools = [...readPoolsOf(client)];
  for (const pool of pools) pool.observers.add(observe);
  return counter(statements, () => {
    client.prepare = original;
    for (const pool of pools) pool.observers.delete(observe);
  });
}

function countPg(client: PgQueryable): StatementCounter {
  const statements: string[] = [];
  let live = true;
  /** `query(text, …)` or `query({ text, … })`: the statement's text */
  const textOf = (arg: unknown) => (typeof arg === "string" ? arg : String((arg as { text?: unknown } | null)?.text ?? ""));
  const wrapQuery = (target: PgQueryable) => {
    const original = target.query;
    target.query = function (this: unknown, ...args: unknown[]) {
      if (live) statements.push(textOf(args[0]));
      return original.apply(this, args);
    };
    return () => void (target.query = original);
  };
  const restoreQuery = wrapQuery(client);
  // a pool: the clients it hands out (transactions) count too, while the counter is live
  const wrapped = new WeakSet<object>();
  const originalConnect = client.connect;
  if (typeof originalConnect === "function" && "totalCount" in client) {
    client.connect = function (this: unknown, ...args: unknown[]) {
      const out = originalConnect.apply(this, args);
      if (out && typeof (out as Promise<unknown>).then === "function") {
        return (out as Promise<PgQueryable>).then((c) => {
          if (live && c && !wrapped.has(c)) {
            wrapped.add(c);
            wrapQuery(c);
          }
          return c;
        });
      }
      return out;
    };
  }
  return counter(statements, () => {
    live = false;
    restoreQuery();
    if (typeof originalConnect === "function" && "totalCount" in client) client.connect = originalConnect;
  });
}
