/**
 * The admin's tables for one SQL dialect: the sqlite-core set (`schema.ts`) or its `pgTable`
 * twins (`schema-pg.ts`). Both have the same names and read rows of the same shape.
 */
import { adminError } from "../errors.js";
import { adminSchema } from "./schema.js";
import { adminSchemaPg } from "./schema-pg.js";

/** The SQL dialects the admin's own tables exist in. */
export type AdminDialect = "sqlite" | "pg";

/** The admin's tables of each dialect. */
export interface AdminTableSets {
  sqlite: typeof adminSchema;
  pg: typeof adminSchemaPg;
}

/**
 * The admin's tables (users, groups, memberships, permissions, sessions, API tokens, audit log)
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
