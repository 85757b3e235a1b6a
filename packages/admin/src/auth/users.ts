/**
 * Admin users, groups and permissions over drizzle, after Django's `django.contrib.auth`:
 * `ModelBackend.authenticate`, `User.has_perm`, `Group`, and `app.codename` permission strings.
 */
import { eq } from "drizzle-orm";
import { dummyHash, hashPassword, needsRehash, unusablePassword, verifyPassword, DEFAULT_ARGON2, MAX_PASSWORD_LENGTH, type Argon2Params } from "./passwords.js";
import type { AdminStoreDb } from "./schema.js";
import { GroupsAndPermissions } from "./user-groups.js";
import { adminUserColumnsOf, normalizeUsername, UserStoreError, type AdminUser, type NewUser, type UserPatch } from "./user-model.js";

export { hasPermission, type PermissionHolder } from "./permissions.js";
export { adminUserColumnsOf, checkPermission, normalizeUsername, UserStoreError, type AdminUser, type Group, type NewUser, type UserPatch } from "./user-model.js";

const USERNAME = /^[\w.@+-]{1,150}$/u;

/**
 * Users, groups and permissions in the `weft_*` tables (created by `migrateAdmin`), on SQLite or
 * PostgreSQL (the tables of the database's dialect, see `adminTablesFor`).
 * Every method is async and issues a small, fixed number of statements.
 * Groups and permissions (`createGroup`, `grant`, `hasPerm`, …) come from {@link GroupsAndPermissions}.
 */
export class UserStore extends GroupsAndPermissions {
  private readonly hashing: Argon2Params;
  private readonly userColumns: ReturnType<typeof adminUserColumnsOf>;

  /**
   * @param db - a drizzle database (SQLite or PostgreSQL, see {@link AdminStoreDb}) holding the `weft_*` tables
   * @param opts.hashing - argon2id parameters (default and floor {@link DEFAULT_ARGON2});
   *   existing hashes with weaker parameters, and scrypt hashes, are upgraded on the next
   *   successful login
   */
  constructor(
    db: AdminStoreDb,
    opts: { hashing?: Argon2Params } = {},
  ) {
    super(db);
    this.hashing = opts.hashing ?? DEFAULT_ARGON2;
    this.userColumns = adminUserColumnsOf(this.t);
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
}
