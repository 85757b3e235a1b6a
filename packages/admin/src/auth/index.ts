/**
 * The admin's authentication layer: users, groups and permissions (as Django's
 * `django.contrib.auth`), server-side sessions for the weft plugin, API tokens, the login /
 * logout routes, and `createSuperuser` (the `weft` command itself is in `cli/`).
 */
export {
  adminSchema,
  weftApiTokens,
  weftAuditLog,
  weftGroupPermissions,
  weftGroups,
  weftSessions,
  weftUserGroups,
  weftUserPermissions,
  weftUsers,
  weftJobs,
  weftExportChunks,
  type AdminDb,
  type AdminStoreDb,
  type ApiTokenRow,
  type AuditAction,
  type AuditLogRow,
  type GroupRow,
  type JobHistoryRow,
  type SessionRow,
  type UserRow,
} from "./schema.js";
export { adminSchemaPg, weftApiTokensPg, weftAuditLogPg, weftGroupPermissionsPg, weftGroupsPg, weftSessionsPg, weftUserGroupsPg, weftUserPermissionsPg, weftUsersPg, weftJobsPg, weftExportChunksPg } from "./schema-pg.js";
export { adminTables, type AdminDialect, type AdminTableSets } from "./tables.js";
export { DEFAULT_ARGON2, DEFAULT_SCRYPT, MAX_PASSWORD_LENGTH, hashPassword, hashScrypt, needsRehash, unusablePassword, verifyPassword, type Argon2Params, type ScryptParams } from "./passwords.js";
export {
  UserStore,
  UserStoreError,
  checkPermission,
  hasPermission,
  normalizeUsername,
  type AdminUser,
  type Group,
  type NewUser,
  type PermissionHolder,
  type UserPatch,
} from "./users.js";
export { AuthorityNotifier, type SessionAuthorityLink } from "./authority.js";
export { AdminSessions, ADMIN_SESSION_COOKIE, DEFAULT_SESSION_TTL_MS, type AdminSession, type AdminSessionsOptions, type SessionUser } from "./sessions.js";
export { ApiTokens, TOKEN_PREFIX, type ApiTokenInfo, type ApiTokensOptions } from "./tokens.js";
export {
  adminAuthRoutes,
  adminCsrfToken,
  defaultAuthRender,
  safeNext,
  LOGIN_FAILED_MESSAGE,
  LOGIN_TEMPLATE,
  type AdminAuthRender,
  type AdminAuthRoutesOptions,
  type LoginRateLimit,
  type LoginTemplateData,
} from "./routes.js";
export { createSuperuser, type CreateSuperuserInput } from "./superuser.js";
