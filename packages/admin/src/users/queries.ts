/**
 * The reads of the user and group screens, as awaited drizzle queries valid on SQLite and
 * PostgreSQL (the admin's own tables of the database's dialect, `adminTablesFor`).
 */
import { and, asc, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import { adminTablesFor } from "../auth/tables.js";
import { adminUserColumnsOf, type AdminUser, type Group, type UserStore } from "../auth/users.js";

/** The change list's filters, as Django's `UserAdmin.list_filter` (`is_staff`, `is_superuser`, `is_active`, `groups`). */
export interface UserFilters {
  /** matched case-insensitively against username and email */
  q: string;
  staff: "" | "yes" | "no";
  superuser: "" | "yes" | "no";
  active: "" | "yes" | "no";
  /** a group id, or "" */
  group: string;
}

/** Most users one list shows (the screen says when there are more: narrow the search). */
export const USER_LIST_LIMIT = 200;

const flag = (col: SQL.Aliased | any, v: string) => (v === "yes" ? eq(col, true) : v === "no" ? eq(col, false) : undefined);

/**
 * @param store - the site's user store (its database)
 * @param f - the filters
 * @returns up to {@link USER_LIST_LIMIT} + 1 users, by username
 */
export async function listUsers(store: UserStore, f: UserFilters): Promise<AdminUser[]> {
  const t = adminTablesFor(store.db);
  const u = t.weftUsers;
  const where: (SQL | undefined)[] = [flag(u.isStaff, f.staff), flag(u.isSuperuser, f.superuser), flag(u.isActive, f.active)];
  const q = f.q.trim().toLowerCase();
  if (q) {
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(sql`lower(${u.username}) like ${pattern} escape '\\'`, sql`lower(${u.email}) like ${pattern} escape '\\'`));
  }
  if (/^\d+$/.test(f.group)) where.push(inArray(u.id, store.db.select({ id: t.weftUserGroups.userId }).from(t.weftUserGroups).where(eq(t.weftUserGroups.groupId, Number(f.group)))));
  return store.db.select(adminUserColumnsOf(t)).from(u).where(and(...where)).orderBy(asc(u.username)).limit(USER_LIST_LIMIT + 1);
}

/** @returns every group, by name */
export async function listGroups(store: UserStore): Promise<Group[]> {
  const t = adminTablesFor(store.db);
  return store.db.select({ id: t.weftGroups.id, name: t.weftGroups.name }).from(t.weftGroups).orderBy(asc(t.weftGroups.name));
}

/** @returns the ids of the groups `userId` is a member of */
export async function groupIdsOf(store: UserStore, userId: number): Promise<Set<number>> {
  const t = adminTablesFor(store.db);
  const rows = await store.db.select({ id: t.weftUserGroups.groupId }).from(t.weftUserGroups).where(eq(t.weftUserGroups.userId, userId));
  return new Set(rows.map((r) => r.id));
}

/** @returns the permissions granted directly to a user (`kind` "user") or to a group */
export async function directPermissions(store: UserStore, kind: "user" | "group", id: number): Promise<Set<string>> {
  const t = adminTablesFor(store.db);
  const rows =
    kind === "user"
      ? await store.db.select({ p: t.weftUserPermissions.permission }).from(t.weftUserPermissions).where(eq(t.weftUserPermissions.userId, id))
      : await store.db.select({ p: t.weftGroupPermissions.permission }).from(t.weftGroupPermissions).where(eq(t.weftGroupPermissions.groupId, id));
  return new Set(rows.map((r) => r.p));
}

/**
 * @returns the permissions `userId` holds through groups: each permission with the names of
 * the groups granting it (by name), as Django's `get_group_permissions`
 */
export async function groupPermissionsOf(store: UserStore, userId: number): Promise<Map<string, string[]>> {
  const t = adminTablesFor(store.db);
  const rows = await store.db
    .select({ p: t.weftGroupPermissions.permission, g: t.weftGroups.name })
    .from(t.weftUserGroups)
    .innerJoin(t.weftGroupPermissions, eq(t.weftGroupPermissions.groupId, t.weftUserGroups.groupId))
    .innerJoin(t.weftGroups, eq(t.weftGroups.id, t.weftUserGroups.groupId))
    .where(eq(t.weftUserGroups.userId, userId))
    .orderBy(asc(t.weftGroups.name));
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.p, [...(out.get(r.p) ?? []), r.g]);
  return out;
}

/** @returns how many users are in each group, by group id */
export async function groupSizes(store: UserStore): Promise<Map<number, number>> {
  const t = adminTablesFor(store.db);
  const rows = await store.db.select({ id: t.weftUserGroups.groupId, n: sql<number>`count(*)` }).from(t.weftUserGroups).groupBy(t.weftUserGroups.groupId);
  return new Map(rows.map((r) => [r.id, Number(r.n)]));
}

/**
 * Applies a picker's new state: grants what is newly checked, revokes what was unchecked
 * (each through the store, so the session authority hears of it).
 * @returns the changes, for the audit entry: `[before, after]` lists, or null when nothing changed
 */
export async function applyPermissions(store: UserStore, target: AdminUser | Group, before: ReadonlySet<string>, after: ReadonlySet<string>): Promise<[string[], string[]] | null> {
  const add = [...after].filter((p) => !before.has(p));
  const drop = [...before].filter((p) => !after.has(p));
  for (const p of add) await store.grant(target, p);
  for (const p of drop) await store.revoke(target, p);
  return add.length || drop.length ? [[...before].sort(), [...after].sort()] : null;
}
