/**
 * A site's reads charged to one user: the database the admin hands a widget, a dashboard tile
 * or its own per-user reads, so that every statement they run waits for, and is charged to,
 * that user's fair share, under the site's budget and off the event loop.
 */
import type { NodePgDatabase, NodePgSession } from "drizzle-orm/node-postgres";
import type { PgDialect } from "drizzle-orm/pg-core";
import type { AdminDatabase, Dialect } from "../dialect/index.js";
import type { FairShare } from "../fair-share/index.js";
import type { SqliteReadPool } from "./pool.js";

/**
 * The parts of drizzle's node-postgres database a copy over another client is built from (drizzle
 * internals, stable across 0.3x–0.44). The classes come from the database itself: importing
 * `drizzle-orm/node-postgres` would load `pg`, which a SQLite-only app does not install.
 */
interface PgParts {
  constructor: typeof NodePgDatabase;
  dialect: PgDialect;
  session: { options?: object; constructor: typeof NodePgSession };
  _: { schema: ConstructorParameters<typeof NodePgDatabase>[2] };
  $client: object;
}

/**
 * `reads` with each statement run through `share.run(user, …)` (see `FairShare`):
 * - SQLite with a read pool: a drizzle database over the same pool (reader processes, the pool's
 *   budget), each statement charged;
 * - PostgreSQL: a drizzle database over the same pool (its `statement_timeout`, its relational
 *   schema and casing), whose `query` calls are charged; its `$client` is the pool itself;
 * - SQLite without a pool (in memory, `readPool: false`): `reads` itself, uncharged — its
 *   statements run on the event loop, synchronously, where no share can pace them.
 * @param reads - the site's reads (`AdminSite.reads`)
 * @param dialect - their dialect
 * @param pool - the SQLite read pool behind them, if any
 * @param share - the site's fair share
 * @param user - the user the statements are charged to
 */
export function chargedReads(reads: AdminDatabase, dialect: Dialect, pool: SqliteReadPool | undefined, share: FairShare, user: string | number): AdminDatabase {
  const through = <T>(run: () => Promise<T>) => share.run(user, run);
  if (pool) return pool.database(through) as unknown as AdminDatabase;
  if (dialect.name !== "postgres") return reads;
  const db = reads as unknown as PgParts;
  const client = chargedClient(db.$client, through);
  const session = new db.session.constructor(client as never, db.dialect, db._.schema, db.session.options ?? {});
  const copy = new db.constructor(db.dialect, session, db._.schema);
  // `$client` is the site's own pool, as the read pool's is the site's own connection: what code
  // keyed on the connection (a cache per database) sees is the same for every user
  (copy as unknown as { $client: object }).$client = db.$client;
  return copy as unknown as AdminDatabase;
}

/**
 * A node-postgres pool (or client) whose `query` runs through `through`; everything else is the
 * pool's own (so `instanceof pg.Pool` holds and a transaction checks a connection out of it, uncharged).
 */
function chargedClient(client: object, through: <T>(run: () => Promise<T>) => Promise<T>): object {
  return new Proxy(client, {
    get(target, key) {
      // the pool's `query` as it is at the call (a wrapper added later, e.g. `countStatements`, sees it)
      if (key === "query") return (...args: unknown[]) => through(() => (target as { query: (...a: unknown[]) => Promise<unknown> }).query(...args));
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
