// Reading a demo server's own SQLite file from a spec (what the database holds after the
// browser's clicks), with the demo's own better-sqlite3: the e2e package does not depend on it.
import { createRequire } from "node:module";

type Statement = { all(...args: unknown[]): unknown[] };
type Db = { prepare(sql: string): Statement; close(): void };
const Database = createRequire(new URL("../../examples/admin-demo/package.json", import.meta.url))("better-sqlite3") as new (file: string, o: { readonly: boolean; fileMustExist: boolean }) => Db;

/** The rows `sql` (with `args` bound) selects from `dbFile`, opened read-only for this one statement. */
export function queryDemo<T>(dbFile: string, sql: string, ...args: unknown[]): T[] {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}
