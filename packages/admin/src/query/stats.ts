/**
 * Counting the SQL statements a piece of code runs, at the driver: the check behind
 * "constant query count per page" (Django's `assertNumQueries`).
 */
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { adminError } from "../errors.js";
import { readPoolsOf } from "./read-pool/pool.js";

/** A live statement counter over one better-sqlite3 connection. */
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
 * Wraps the `prepare` of the better-sqlite3 connection under a drizzle database so that every
 * statement is counted. drizzle's better-sqlite3 session prepares one statement per executed
 * query, so the count is the number of statements run (Django's `assertNumQueries`); the
 * statements an `AdminSite` sends to its read pool on the same file (`site.readPool`) count too. Meant for
 * tests and diagnostics: it patches the connection object until `restore()`.
 *
 * @param db - a drizzle better-sqlite3 database (its `$client` is patched)
 * @returns the counter
 * @throws WeftAdminError `WEFT_ADMIN_ERR_NOT_SQLITE` when the database has no better-sqlite3 client
 */
export function countStatements(db: BetterSQLite3Database<any>): StatementCounter {
  const client = (db as unknown as { $client?: { prepare: (source: string) => unknown } }).$client;
  if (!client || typeof client.prepare !== "function") throw adminError("WEFT_ADMIN_ERR_NOT_SQLITE", "countStatements: not a better-sqlite3 drizzle database: pass the drizzle(new Database(…)) of drizzle-orm/better-sqlite3");
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
  return {
    get count() {
      return statements.length;
    },
    statements,
    reset() {
      statements.length = 0;
    },
    restore() {
      client.prepare = original;
      for (const pool of pools) pool.observers.delete(observe);
    },
  };
}
