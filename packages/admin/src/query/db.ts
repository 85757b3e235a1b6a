/**
 * The drizzle types the change-list modules share: the database they query, the dynamic
 * builder, and the hook that runs (and counts) a built statement.
 */
import type { AdminDatabase } from "./dialect/index.js";
import { currentReader, type FairShare } from "./fair-share/index.js";

export type AnyDb = AdminDatabase;
// drizzle's dynamic builder types are too deep to spell; the query shape is checked by tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Builder = any;

/** A built drizzle statement that can be run and shown. */
export interface Runnable<R> {
  execute(): Promise<R>;
  toSQL(): { sql: string; params: unknown[] };
}

/** Runs a statement and returns its rows (`ChangeListQuery` counts and reports each one). */
export type Exec = <Row>(q: Runnable<Row[]>) => Promise<Row[]>;

/**
 * Runs one built statement: reported to `onStatement` (its SQL and parameters), then run, through
 * `share` when given (after its wait, charged to the user of `readsOf`; see `FairShare`).
 */
export function runStatement<R>(q: Runnable<R>, onStatement: ((sql: string, params: readonly unknown[]) => void) | undefined, share: FairShare | undefined): Promise<R> {
  const run = () => {
    if (onStatement) {
      const { sql: text, params } = q.toSQL();
      onStatement(text, params);
    }
    return q.execute();
  };
  return share ? share.run(currentReader(), run) : run();
}
