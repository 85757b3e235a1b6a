/**
 * What the admin's user store hands out and takes (as Django's `auth.User` and `auth.Group`),
 * its error, and the checks it shares with other modules: username normalisation, the
 * `app.codename` permission shape, and the `weft_users` columns that make a user.
 */
import type { AdminTables } from "./tables.js";
import { WeftAdminError } from "../errors.js";

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

const PERMISSION = /^[\w-]{1,100}\.[\w-]{1,150}$/;

/** The columns of `weft_users` (of the dialect of `t`, see `adminTablesFor`) that make an {@link AdminUser} (never the password hash). */
export function adminUserColumnsOf(t: Pick<AdminTables, "weftUsers">) {
  const u = t.weftUsers;
  return { id: u.id, username: u.username, email: u.email, isActive: u.isActive, isStaff: u.isStaff, isSuperuser: u.isSuperuser, lastLoginAt: u.lastLoginAt, createdAt: u.createdAt };
}

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
