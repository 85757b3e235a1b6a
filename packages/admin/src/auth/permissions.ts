/**
 * Permissions held in memory and in SQL, as Django's `User.has_perm` and
 * `ModelBackend.get_all_permissions`: the check on a loaded user, and the SQL fragment that
 * loads a user's permissions with its session in one statement.
 */
import { sql } from "drizzle-orm";
import { sqliteDialect } from "../query/dialect/sqlite.js";
import type { Dialect } from "../query/dialect/index.js";

/** Something whose permissions are known in memory: an {@link AdminUser} plus its permission set, or a session's user. */
export interface PermissionHolder {
  isSuperuser: boolean;
  /** absent means active (a session's user is only loaded when active) */
  isActive?: boolean;
  permissions: Iterable<string> | ReadonlySet<string>;
}

/**
 * Whether a user whose permissions are already loaded has `perm`, as Django's `has_perm`:
 * false for no user or an inactive one, true for an active superuser, else membership.
 *
 * @param user - an {@link AdminUser} with its permissions, a session's user, or null (anonymous)
 * @param perm - an `app.codename` permission string
 * @returns whether the permission is held
 */
export function hasPermission(user: PermissionHolder | null | undefined, perm: string): boolean {
  if (!user || user.isActive === false) return false;
  if (user.isSuperuser) return true;
  const perms = user.permissions;
  if (perms instanceof Set) return perms.has(perm);
  for (const p of perms) if (p === perm) return true;
  return false;
}

/**
 * The SQL expression (a JSON array text) of every permission of the `weft_users` row of the
 * enclosing query, direct and through groups, without duplicates; `[]` when that row is null
 * (a LEFT JOIN miss). The enclosing query must have `weft_users` in its FROM clause, unaliased.
 * The session loader uses it to fetch a session, its user and the permissions in one statement.
 *
 * @param dialect - the database's dialect (default SQLite): `json_group_array` or `json_agg`
 * @returns an SQL fragment evaluating to e.g. `["orders.refund_order"]` (read it with {@link parsePermissions})
 */
export function permissionsJsonSql(dialect: Dialect = sqliteDialect) {
  return sql<string>`(select ${dialect.jsonArrayAgg(sql`p`)} from (
    select up.permission as p from weft_user_permissions up where up.user_id = "weft_users"."id"
    union
    select gp.permission from weft_group_permissions gp
      join weft_user_groups ug on ug.group_id = gp.group_id
      where ug.user_id = "weft_users"."id"
  ) as weft_p)`;
}

/** The permissions a {@link permissionsJsonSql} value holds, as the driver returned it (SQLite: JSON text; PostgreSQL: an array). */
export function parsePermissions(value: unknown): string[] {
  if (Array.isArray(value)) return value as string[];
  return typeof value === "string" ? (JSON.parse(value) as string[]) : [];
}
