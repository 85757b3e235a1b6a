/**
 * Server-side admin sessions: the `SessionProvider` the weft plugin takes as `sessions`, after
 * Django's database session backend (`django.contrib.sessions.backends.db`) and its
 * `login()` / `logout()` (`cycle_key` on login against session fixation, `flush` on logout).
 *
 * The cookie (`weft_admin`, signed by @fastify/cookie, HttpOnly, SameSite=Lax, Secure over
 * https, path `/`) holds 32 random bytes; the `weft_sessions` row is keyed by their SHA-256, so
 * neither the database nor a view token (which carries `Session.id`, the hash) reveals a cookie.
 *
 * An anonymous visitor costs no row: its cookie holds `a` + 32 random bytes and its session
 * (`id` `anon:` + their SHA-256, no user) lives in that signed cookie alone, until a login
 * stores something, as Django's sessions are saved only once modified.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { and, eq, lte, ne } from "drizzle-orm";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Session, SessionProvider } from "@weft/server";
import type { AdminDb, AdminStoreDb } from "./schema.js";
import { adminTablesFor, type AdminTables } from "./tables.js";
import { parsePermissions, permissionsJsonSql } from "./permissions.js";
import { dialectOf, qb } from "../query/dialect/index.js";
import { adminError } from "../errors.js";
import { AuthorityNotifier } from "./authority.js";

/** Name of the admin session cookie. */
export const ADMIN_SESSION_COOKIE = "weft_admin";

/** Default sliding session lifetime: two weeks (Django's `SESSION_COOKIE_AGE`). */
export const DEFAULT_SESSION_TTL_MS = 14 * 24 * 3600 * 1000;

/** The logged-in user as a session carries it: enough for permission checks without a query. */
export interface SessionUser {
  id: number;
  username: string;
  isStaff: boolean;
  isSuperuser: boolean;
  /** permissions granted to the user and their groups (`app.codename`); see `hasPermission` */
  permissions: string[];
}

/** A session of the admin: `id` is the stable id view tokens bind to; `user` is null when anonymous. */
export interface AdminSession extends Session {
  id: string;
  user: SessionUser | null;
  /** the user's id (session authority reaches the user's sockets by it); absent when anonymous */
  userId?: number;
  /** when the session expires unless used again, ms since the epoch; absent for an anonymous cookie session */
  expiresAt?: number;
}

/** Options of {@link AdminSessions}. */
export interface AdminSessionsOptions {
  /** the database holding the `weft_*` tables: a drizzle database, SQLite or PostgreSQL (see {@link AdminStoreDb}) */
  db: AdminStoreDb;
  /** cookie name (default {@link ADMIN_SESSION_COOKIE}) */
  cookieName?: string;
  /** sliding lifetime in ms: a logged-in session unused for this long expires (default 2 weeks) */
  ttlMs?: number;
  /**
   * lifetime (the cookie's Max-Age) of an anonymous session, one made for a login form or a
   * public page; it lives in the signed cookie only, no row is written (default 1 day, at most
   * `ttlMs`)
   */
  anonymousTtlMs?: number;
  /**
   * how stale `lastSeenAt` may get before a load writes it (and pushes `expiresAt`) again, so
   * that most loads are a single SELECT (default 60 s, capped at a tenth of `anonymousTtlMs`)
   */
  touchIntervalMs?: number;
  /** how often (at most) creating a session also deletes every expired row (default 1 h) */
  purgeIntervalMs?: number;
  /** the clock, in ms since the epoch (for tests; default `Date.now`) */
  now?: () => number;
  /** the login page, where a live page's "You have been signed out" notice links to (the site sets `<prefix>/login/`) */
  loginUrl?: string;
  /**
   * called with the user's id each time a logged-in session loads: a request, or a frame of a
   * live page (session authority's check); the site tells its fair share that the user is active
   */
  onActive?: (userId: number) => void;
}

interface Current {
  /** the cookie's random value (unsigned) */
  raw: string;
  session: AdminSession;
  /** whether this load pushed the expiry (the cookie's Max-Age should follow) */
  touched: boolean;
  /** this session's sliding lifetime */
  ttl: number;
}

const RAW_ID = /^[A-Za-z0-9_-]{43}$/;
/** an anonymous cookie: `a` and 32 random bytes, base64url; no row behind it */
const ANON_ID = /^a[A-Za-z0-9_-]{43}$/;
const ANON_PREFIX = "anon:";

function sha256(raw: string): string {
  return createHash("sha256").update(raw).digest("hex");
}

/**
 * Server-side sessions in `weft_sessions`, usable as the weft plugin's `sessions` option.
 *
 * Loading a session costs one SELECT (session, user and permissions joined), plus one UPDATE
 * when `lastSeenAt` is older than `touchIntervalMs`, or one DELETE when it has expired.
 * A session whose user is inactive or deleted loads as anonymous (`user: null`).
 * Results are memoised per request, so `ensure` then `load` on one request queries once.
 */
export class AdminSessions implements SessionProvider {
  /** the cookie's name */
  readonly cookieName: string;
  /** sliding lifetime of a logged-in session, in ms */
  readonly ttlMs: number;
  /** sliding lifetime of an anonymous session, in ms */
  readonly anonymousTtlMs: number;
  /** where the "You have been signed out" notice of a live page links to */
  readonly loginUrl?: string;
  /**
   * Session authority: logout, a login replacing a session, and {@link endSessionsOf} close the
   * ended sessions' live sockets on every worker. `adminPlugin` links it to `app.weft`.
   */
  readonly authority = new AuthorityNotifier();
  private readonly db: AdminDb;
  /** the admin's tables of the database's dialect */
  private readonly t: AdminTables;
  private readonly touchIntervalMs: number;
  private readonly purgeIntervalMs: number;
  private readonly now: () => number;
  private readonly onActive: ((userId: number) => void) | undefined;
  private readonly cache = new WeakMap<FastifyRequest, Current | null>();
  private lastPurge = 0;

  /**
   * @param opts - see {@link AdminSessionsOptions}
   * @throws RangeError for a non-positive `ttlMs` or `anonymousTtlMs`
   */
  constructor(opts: AdminSessionsOptions) {
    this.db = qb(opts.db);
    this.onActive = opts.onActive;
    this.t = adminTablesFor(opts.db);
    this.cookieName = opts.cookieName ?? ADMIN_SESSION_COOKIE;
    this.ttlMs = opts.ttlMs ?? DEFAULT_SESSION_TTL_MS;
    if (!(this.ttlMs > 0)) throw new RangeError("ttlMs must be positive");
    this.anonymousTtlMs = Math.min(opts.anonymousTtlMs ?? 24 * 3600 * 1000, this.ttlMs);
    if (!(this.anonymousTtlMs > 0)) throw new RangeError("anonymousTtlMs must be positive");
    this.touchIntervalMs = Math.min(opts.touchIntervalMs ?? 60_000, this.anonymousTtlMs / 10);
    this.purgeIntervalMs = opts.purgeIntervalMs ?? 3_600_000;
    this.now = opts.now ?? Date.now;
    this.loginUrl = opts.loginUrl;
  }

  /**
   * The request's session, created when missing (an anonymous session in a new cookie, no
   * row: nothing is written for a visitor who does not log in), as the weft plugin calls it
   * before an HTTP render. Refreshes the cookie's Max-Age when the
   * session's expiry moved.
   *
   * @param req - the request (its signed cookie is read)
   * @param reply - the reply (a cookie is set when a session is created or extended)
   * @returns the session
   * @throws the driver's error when the database fails
   */
  async ensure(req: FastifyRequest, reply: FastifyReply): Promise<AdminSession> {
    const cur = await this.current(req);
    if (cur) {
      if (cur.touched) this.setCookie(req, reply, cur.raw, cur.ttl);
      return cur.session;
    }
    const raw = "a" + randomBytes(32).toString("base64url");
    this.setCookie(req, reply, raw, this.anonymousTtlMs);
    const session: AdminSession = { id: ANON_PREFIX + sha256(raw), user: null };
    this.cache.set(req, { raw, session, touched: false, ttl: this.anonymousTtlMs });
    return session;
  }

  /**
   * The current state of a session a live socket holds, for weft's session authority: null when
   * its row is gone or expired, or its user was deactivated or deleted; else the session with the
   * user's current flags and permissions. Does not extend the session (a socket's re-checks are
   * not use). An anonymous cookie session has nothing stored that could change: it is returned as
   * is, synchronously (no promise), so session authority's per-frame check costs nothing for it.
   *
   * @param session - the session as the socket last had it
   * @returns the current session, or null when it ended
   * @throws the driver's error when the database fails (the socket keeps its copy until the next check)
   */
  reload(session: Session): AdminSession | Promise<AdminSession | null> {
    // answered at once: a socket's frames then run without waiting for a promise
    if (session.id.startsWith(ANON_PREFIX)) return session as AdminSession;
    return this.fetch(session.id, false).then((found) => (!found || ((session as AdminSession).user && !found.session.user) ? null : found.session));
  }

  /**
   * The request's session, or null when there is no valid cookie, no row, or the row has
   * expired (the row is then deleted). Never creates anything; used for WebSocket upgrades.
   *
   * @param req - the request
   * @returns the session, or null
   * @throws the driver's error when the database fails
   */
  async load(req: FastifyRequest): Promise<AdminSession | null> {
    return (await this.current(req))?.session ?? null;
  }

  /**
   * Logs a user in, as Django's `login()`: the session id ROTATES (the old row is deleted, a new
   * row and cookie are made), so a session id planted before login is worthless after it;
   * `lastLoginAt` is set. Call only after the credentials and the user's staff flag were checked.
   *
   * @param req - the request (its current session, if any, is ended)
   * @param reply - the reply (gets the new cookie)
   * @param user - the authenticated user (only its `id` is used)
   * @returns the new, logged-in session
   * @throws WeftAdminError `WEFT_ADMIN_ERR_LOGIN_INACTIVE_USER` when the user does not exist or is inactive
   */
  async login(req: FastifyRequest, reply: FastifyReply, user: { id: number }): Promise<AdminSession> {
    const now = this.now();
    const ok = await this.db
      .update(this.t.weftUsers)
      .set({ lastLoginAt: new Date(now) })
      .where(and(eq(this.t.weftUsers.id, user.id), eq(this.t.weftUsers.isActive, true)))
      .returning({ id: this.t.weftUsers.id });
    if (!ok.length) throw adminError("WEFT_ADMIN_ERR_LOGIN_INACTIVE_USER", "weft admin: cannot log in an unknown or inactive user: check the credentials with users.authenticate() (which refuses inactive users) before sessions.login()");
    await this.maybePurge();
    const old = await this.current(req);
    if (old && !old.session.id.startsWith(ANON_PREFIX)) {
      await this.db.delete(this.t.weftSessions).where(eq(this.t.weftSessions.id, old.session.id));
      await this.authority.ended([old.session.id]);
    }
    const created = await this.create(req, reply, user.id);
    const loaded = await this.fetch(created.id);
    if (!loaded?.session.user) throw adminError("WEFT_ADMIN_ERR_SESSION_NOT_LOADED", "weft admin: the new session did not load: is the weft_sessions table in the database given to AdminSessions, and is nothing deleting its rows?");
    this.cache.get(req)!.session = loaded.session;
    return loaded.session;
  }

  /**
   * Logs out, as Django's `logout()`: deletes the session row and clears the cookie. A request
   * without a session is fine (the cookie is cleared anyway).
   *
   * @param req - the request
   * @param reply - the reply (its cookie is cleared)
   */
  async logout(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const cur = await this.current(req);
    if (cur && !cur.session.id.startsWith(ANON_PREFIX)) {
      await this.db.delete(this.t.weftSessions).where(eq(this.t.weftSessions.id, cur.session.id));
      await this.authority.ended([cur.session.id]);
    }
    reply.clearCookie(this.cookieName, { path: "/", httpOnly: true, sameSite: "lax", secure: req.protocol === "https" });
    this.cache.set(req, null);
  }

  /**
   * Ends every session of a user (after a password change or when revoking access), as
   * Django's `update_session_auth_hash` does for the other sessions.
   *
   * @param userId - the user
   * @param exceptSessionId - a session to keep (e.g. the one changing the password)
   * @returns how many sessions were ended
   */
  async endSessionsOf(userId: number, exceptSessionId?: string): Promise<number> {
    const where = exceptSessionId ? and(eq(this.t.weftSessions.userId, userId), ne(this.t.weftSessions.id, exceptSessionId)) : eq(this.t.weftSessions.userId, userId);
    const rows = await this.db.delete(this.t.weftSessions).where(where).returning({ id: this.t.weftSessions.id });
    await this.authority.ended(rows.map((r) => r.id));
    return rows.length;
  }

  /**
   * Deletes every expired session row, as Django's `clearsessions`. Also run at most once per
   * `purgeIntervalMs` when a session is created.
   *
   * @returns how many rows were deleted
   */
  async purgeExpired(): Promise<number> {
    this.lastPurge = this.now();
    const rows = await this.db.delete(this.t.weftSessions).where(lte(this.t.weftSessions.expiresAt, new Date(this.lastPurge))).returning({ id: this.t.weftSessions.id });
    return rows.length;
  }

  /**
   * The CSRF secret of the session loaded for this request: an HMAC of the cookie's random
   * value, so it lives and dies with the session (rotated on login, gone on logout) without
   * being stored, and cannot be derived from `Session.id`. The admin's login routes hand it to
   * @fastify/csrf-protection as the session's `_csrf`.
   *
   * @param req - a request on which {@link ensure} or {@link load} already ran
   * @returns the secret, or undefined when the request has no loaded session
   */
  csrfSecret(req: FastifyRequest): string | undefined {
    const cur = this.cache.get(req);
    return cur ? createHmac("sha256", cur.raw).update("weft-admin csrf secret").digest("base64url") : undefined;
  }

  private async current(req: FastifyRequest): Promise<Current | null> {
    if (this.cache.has(req)) return this.cache.get(req)!;
    let result: Current | null = null;
    const cookie = req.cookies?.[this.cookieName];
    if (cookie) {
      const u = req.unsignCookie(cookie);
      if (u.valid && u.value && ANON_ID.test(u.value)) {
        result = { raw: u.value, session: { id: ANON_PREFIX + sha256(u.value), user: null }, touched: false, ttl: this.anonymousTtlMs };
      } else if (u.valid && u.value && RAW_ID.test(u.value)) {
        const found = await this.fetch(sha256(u.value));
        if (found) result = { raw: u.value, ...found };
      }
    }
    this.cache.set(req, result);
    return result;
  }

  /** One SELECT (+ one UPDATE to slide when `touch`, or one DELETE when expired). */
  private async fetch(id: string, touch = true): Promise<{ session: AdminSession; touched: boolean; ttl: number } | null> {
    const [row] = await this.db
      .select({
        id: this.t.weftSessions.id,
        expiresAt: this.t.weftSessions.expiresAt,
        lastSeenAt: this.t.weftSessions.lastSeenAt,
        userId: this.t.weftUsers.id,
        username: this.t.weftUsers.username,
        isActive: this.t.weftUsers.isActive,
        isStaff: this.t.weftUsers.isStaff,
        isSuperuser: this.t.weftUsers.isSuperuser,
        perms: permissionsJsonSql(dialectOf(this.db)),
      })
      .from(this.t.weftSessions)
      .leftJoin(this.t.weftUsers, eq(this.t.weftUsers.id, this.t.weftSessions.userId))
      .where(eq(this.t.weftSessions.id, id))
      .limit(1);
    if (!row) return null;
    const now = this.now();
    if (row.expiresAt.getTime() <= now) {
      await this.db.delete(this.t.weftSessions).where(eq(this.t.weftSessions.id, id));
      return null;
    }
    const ttl = row.userId != null ? this.ttlMs : this.anonymousTtlMs;
    let touched = false;
    let expiresAt = row.expiresAt.getTime();
    if (touch && now - row.lastSeenAt.getTime() >= this.touchIntervalMs) {
      expiresAt = now + ttl;
      await this.db.update(this.t.weftSessions).set({ lastSeenAt: new Date(now), expiresAt: new Date(now + ttl) }).where(eq(this.t.weftSessions.id, id));
      touched = true;
    }
    const user: SessionUser | null =
      row.userId != null && row.isActive
        ? { id: row.userId, username: row.username!, isStaff: !!row.isStaff, isSuperuser: !!row.isSuperuser, permissions: parsePermissions(row.perms).sort() }
        : null;
    if (user) this.onActive?.(user.id);
    return { session: user ? { id: row.id, user, userId: user.id, expiresAt } : { id: row.id, user, expiresAt }, touched, ttl };
  }

  private async create(req: FastifyRequest, reply: FastifyReply, userId: number): Promise<AdminSession> {
    const raw = randomBytes(32).toString("base64url");
    const id = sha256(raw);
    const now = this.now();
    const ttl = this.ttlMs;
    await this.db.insert(this.t.weftSessions).values({ id, userId, createdAt: new Date(now), lastSeenAt: new Date(now), expiresAt: new Date(now + ttl) });
    this.setCookie(req, reply, raw, ttl);
    const session: AdminSession = { id, user: null };
    this.cache.set(req, { raw, session, touched: false, ttl });
    return session;
  }

  private setCookie(req: FastifyRequest, reply: FastifyReply, raw: string, ttl: number): void {
    reply.setCookie(this.cookieName, raw, {
      signed: true,
      httpOnly: true,
      sameSite: "lax",
      secure: req.protocol === "https",
      path: "/",
      maxAge: Math.floor(ttl / 1000),
    });
  }

  private async maybePurge(): Promise<void> {
    if (this.now() - this.lastPurge >= this.purgeIntervalMs) await this.purgeExpired();
  }
}
