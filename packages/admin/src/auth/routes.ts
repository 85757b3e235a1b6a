/**
 * The admin's login and logout pages: plain HTML forms posted over HTTP (never LiveView
 * events), after Django admin's `LoginView` / `LogoutView`:
 *
 * - `GET  {prefix}/login/`  the form (a staff user already logged in is redirected to `next`)
 * - `POST {prefix}/login/`  rate-limited, CSRF-checked; success rotates the session and
 *   redirects (302) to a safe `next`; failure re-renders the form with one generic message (401)
 * - `POST {prefix}/logout/` CSRF-checked; ends the session and redirects to the login page
 *
 * CSRF uses @fastify/csrf-protection in its session mode: the secret is the session's
 * (`AdminSessions.csrfSecret`), so tokens die with the session and change on login.
 */
import csrfProtection from "@fastify/csrf-protection";
import formbody from "@fastify/formbody";
import rateLimit, { type RateLimitPluginOptions } from "@fastify/rate-limit";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { readFileSync } from "node:fs";
import fp from "fastify-plugin";
import { hashedAsset } from "@weft/server/transport";
import { Templates } from "@weft/server/render";
import type { AdminSessions } from "./sessions.js";
import { normalizeUsername, type UserStore } from "./users.js";
import { adminError, sessionsMismatch } from "../errors.js";
import { FAVICON } from "./favicon.js";

/** What the login template gets as `it`. */
export interface LoginTemplateData {
  /** page heading and `<title>` */
  title: string;
  /** the admin's URL prefix, e.g. `/admin` */
  prefix: string;
  /** the form's action (`{prefix}/login/`) */
  action: string;
  /** the (already validated) path to go to after login */
  next: string;
  /** the CSRF token for the hidden `_csrf` field */
  csrfToken: string;
  /** the username to refill (never the password) */
  username: string;
  /** a message to show, or null */
  error: string | null;
  /** a confirmation to show (after logout: "You have been logged out."), or null */
  notice?: string | null;
  /** the favicon's URL (an inline SVG data URL) */
  favicon?: string;
  /** URL of the login page's stylesheet (a hashed asset; no inline style under weft's CSP) */
  stylesheet?: string;
}

/** Renders one of the auth pages to HTML; the admin's shell may supply its own. Must escape `data`. */
export type AdminAuthRender = (template: "login", data: LoginTemplateData) => string | Promise<string>;

/** Login rate limits (per process unless `redis` is given). */
export interface LoginRateLimit {
  /** POSTs per window per client IP + username (default 10) */
  max?: number;
  /** POSTs per window per client IP, whatever the username (default 100) */
  ipMax?: number;
  /** window in ms (default 60 000) */
  timeWindowMs?: number;
  /**
   * an ioredis client, to count across workers (passed to @fastify/rate-limit). While it cannot
   * reach Redis, attempts are not counted and logins keep working (`skipOnError`), rather than
   * every login failing; give it no offline queue so that is immediate.
   */
  redis?: RateLimitPluginOptions["redis"];
}

/** Options of {@link adminAuthRoutes}. */
export interface AdminAuthRoutesOptions {
  /** URL prefix of the admin (default `/admin`, no trailing slash) */
  prefix?: string;
  /** the session provider (the same instance given to the weft plugin) */
  sessions: AdminSessions;
  /** users, for `authenticate` */
  users: UserStore;
  /** page renderer (default: {@link defaultAuthRender}, the shipped `templates/login.eta`) */
  render?: AdminAuthRender;
  /** login page title (default "Log in | Weft admin") */
  title?: string;
  /** login rate limits */
  rateLimit?: LoginRateLimit;
}

/** The generic failure message: it never says whether the username or the password was wrong. */
/** What the login page says after logout (`?logged_out=1`), as Django admin's "Logged out" page. */
export const LOGGED_OUT_MESSAGE = "You have been logged out.";

export const LOGIN_FAILED_MESSAGE = "Wrong username or password. Note that both fields may be case-sensitive.";

/** The shipped login template (autoEscape on); the admin's shell may replace it through `render`. */
export const LOGIN_TEMPLATE = new URL("../../src/auth/login.eta", import.meta.url);

/**
 * A renderer for the shipped templates, through weft's Eta setup (autoEscape on).
 *
 * @returns an {@link AdminAuthRender}
 * @throws (when called) Error if the template file cannot be read
 */
export function defaultAuthRender(): AdminAuthRender {
  const templates = new Templates();
  return (template, data) => {
    if (template !== "login") throw adminError("WEFT_ADMIN_ERR_UNKNOWN_TEMPLATE", `weft admin: unknown auth template "${String(template)}" (the default renderer has "login" only; pass your own \`render\` for others)`);
    return templates.render(LOGIN_TEMPLATE, data);
  };
}

/** The shipped login page's stylesheet. */
const LOGIN_CSS = new URL("../../src/auth/login.css", import.meta.url);

const NEXT_BASE = "http://weft.invalid";

/**
 * Validates a post-login redirect target, as Django's `url_has_allowed_host_and_scheme`, but
 * stricter: only a same-site path is accepted — it must start with one `/` not followed by `/`
 * or `\`, contain no backslash, whitespace or control character (no header injection), be at
 * most 2,048 characters, and resolve to this origin. `//evil`, `https://…`, `/\evil`,
 * `javascript:`, CR/LF payloads all yield the fallback.
 *
 * @param next - the untrusted value (a query or form field)
 * @param fallback - what to use when `next` is missing or refused (e.g. `/admin/`)
 * @returns a path (normalised and percent-encoded by the WHATWG URL parser) or `fallback`
 */
export function safeNext(next: unknown, fallback: string): string {
  if (typeof next !== "string" || next.length === 0 || next.length > 2048) return fallback;
  if (next[0] !== "/" || next[1] === "/" || next[1] === "\\") return fallback;
  if (/[\\\s\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, NEXT_BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== NEXT_BASE) return fallback;
  const path = url.pathname + url.search + url.hash;
  return path.startsWith("/") && !path.startsWith("//") ? path : fallback;
}

/**
 * A CSRF token for a POST form of the admin (e.g. the logout button in the admin's shell),
 * bound to the request's session (created if missing). Needs {@link adminAuthRoutes} registered
 * in this scope or a parent one (it provides `reply.generateCsrf`).
 *
 * @param sessions - the admin's session provider
 * @param req - the request
 * @param reply - the reply (may get the session cookie)
 * @returns the token for a hidden `_csrf` field (or an `x-csrf-token` header)
 */
export async function adminCsrfToken(sessions: AdminSessions, req: FastifyRequest, reply: FastifyReply): Promise<string> {
  await sessions.ensure(req, reply);
  return reply.generateCsrf();
}

type Body = Record<string, unknown> | undefined;

function field(body: Body, name: string): string {
  const v = body?.[name];
  return typeof v === "string" ? v : "";
}

async function authRoutes(app: FastifyInstance, opts: AdminAuthRoutesOptions): Promise<void> {
  const prefix = (opts.prefix ?? "/admin").replace(/\/+$/, "");
  const { sessions, users } = opts;
  const render = opts.render ?? defaultAuthRender();
  const title = opts.title ?? "Log in | Weft admin";
  const loginPath = `${prefix}/login/`;
  const logoutPath = `${prefix}/logout/`;
  const loggedOutPath = `${loginPath}?logged_out=1`;
  const home = `${prefix}/`;
  const limits = { max: 10, ipMax: 100, timeWindowMs: 60_000, ...opts.rateLimit };
  // the stylesheet as a hashed asset: through weft when it is registered, else on its own route
  const cssBody = readFileSync(LOGIN_CSS);
  let stylesheet: string;
  if (app.hasDecorator("weft")) stylesheet = app.weft.asset("admin-login.css", cssBody, "text/css; charset=utf-8");
  else {
    const a = hashedAsset(prefix, "login.css", cssBody, "text/css; charset=utf-8");
    app.get(a.url, (_req, reply) => reply.header("cache-control", "public, max-age=31536000, immutable").type(a.type).send(a.body));
    stylesheet = a.url;
  }

  if (!app.hasRequestDecorator("unsignCookie")) {
    throw adminError("WEFT_ADMIN_ERR_COOKIE_MISSING", "weft admin: adminAuthRoutes signs its session cookie through @fastify/cookie: register the weft plugin (or @fastify/cookie with a secret) before adminAuthRoutes");
  }
  // weft on other sessions than these never sees the login: the login page would loop
  if (app.hasDecorator("weft") && app.weft.sessions !== sessions) throw sessionsMismatch();
  if (app.hasReplyDecorator("generateCsrf") || app.hasRequestDecorator("session")) {
    throw adminError("WEFT_ADMIN_ERR_CSRF_CONFLICT", "weft admin: adminAuthRoutes brings its own @fastify/csrf-protection and request.session; remove the other registration (or register it in a scope the admin is not in)");
  }

  // @fastify/csrf-protection in session mode reads `req.session._csrf`: ours is derived from the
  // session cookie (see AdminSessions.csrfSecret), so nothing extra is stored.
  app.decorateRequest("session", {
    getter(this: FastifyRequest) {
      return { _csrf: sessions.csrfSecret(this) };
    },
  });
  await app.register(csrfProtection, { sessionPlugin: "@fastify/session", sessionKey: "_csrf" });

  // Everything else stays encapsulated in a child scope.
  await app.register(async (scope) => {
    // weft's security headers on the login and logout pages, when weft is there
    if (scope.hasDecorator("weft")) scope.weft.secureRoutes(scope);
    if (!scope.hasContentTypeParser("application/x-www-form-urlencoded")) await scope.register(formbody);
    await scope.register(rateLimit, { global: false, ...(limits.redis ? { redis: limits.redis, nameSpace: "weft-admin-login:", skipOnError: true } : {}) });
    const perUser = scope.createRateLimit({
      max: limits.max,
      timeWindow: limits.timeWindowMs,
      keyGenerator: (req) => `u|${req.ip}|${normalizeUsername(field(req.body as Body, "username")).toLowerCase().slice(0, 150)}`,
    });
    const perIp = scope.createRateLimit({ max: limits.ipMax, timeWindow: limits.timeWindowMs, keyGenerator: (req) => `ip|${req.ip}` });

    const page = async (req: FastifyRequest, reply: FastifyReply, status: number, next: string, username: string, error: string | null, notice: string | null = null) => {
      await sessions.ensure(req, reply);
      const html = await render("login", { title, prefix, action: loginPath, next, csrfToken: reply.generateCsrf(), username, error, notice, favicon: FAVICON, stylesheet });
      reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").header("x-frame-options", "DENY");
      // never framed, also without weft's helmet (whose policy, when on, says so already)
      if (!reply.hasHeader("content-security-policy")) reply.header("content-security-policy", "frame-ancestors 'none'; style-src 'self'");
      return reply.send(html);
    };

    scope.setErrorHandler(async (err: FastifyError, req, reply) => {
      if (err.code === "FST_CSRF_MISSING_SECRET" || err.code === "FST_CSRF_INVALID_TOKEN") {
        req.log.warn({ url: req.url }, "weft admin: CSRF check failed");
        return reply
          .code(403)
          .type("text/html; charset=utf-8")
          .header("cache-control", "no-store")
          .send(`<!doctype html><title>403 Forbidden</title><h1>Forbidden (403)</h1><p>CSRF verification failed: the form was stale or did not come from this site. <a href="${loginPath}">Go back to the login page</a> and try again.</p>`);
      }
      throw err;
    });

    scope.get(loginPath, async (req, reply) => {
      const next = safeNext((req.query as Record<string, unknown>).next, home);
      const session = await sessions.ensure(req, reply);
      if (session.user?.isStaff) return reply.header("cache-control", "no-store").redirect(next, 302);
      // after logout (as Django admin's "Logged out" page): say so above the form
      const loggedOut = (req.query as Record<string, unknown>).logged_out === "1";
      return page(req, reply, 200, next, "", null, loggedOut ? LOGGED_OUT_MESSAGE : null);
    });

    scope.post(loginPath, {
      bodyLimit: 64 * 1024,
      preHandler: [
        async (req, reply) => {
          // count every POST, before CSRF and before any password work
          const byIp = await perIp(req);
          const byUser = await perUser(req);
          const over = [byIp, byUser].find((r) => !r.isAllowed && r.isExceeded);
          if (over && !over.isAllowed) {
            const wait = Math.max(1, over.ttlInSeconds);
            reply.header("retry-after", String(wait));
            req.log.warn({ ip: req.ip }, "weft admin: login rate limit exceeded");
            const body = req.body as Body;
            return page(req, reply, 429, safeNext(field(body, "next"), home), field(body, "username").slice(0, 150),
              `Too many login attempts. Please wait ${wait} seconds before trying again.`);
          }
        },
        async (req) => {
          await sessions.load(req);
        },
        scope.csrfProtection,
      ],
    }, async (req, reply) => {
      const body = req.body as Body;
      const username = field(body, "username");
      const next = safeNext(field(body, "next"), home);
      const user = await users.authenticate(username, field(body, "password"));
      // a non-staff user gets the same answer as a wrong password (as Django's admin form)
      if (!user || !user.isStaff) {
        req.log.info({ ip: req.ip }, "weft admin: failed login");
        return page(req, reply, 401, next, username.slice(0, 150), LOGIN_FAILED_MESSAGE);
      }
      await sessions.login(req, reply, user);
      return reply.header("cache-control", "no-store").redirect(next, 302);
    });

    scope.post(logoutPath, {
      bodyLimit: 16 * 1024,
      preHandler: [
        async (req, reply) => {
          // no session: nothing to protect, the user is logged out already
          if (!(await sessions.load(req))) {
            await sessions.logout(req, reply);
            return reply.header("cache-control", "no-store").redirect(loggedOutPath, 302);
          }
        },
        scope.csrfProtection,
      ],
    }, async (req, reply) => {
      await sessions.logout(req, reply);
      return reply.header("cache-control", "no-store").redirect(loggedOutPath, 302);
    });
  });
}

/**
 * The admin's login / logout routes as a fastify plugin. Register it after the weft plugin
 * (which brings @fastify/cookie with the secret that signs the session cookie), with the same
 * {@link AdminSessions} given to weft as `sessions`:
 *
 * @example
 * const sessions = new AdminSessions({ db });
 * await app.register(weft, { secret, sessions });
 * await app.register(adminAuthRoutes, { prefix: "/admin", sessions, users: new UserStore(db) });
 *
 * It is not encapsulated on purpose: `reply.generateCsrf()` and `app.csrfProtection` (see
 * {@link adminCsrfToken}) become available to the scope that registers it, for the admin's own
 * POST forms. Everything else (form parsing, rate limiting, the 403 page) stays inside.
 * Rate limits key on `req.ip`: behind a proxy, set fastify's `trustProxy`.
 *
 * @throws at registration, a WeftAdminError: `WEFT_ADMIN_ERR_COOKIE_MISSING` when neither weft nor
 *   @fastify/cookie with a secret is registered, `WEFT_ADMIN_ERR_SESSIONS_MISMATCH` when weft uses
 *   other sessions than `sessions`, `WEFT_ADMIN_ERR_CSRF_CONFLICT` when csrf-protection /
 *   `request.session` already exist
 */
export const adminAuthRoutes = fp(authRoutes, { name: "weft-admin-auth", fastify: "5.x" });
