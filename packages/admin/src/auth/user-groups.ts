/**
 * Groups and permissions of admin users (Django's `auth.Group`, `User.has_perm`, and
 * `app.codename` permission strings) in the `weft_*` tables: the part of `UserStore` (users.ts) that
 * says what users may do, with the session authority that tells their live sockets.
 */
import { and, eq } from "drizzle-orm";
import type { AdminDb, AdminStoreDb } from "./schema.js";
import { adminTablesFor, type AdminTables } from "./tables.js";
import { dialectOf, qb, type Dialect } from "../query/dialect/index.js";
import { AuthorityNotifier } from "./authority.js";
import { hasPermission, parsePermissions, permissionsJsonSql } from "./permissions.js";
import { checkPermission, UserStoreError, type AdminUser, type Group } from "./user-model.js";

/**
 * Groups, memberships and permission grants, and the permission checks; `UserStore`
 * extends it with the users themselves. Every method is async and issues a small, fixed number
 * of statements.
 */
export class GroupsAndPermissions {
  /**
   * Session authority: every write of a `UserStore` that changes what a user may do (password, flags,
   * deletion, groups, permissions) has that user's open live sockets reload their session and
   * re-check their views, on every worker. `adminPlugin` links it to `app.weft`.
   */
  readonly authority = new AuthorityNotifier();
  /** the admin's tables of the database's dialect */
  protected readonly t: AdminTables;
  protected readonly dialect: Dialect;

  /** the database, as the shared builder type (`qb`) */
  readonly db: AdminDb;

  /** @param db - a drizzle database (SQLite or PostgreSQL, see {@link AdminStoreDb}) holding the `weft_*` tables */
  constructor(db: AdminStoreDb) {
    this.db = qb(db);
    this.t = adminTablesFor(db);
    this.dialect = dialectOf(db);
  }

  /**
   * Creates a group, or returns the existing one of that name.
   *
   * @param name - 1–150 characters
   * @returns the group
   * @throws UserStoreError when the name is empty or too long
   */
  async createGroup(name: string): Promise<Group> {
    const n = String(name).trim();
    if (!n || n.length > 150) throw new UserStoreError("invalid group name");
    await this.db.insert(this.t.weftGroups).values({ name: n }).onConflictDoNothing();
    const g = await this.getGroup(n);
    if (!g) throw new UserStoreError(`group "${n}" could not be created`);
    return g;
  }

  /**
   * @param name - a group name
   * @returns the group, or null
   */
  async getGroup(name: string): Promise<Group | null> {
    const row = (await this.db.select().from(this.t.weftGroups).where(eq(this.t.weftGroups.name, String(name).trim())).limit(1))[0];
    return row ?? null;
  }

  /**
   * Adds a user to a group (no-op when already a member).
   *
   * @param user - the user or its id
   * @param group - the group or its id
   * @throws the driver's foreign-key error when either does not exist
   */
  async addToGroup(user: AdminUser | number, group: Group | number): Promise<void> {
    await this.db.insert(this.t.weftUserGroups).values({ userId: idOf(user), groupId: idOf(group) }).onConflictDoNothing();
    await this.authority.changed([idOf(user)]);
  }

  /**
   * Removes a user from a group (no-op when not a member).
   *
   * @param user - the user or its id
   * @param group - the group or its id
   */
  async removeFromGroup(user: AdminUser | number, group: Group | number): Promise<void> {
    await this.db.delete(this.t.weftUserGroups).where(and(eq(this.t.weftUserGroups.userId, idOf(user)), eq(this.t.weftUserGroups.groupId, idOf(group))));
    await this.authority.changed([idOf(user)]);
  }

  /**
   * Grants a permission to a user or a group (no-op when already granted).
   *
   * @param target - an {@link AdminUser} (has `username`) or a {@link Group} (has `name`)
   * @param perm - an `app.codename` string such as `orders.refund_order`
   * @throws UserStoreError for a malformed permission string
   */
  async grant(target: AdminUser | Group, perm: string): Promise<void> {
    checkPermission(perm);
    if (isUser(target)) await this.db.insert(this.t.weftUserPermissions).values({ userId: target.id, permission: perm }).onConflictDoNothing();
    else await this.db.insert(this.t.weftGroupPermissions).values({ groupId: target.id, permission: perm }).onConflictDoNothing();
    await this.holdersChanged(target);
  }

  /**
   * Takes back a permission granted directly to a user or to a group.
   *
   * @param target - an {@link AdminUser} or a {@link Group}
   * @param perm - the permission string
   */
  async revoke(target: AdminUser | Group, perm: string): Promise<void> {
    if (isUser(target)) {
      await this.db.delete(this.t.weftUserPermissions).where(and(eq(this.t.weftUserPermissions.userId, target.id), eq(this.t.weftUserPermissions.permission, perm)));
    } else {
      await this.db.delete(this.t.weftGroupPermissions).where(and(eq(this.t.weftGroupPermissions.groupId, target.id), eq(this.t.weftGroupPermissions.permission, perm)));
    }
    await this.holdersChanged(target);
  }

  /** Session authority after a grant or revoke: the user, or every member of the group. */
  private async holdersChanged(target: AdminUser | Group): Promise<void> {
    if (isUser(target)) return this.authority.changed([target.id]);
    if (!this.authority.linked) return;
    const members = await this.db.select({ id: this.t.weftUserGroups.userId }).from(this.t.weftUserGroups).where(eq(this.t.weftUserGroups.groupId, target.id));
    await this.authority.changed(members.map((m) => m.id));
  }

  /**
   * Every permission a user holds, direct and through groups, as Django's
   * `get_all_permissions`: empty for an inactive or unknown user. A superuser gets only what was
   * granted explicitly (there is no registry of all permissions here); use {@link hasPerm},
   * which treats superusers as holding everything.
   *
   * @param userId - the user
   * @returns the set of `app.codename` strings (one statement)
   */
  async permissions(userId: number): Promise<Set<string>> {
    const row = (await this.db
      .select({ perms: permissionsJsonSql(this.dialect) })
      .from(this.t.weftUsers)
      .where(and(eq(this.t.weftUsers.id, userId), eq(this.t.weftUsers.isActive, true)))
      .limit(1))[0];
    return new Set(row ? (parsePermissions(row.perms)) : []);
  }

  /**
   * Whether a user has a permission, as Django's `User.has_perm`: false for an inactive or
   * unknown user, true for an active superuser, else whether the user or one of their groups
   * was granted it.
   *
   * @param user - the user or its id (the flags are re-read from the database)
   * @param perm - an `app.codename` string
   * @returns whether the permission is held
   */
  async hasPerm(user: AdminUser | number, perm: string): Promise<boolean> {
    const row = (await this.db
      .select({ isActive: this.t.weftUsers.isActive, isSuperuser: this.t.weftUsers.isSuperuser, perms: permissionsJsonSql(this.dialect) })
      .from(this.t.weftUsers)
      .where(eq(this.t.weftUsers.id, idOf(user)))
      .limit(1))[0];
    if (!row) return false;
    return hasPermission({ isActive: row.isActive, isSuperuser: row.isSuperuser, permissions: parsePermissions(row.perms) }, perm);
  }
}

function idOf(x: { id: number } | number): number {
  return typeof x === "number" ? x : x.id;
}

function isUser(x: AdminUser | Group): x is AdminUser {
  return "username" in x;
}
