/**
 * The admin's own tables (users, groups, permissions, sessions, API tokens, audit log, job
 * history, CSV export files) as drizzle sqlite-core tables; `schema-pg.ts` has their PostgreSQL
 * twins and `tables.ts` picks a set by dialect. They are created and upgraded by drizzle-kit migrations generated from these
 * files (`pnpm --filter @weft/admin db:generate`, into `packages/admin/drizzle/`), applied by
 * `migrateAdmin` / `weft migrate` (`src/migrate/`).
 *
 * The shape follows Django's `django.contrib.auth` (users, groups, `app.codename` permission
 * strings, staff / superuser flags) and `django.contrib.admin.LogEntry` (audit log), with
 * Django's database sessions (`django.contrib.sessions`) replaced by rows keyed by the
 * SHA-256 of the cookie value, so a leaked database does not leak live session cookies.
 *
 * Times are integers of milliseconds since the epoch (drizzle `timestamp_ms`, read as `Date`).
 */
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type { AdminDatabase } from "../query/dialect/index.js";
import { blob, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Any drizzle SQLite database handle (better-sqlite3 in the demo; libsql and others work too,
 * as every query is awaited), or a PostgreSQL one seen through the admin's shared builder type
 * (`qb(db)`, see `query/dialect`). Its own schema does not matter: the admin uses its own tables.
 */
export type AdminDb = BaseSQLiteDatabase<"sync" | "async", any, any, any>;

/**
 * The database the admin's stores take (`UserStore`, `AdminSessions`, `ApiTokens`,
 * `createSuperuser`): drizzle over node-postgres as it is (`drizzle(pool)`), any drizzle SQLite
 * database ({@link AdminDb}), or either through `qb(db)`. Its own schema does not matter.
 */
export type AdminStoreDb = AdminDb | AdminDatabase;

/** Admin users, as Django's `auth.User` (without first / last name). */
export const weftUsers = sqliteTable("weft_users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  username: text("username").notNull().unique(),
  email: text("email").notNull().default(""),
  /** `$argon2id$v=19$m=…,t=…,p=…$salt$hash`, an older `scrypt$N$r$p$salt$hash` (upgraded at the next login; see passwords.ts), or `!…` for an unusable password */
  passwordHash: text("password_hash").notNull(),
  isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
  isStaff: integer("is_staff", { mode: "boolean" }).notNull().default(false),
  isSuperuser: integer("is_superuser", { mode: "boolean" }).notNull().default(false),
  lastLoginAt: integer("last_login_at", { mode: "timestamp_ms" }),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

/** Groups of users sharing permissions, as Django's `auth.Group`. */
export const weftGroups = sqliteTable("weft_groups", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
});

/** Group membership (many to many). */
export const weftUserGroups = sqliteTable(
  "weft_user_groups",
  {
    userId: integer("user_id").notNull().references(() => weftUsers.id, { onDelete: "cascade" }),
    groupId: integer("group_id").notNull().references(() => weftGroups.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.groupId] }), index("weft_user_groups_group").on(t.groupId)],
);

/** Permissions granted to a group: strings such as `orders.refund_order` (`app.codename`). */
export const weftGroupPermissions = sqliteTable(
  "weft_group_permissions",
  {
    groupId: integer("group_id").notNull().references(() => weftGroups.id, { onDelete: "cascade" }),
    permission: text("permission").notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.permission] })],
);

/** Permissions granted to one user directly. */
export const weftUserPermissions = sqliteTable(
  "weft_user_permissions",
  {
    userId: integer("user_id").notNull().references(() => weftUsers.id, { onDelete: "cascade" }),
    permission: text("permission").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.permission] })],
);

/**
 * Server-side sessions. `id` is the hex SHA-256 of the random cookie value; `userId` is null
 * for an anonymous session (one that has only been used for the login form's CSRF token).
 */
export const weftSessions = sqliteTable(
  "weft_sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id").references(() => weftUsers.id, { onDelete: "cascade" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("weft_sessions_expires").on(t.expiresAt), index("weft_sessions_user").on(t.userId)],
);

/** API bearer tokens: only the hex SHA-256 of the token is stored. */
export const weftApiTokens = sqliteTable(
  "weft_api_tokens",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id").notNull().references(() => weftUsers.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("weft_api_tokens_user").on(t.userId)],
);

/** What an audit entry records, as Django's `LogEntry.action_flag` (ADDITION, CHANGE, DELETION). */
export type AuditAction = "add" | "change" | "delete";

/**
 * The admin's audit log, as Django's `admin.LogEntry`. `changes` is JSON text of
 * `{ field: [before, after] }`; `userId` becomes null when the user is deleted, the entry stays.
 */
export const weftAuditLog = sqliteTable(
  "weft_audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id").references(() => weftUsers.id, { onDelete: "set null" }),
    action: text("action", { enum: ["add", "change", "delete"] }).notNull(),
    model: text("model").notNull(),
    objectId: text("object_id").notNull(),
    objectRepr: text("object_repr").notNull().default(""),
    changes: text("changes").notNull().default("{}"),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("weft_audit_log_object").on(t.model, t.objectId), index("weft_audit_log_user_at").on(t.userId, t.at)],
);

/**
 * The job history: one row per background job (progress action), written by the admin when the
 * job is created and whenever its status changes (and at most every few seconds of progress),
 * kept `jobs.retentionDays` after it finished (default 30; see `jobhistory/`). The channel
 * layer's record stays the live one; this is the durable one ("My jobs", "All jobs", a job's
 * page once the channel record expired). `owner` is the user id as text, as job records hold
 * it; `log` is JSON text of the last 20 lines; `rev` is the channel record's revision (a write
 * never replaces a newer one).
 */
export const weftJobs = sqliteTable(
  "weft_jobs",
  {
    id: text("id").primaryKey(),
    rev: integer("rev").notNull(),
    owner: text("owner").notNull(),
    ownerName: text("owner_name").notNull(),
    action: text("action").notNull(),
    description: text("description").notNull().default(""),
    status: text("status", { enum: ["queued", "running", "done", "failed", "cancelled", "lost"] }).notNull(),
    current: integer("current").notNull().default(0),
    total: integer("total"),
    message: text("message").notNull().default(""),
    error: text("error"),
    log: text("log").notNull().default("[]"),
    selection: text("selection"),
    resultFile: text("result_file"),
    cancellable: integer("cancellable", { mode: "boolean" }).notNull().default(true),
    cancelledBy: text("cancelled_by"),
    resumes: integer("resumes").notNull().default(0),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    // added by migration 0002 (ALTER TABLE … ADD COLUMN puts them last)
    attempt: integer("attempt").notNull().default(1),
    attempts: integer("attempts").notNull().default(1),
    attemptError: text("attempt_error"),
  },
  (t) => [
    index("weft_jobs_owner_created").on(t.owner, t.createdAt),
    index("weft_jobs_created").on(t.createdAt),
    index("weft_jobs_status_finished").on(t.status, t.finishedAt),
  ],
);

/**
 * The files of finished CSV exports (see `jobs/csv/stored.ts`): each one the rows of its job
 * (`jobId`, a `weft_jobs` id, without a foreign key: the file is stored before its job's history
 * row may be), in chunks of at most 256 KiB numbered `seq` 0, 1, … in file order. Stored in the
 * site's database so any process of the site serves the download. `createdAt` (the history's
 * clock) comes before `data` so reading it never walks a chunk's overflow pages.
 */
export const weftExportChunks = sqliteTable(
  "weft_export_chunks",
  {
    jobId: text("job_id").notNull(),
    seq: integer("seq").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    data: blob("data", { mode: "buffer" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);

/** A row of `weft_users` as drizzle reads it. */
export type UserRow = typeof weftUsers.$inferSelect;
/** A row of `weft_groups`. */
export type GroupRow = typeof weftGroups.$inferSelect;
/** A row of `weft_sessions`. */
export type SessionRow = typeof weftSessions.$inferSelect;
/** A row of `weft_api_tokens`. */
export type ApiTokenRow = typeof weftApiTokens.$inferSelect;
/** A row of `weft_audit_log`. */
export type AuditLogRow = typeof weftAuditLog.$inferSelect;
/** A row of `weft_jobs`. */
export type JobHistoryRow = typeof weftJobs.$inferSelect;

/** Every admin table, for `drizzle(sqlite, { schema: { ...adminSchema, ...yours } })`. */
export const adminSchema = {
  weftUsers,
  weftGroups,
  weftUserGroups,
  weftGroupPermissions,
  weftUserPermissions,
  weftSessions,
  weftApiTokens,
  weftAuditLog,
  weftJobs,
  weftExportChunks,
};
