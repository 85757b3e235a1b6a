/**
 * Admin users, groups and permissions over drizzle, after Django's `django.contrib.auth`:
 * `ModelBackend.authenticate`, `User.has_perm`, `Group`, and `app.codename` permission strings.
 */
import { and, eq } from "drizzle-orm";
import { dummyHash, hashPassword, needsRehash, unusablePassword, verifyPassword, DEFAULT_ARGON2, MAX_PASSWORD_LENGTH, type Argon2Params } from "./passwords.js";
import { weftUsers, type AdminDb } from "./schema.js";
import { adminTablesFor, type AdminTables } from "./tables.js";
import { dialectOf, type Dialect } from "../query/dialect/index.js";
import { WeftAdminError } from "../errors.js";
import { AuthorityNotifier } from "./authority.js";
import { hasPermission, parsePermissions, permissionsJsonSql } from "./permissions.js";

export { hasPermission, parsePermissions, permissionsJsonSql, type PermissionHolder } from "./permissions.js";

/** An admin user as the stores hand it out: a `weft_users` row without its password hash. */
export interface AdminUser {
  id: number;
  username: string;
  email: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
}

/** A group of users, as Django's `auth.Group`. */
export interface Group {
  id: number;
  name: string;
}

/** What {@link UserStore.createUser} takes. */
export interface NewUser {
  /** 1–150 characters of letters, digits and `@ . + - _` (Django's username rule), NFKC-normalised */
  username: string;
  /** the plaintext password; null or omitted gives an unusable password (no password login) */
  password?: string | null;
  email?: string;
  /** may log into the admin (default false) */
  isStaff?: boolean;
  /** has every permission (default false) */
  isSuperuser?: boolean;
  /** default true */
  isActive?: boolean;
}

/** The fields {@link UserStore.update} may change. */
export interface UserPatch {
  email?: string;
  isActive?: boolean;
  isStaff?: boolean;
  isSuperuser?: boolean;
}

/** `WEFT_ADMIN_ERR_USER_STORE`: thrown by {@link UserStore} for invalid input (bad username, taken username, bad permission string, unknown user). */
export class UserStoreError extends WeftAdminError {
  constructor(message: string) {
    super("WEFT_ADMIN_ERR_USER_STORE", message);
  }
}

const USERNAME = /^[\w.@+-]{1,150}$/u;
const PERMISSION = /^[\w-]{1,100}\.[\w-]{1,150}$/;

/** The columns of `weft_users` (of the dialect of `t`, see `adminTablesFor`) that make an {@link AdminUser} (never the password hash). */
export function adminUserColumnsOf(t: Pick<AdminTables, "weftUsers">) {
  const u = t.weftUsers;
  return { id: u.id, username: u.username, email: u.email, isActive: u.isActive, isStaff: u.isStaff, isSuperuser: u.isSuperuser, lastLoginAt: u.lastLoginAt, createdAt: u.createdAt };
}

/** The columns of SQLite's `weft_users` that make an {@link AdminUser} (see {@link adminUserColumnsOf}). */
export const adminUserColumns = adminUserColumnsOf({ weftUsers });

/**
 * Normalises a username as Django's `AbstractBaseUser.normalize_username` (Unicode NFKC).
 *
 * @param username - raw input
 * @returns the normalised username (not validated)
 */
export function normalizeUsername(username: string): string {
  return String(username).normalize("NFKC");
}

/**
 * Checks a permission string has the `app.codename` shape (e.g. `orders.refund_order`).
 *
 * @param perm - the string to check
 * @returns the same string
 * @throws UserStoreError when it is not of that shape
 */
export function checkPermission(perm: string): string {
  if (typeof perm !== "string" || !PERMISSION.test(perm)) throw new UserStoreError(`invalid permission "${String(perm)}": expected "app.codename"`);
  return perm;
}

/**
 * Users, groups and permissions in the `weft_*` tables (created by `migrateAdmin`), on SQLite or
 * PostgreSQL (the tables of the database's dialect, see `adminTablesFor`).
 * Every method is async and issues a small, fixed number of statements.
 */
export class UserStore {
  private readonly hashing: Argon2Params;
  /**
   * Session authority: every write below that changes what a user may do (password, flags,
   * deletion, groups, permissions) has that user's open live sockets reload their session and
   * re-check their views, on every worker. `adminPlugin` links it to `app.weft`.
   */
  readonly authority = new AuthorityNotifier();
  /** the admin's tables of the database's dialect */
  private readonly t: AdminTables;
  private readonly userColumns: typeof adminUserColumns;
  private readonly dialect: Dialect;

  /**
   * @param db - a drizzle handle (SQLite or PostgreSQL, see `qb`) on the database holding the `weft_*` tables
   * @param opts.hashing - argon2id parameters (default and floor {@link DEFAULT_ARGON2});
   *   existing hashes with weaker parameters, and scrypt hashes, are upgraded on the next
   *   successful login
   */
  constructor(
    readonly db: AdminDb,
    opts: { hashing?: Argon2Params } = {},
  ) {
    this.hashing = opts.hashing ?? DEFAULT_ARGON2;
    this.t = adminTablesFor(db);
    this.userColumns = adminUserColumnsOf(this.t);
    this.dialect = dialectOf(db);
  }

  /**
   * Creates a user, as Django's `UserManager.create_user`.
   *
   * @param input - see {@link NewUser}
   * @returns the new user
   * @throws UserStoreError when the username is invalid or taken; RangeError when the password is too long
   */
  async createUser(input: NewUser): Promise<AdminUser> {
    const username = normalizeUsername(input.username);
    if (!USERNAME.test(username)) throw new UserStoreError("invalid username: use 1-150 letters, digits and @ . + - _");
    const passwordHash = input.password == null ? unusablePassword() : await hashPassword(input.password, this.hashing);
    if (await this.getUserByUsername(username)) throw new UserStoreError(`username "${username}" is taken`);
    const rows = await this.db
      .insert(this.t.weftUsers)
      .values({
        username,
        email: (input.email ?? "").trim(),
        passwordHash,
        isActive: input.isActive ?? true,
        isStaff: input.isStaff ?? false,
        isSuperuser: input.isSuperuser ?? false,
        createdAt: new Date(),
      })
      .onConflictDoNothing()
      .returning(this.userColumns);
    if (!rows[0]) throw new UserStoreError(`username "${username}" is taken`);
    return rows[0];
  }

  /**
   * @param id - a user id
   * @returns the user, or null when there is none with that id
   */
  async getUser(id: number): Promise<AdminUser | null> {
    const row = (await this.db.select(this.userColumns).from(this.t.weftUsers).where(eq(this.t.weftUsers.id, id)).limit(1))[0];
    return row ?? null;
  }

  /**
   * @param username - a username (NFKC-normalised before lookup; matching is exact, as Django's)
   * @returns the user, or null
   */
  async getUserByUsername(username: string): Promise<AdminUser | null> {
    const row = (await this.db.select(this.userColumns).from(this.t.weftUsers).where(eq(this.t.weftUsers.username, normalizeUsername(username))).limit(1))[0];
    return row ?? null;
  }

  /**
   * Checks a username and password, as Django's `ModelBackend.authenticate`: an unknown
   * username still costs one argon2 run (against a dummy hash) so response time does not tell
   * which usernames exist; a correct password of an inactive user is refused
   * (`user_can_authenticate`). A hash with outdated parameters (or an scrypt hash) is upgraded on success.
   * Staff status is not checked here (the admin login route does that).
   *
   * @param username - the submitted username
   * @param password - the submitted password
   * @returns the user, or null for any failure (never says which part was wrong)
   */
  async authenticate(username: unknown, password: unknown): Promise<AdminUser | null> {
    if (typeof username !== "string" || typeof password !== "string" || username.length > 150 * 4 || password.length > MAX_PASSWORD_LENGTH) {
      await verifyPassword("", await dummyHash(this.hashing));
      return null;
    }
    const row = (await this.db
      .select({ ...this.userColumns, passwordHash: this.t.weftUsers.passwordHash })
      .from(this.t.weftUsers)
      .where(eq(this.t.weftUsers.username, normalizeUsername(username)))
      .limit(1))[0];
    if (!row) {
      await verifyPassword(password, await dummyHash(this.hashing));
      return null;
    }
    const { passwordHash, ...user } = row;
    if (!(await verifyPassword(password, passwordHash))) return null;
    if (!user.isActive) return null;
    if (needsRehash(passwordHash, this.hashing)) {
      await this.db.update(this.t.weftUsers).set({ passwordHash: await hashPassword(password, this.hashing) }).where(eq(this.t.weftUsers.id, user.id));
    }
    return user;
  }

  /**
   * Sets (or, with null, makes unusable) a user's password, as Django's `set_password`.
   * Existing sessions are not ended here; call `AdminSessions.endSessionsOf` for that.
   *
   * @param userId - the user
   * @param password - the new plaintext password, or null for an unusable password
   * @throws UserStoreError when the user does not exist; RangeError when the password is too long
   */
  async setPassword(userId: number, password: string | null): Promise<void> {
    const passwordHash = password == null ? unusablePassword() : await hashPassword(password, this.hashing);
    const rows = await this.db.update(this.t.weftUsers).set({ passwordHash }).where(eq(this.t.weftUsers.id, userId)).returning({ id: this.t.weftUsers.id });
    if (!rows.length) throw new UserStoreError(`no user with id ${userId}`);
    await this.authority.changed([userId]);
  }

  /**
   * Changes a user's email or flags. Deactivating a user refuses its sessions and tokens from
   * the next request on (they are checked on every load).
   *
   * @param userId - the user
   * @param patch - fields to change
   * @returns the updated user
   * @throws UserStoreError when the user does not exist
   */
  async update(userId: number, patch: UserPatch): Promise<AdminUser> {
    const set: UserPatch = {};
    if (patch.email !== undefined) set.email = patch.email.trim();
    if (patch.isActive !== undefined) set.isActive = patch.isActive;
    if (patch.isStaff !== undefined) set.isStaff = patch.isStaff;
    if (patch.isSuperuser !== undefined) set.isSuperuser = patch.isSuperuser;
    const rows = Object.keys(set).length
      ? await this.db.update(this.t.weftUsers).set(set).where(eq(this.t.weftUsers.id, userId)).returning(this.userColumns)
      : await this.db.select(this.userColumns).from(this.t.weftUsers).where(eq(this.t.weftUsers.id, userId));
    if (!rows[0]) throw new UserStoreError(`no user with id ${userId}`);
    if (Object.keys(set).length) await this.authority.changed([userId]);
    return rows[0];
  }

  /**
   * Renames a user (Django's `username` field on the user change form): NFKC-normalised,
   * 1-150 letters, digits and @ . + - _, unique. Their sessions stay (they are keyed by id); their
   * live sockets re-check who they are.
   *
   * @param userId - the user
   * @param username - the new username
   * @returns the renamed user
   * @throws UserStoreError when the name is invalid or taken, or the user does not exist
   */
  async rename(userId: number, username: string): Promise<AdminUser> {
    const name = normalizeUsername(username);
    if (!USERNAME.test(name)) throw new UserStoreError("invalid username: use 1-150 letters, digits and @ . + - _");
    const other = await this.getUserByUsername(name);
    if (other && other.id !== userId) throw new UserStoreError(`username "${name}" is taken`);
    let rows: AdminUser[];
    try {
      rows = await this.db.update(this.t.weftUsers).set({ username: name }).where(eq(this.t.weftUsers.id, userId)).returning(this.userColumns);
    } catch (err) {
      // another rename or create took the name meanwhile (the unique index)
      if (/unique/i.test(String((err as { message?: unknown })?.message ?? "")) || (err as { code?: unknown })?.code === "23505") throw new UserStoreError(`username "${name}" is taken`);
      throw err;
    }
    if (!rows[0]) throw new UserStoreError(`no user with id ${userId}`);
    await this.authority.changed([userId]);
    return rows[0];
  }

  /**
   * Deletes a user; their sessions, tokens, memberships and permissions go with them
   * (foreign keys cascade), their audit entries stay with a null user.
   *
   * @param userId - the user
   * @returns whether a user was deleted
   */
  async deleteUser(userId: number): Promise<boolean> {
    const rows = await this.db.delete(this.t.weftUsers).where(eq(this.t.weftUsers.id, userId)).returning({ id: this.t.weftUsers.id });
    if (rows.length) await this.authority.changed([userId]);
    return rows.length > 0;
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
