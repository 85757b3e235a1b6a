/**
 * `createSuperuser`, the library half of `weft createsuperuser` (the command is in `cli/`).
 */
import type { Argon2Params } from "./passwords.js";
import type { AdminStoreDb } from "./schema.js";
import { UserStore, type AdminUser } from "./users.js";
import { adminError } from "../errors.js";

/** What {@link createSuperuser} takes. */
export interface CreateSuperuserInput {
  /** a drizzle database (SQLite or PostgreSQL, see {@link AdminStoreDb}) that has the `weft_*` tables */
  db: AdminStoreDb;
  username: string;
  /** default "" */
  email?: string;
  password: string;
  /** argon2id parameters (default: passwords.ts's `DEFAULT_ARGON2`) */
  hashing?: Argon2Params;
}

/**
 * Creates an active staff superuser, as Django's `UserManager.create_superuser`.
 *
 * @param input - see {@link CreateSuperuserInput}
 * @returns the new user
 * @throws UserStoreError when the username is invalid or taken; WeftAdminError `WEFT_ADMIN_ERR_EMPTY_PASSWORD` when the password is empty
 */
export async function createSuperuser(input: CreateSuperuserInput): Promise<AdminUser> {
  if (!input.password) throw adminError("WEFT_ADMIN_ERR_EMPTY_PASSWORD", "the password must not be empty: pass --password-stdin, or type one at the prompt");
  const users = new UserStore(input.db, input.hashing ? { hashing: input.hashing } : {});
  return users.createUser({ username: input.username, email: input.email ?? "", password: input.password, isStaff: true, isSuperuser: true });
}
