/**
 * The admin's tables for one SQL dialect: the sqlite-core set (`schema.ts`) or its `pgTable`
 * twins (`schema-pg.ts`). Both have the same names and read rows of the same shape.
 */
import { adminError } from "../errors.js";
import { dialectOf, type DbOrTx } from "../query/dialect/index.js";
import { adminSchema, type AdminDb } from "./schema.js";
import { adminSchemaPg } from "./schema-pg.js";

/** The SQL dialects the admin's own tables exist in. */
export type AdminDialect = "sqlite" | "pg";

/** The admin's tables of each dialect. */
export interface AdminTableSets {
  sqlite: typeof adminSchema;
  pg: typeof adminSchemaPg;
}

/**
 * The admin's tables (users, groups, memberships, permissions, sessions, API tokens, audit log,
 * job history, CSV export chunks)
 * for a dialect, keyed `weftUsers`, `weftGroups`, … on both.
 *
 * @param dialect - `"sqlite"` or `"pg"`
 * @returns the drizzle tables of that dialect
 * @throws WeftAdminError `WEFT_ADMIN_ERR_DIALECT` for any other dialect name
 */
export function adminTables<D extends AdminDialect>(dialect: D): AdminTableSets[D] {
  if (dialect === "sqlite") return adminSchema as AdminTableSets[D];
  if (dialect === "pg") return adminSchemaPg as AdminTableSets[D];
  throw adminError("WEFT_ADMIN_ERR_DIALECT", `weft admin: unknown SQL dialect "${String(dialect)}": use "sqlite" or "pg"`);
}

/**
 * The admin's tables for the dialect of `db` (a database or a transaction of it), typed as the
 * SQLite set: the PostgreSQL twins have the same keys, names and row shapes, and the admin builds
 * its statements on the shared builder type (`qb`, see `query/dialect`).
 *
 * @throws WeftAdminError `WEFT_ADMIN_ERR_DATABASE` for anything but a drizzle better-sqlite3 or node-postgres database
 */
export function adminTablesFor(db: DbOrTx | AdminDb): typeof adminSchema {
  return (dialectOf(db).name === "postgres" ? adminSchemaPg : adminSchema) as unknown as typeof adminSchema;
}

/** The admin's tables as {@link adminTablesFor} types them. */
export type AdminTables = typeof adminSchema;
