/**
 * API bearer tokens for the admin's JSON endpoints (e.g. `GET /api/dashboard/widgets/`), after
 * Django REST framework's `TokenAuthentication`, except that only the SHA-256 of a token is
 * stored, so a leaked database does not leak usable tokens. The plaintext is shown once.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import type { AdminDb, AdminStoreDb } from "./schema.js";
import { qb } from "../query/dialect/index.js";
import { adminTablesFor, type AdminTables } from "./tables.js";
import { adminUserColumnsOf, type AdminUser } from "./users.js";

/** Prefix of every token's plaintext, so leaked tokens are recognisable by secret scanners. */
export const TOKEN_PREFIX = "weft_";

/** A token as listed (never its plaintext or hash). */
export interface ApiTokenInfo {
  id: number;
  userId: number;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Options of {@link ApiTokens}. */
export interface ApiTokensOptions {
  /** how stale `lastUsedAt` may get before a verification writes it again (default 60 s; 0 = every time) */
  touchIntervalMs?: number;
  /** the clock (for tests; default `Date.now`) */
  now?: () => number;
}

const TOKEN = /^weft_[A-Za-z0-9_-]{43}$/;

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Creates, verifies, lists and revokes API tokens in `weft_api_tokens`.
 */
export class ApiTokens {
  private readonly db: AdminDb;
  /** the admin's tables of the database's dialect */
  private readonly t: AdminTables;
  private readonly touchIntervalMs: number;
  private readonly now: () => number;

  /**
   * @param db - a drizzle database (SQLite or PostgreSQL, see {@link AdminStoreDb}) holding the `weft_*` tables
   * @param opts - see {@link ApiTokensOptions}
   */
  constructor(db: AdminStoreDb, opts: ApiTokensOptions = {}) {
    this.db = qb(db);
    this.t = adminTablesFor(db);
    this.touchIntervalMs = opts.touchIntervalMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Creates a token for a user. Only its SHA-256 is stored: show the returned plaintext to the
   * user once; it cannot be recovered later.
   *
   * @param userId - the owner (staff status is checked when the token is used, not here)
   * @param name - a label for the owner to recognise it by (1–100 characters)
   * @returns the plaintext token, `weft_` + 43 base64url characters (256 random bits)
   * @throws RangeError for an empty or over-long name; the driver's foreign-key error for an unknown user
   */
  async createToken(userId: number, name: string): Promise<string> {
    const label = String(name).trim();
    if (!label || label.length > 100) throw new RangeError("token name must be 1-100 characters");
    const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    await this.db.insert(this.t.weftApiTokens).values({ userId, name: label, tokenHash: hashToken(token), createdAt: new Date(this.now()) });
    return token;
  }

  /**
   * Authenticates an `Authorization` header of the form `Bearer <token>` (scheme
   * case-insensitive). The token's user must be active and staff. Updates `lastUsedAt`
   * (at most once per `touchIntervalMs`). One SELECT, plus that UPDATE.
   *
   * @param authorization - the header's value (`req.headers.authorization`), possibly undefined
   * @returns the token's user, or null for a missing / malformed / unknown token or a user who
   *   is inactive or not staff
   */
  async verifyBearer(authorization: string | undefined | null): Promise<AdminUser | null> {
    if (typeof authorization !== "string") return null;
    const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization);
    if (!m || !TOKEN.test(m[1])) return null;
    const row = (await this.db
      .select({ user: adminUserColumnsOf(this.t), tokenId: this.t.weftApiTokens.id, lastUsedAt: this.t.weftApiTokens.lastUsedAt })
      .from(this.t.weftApiTokens)
      .innerJoin(this.t.weftUsers, eq(this.t.weftUsers.id, this.t.weftApiTokens.userId))
      .where(and(eq(this.t.weftApiTokens.tokenHash, hashToken(m[1])), eq(this.t.weftUsers.isActive, true), eq(this.t.weftUsers.isStaff, true)))
      .limit(1))[0];
    if (!row) return null;
    const now = this.now();
    if (!row.lastUsedAt || now - row.lastUsedAt.getTime() >= this.touchIntervalMs) {
      await this.db.update(this.t.weftApiTokens).set({ lastUsedAt: new Date(now) }).where(eq(this.t.weftApiTokens.id, row.tokenId));
    }
    return row.user;
  }

  /**
   * @param userId - the owner
   * @returns the user's tokens, newest first (without secrets)
   */
  async listTokens(userId: number): Promise<ApiTokenInfo[]> {
    return this.db
      .select({ id: this.t.weftApiTokens.id, userId: this.t.weftApiTokens.userId, name: this.t.weftApiTokens.name, createdAt: this.t.weftApiTokens.createdAt, lastUsedAt: this.t.weftApiTokens.lastUsedAt })
      .from(this.t.weftApiTokens)
      .where(eq(this.t.weftApiTokens.userId, userId))
      .orderBy(desc(this.t.weftApiTokens.id));
  }

  /**
   * Revokes (deletes) a token.
   *
   * @param tokenId - the token's id (from {@link listTokens})
   * @param userId - when given, only a token of this user is revoked
   * @returns whether a token was deleted
   */
  async revokeToken(tokenId: number, userId?: number): Promise<boolean> {
    const where = userId === undefined ? eq(this.t.weftApiTokens.id, tokenId) : and(eq(this.t.weftApiTokens.id, tokenId), eq(this.t.weftApiTokens.userId, userId));
    const rows = await this.db.delete(this.t.weftApiTokens).where(where).returning({ id: this.t.weftApiTokens.id });
    return rows.length > 0;
  }
}
