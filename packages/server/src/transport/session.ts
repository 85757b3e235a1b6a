import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Session } from "../live/types.js";

/**
 * Where sessions come from. Views' tokens are bound to `Session.id`, and every
 * WebSocket join checks that the socket's session is the token's.
 */
export interface SessionProvider {
  /** For an HTTP page render: the request's session, created (cookie set) when missing. */
  ensure(req: FastifyRequest, reply: FastifyReply): Promise<Session>;
  /** For a WebSocket upgrade: the request's session, or null (the socket is closed with 4401). */
  load(req: FastifyRequest): Promise<Session | null>;
  /**
   * The current state of a session a live socket holds (its user, permissions, expiry), or null
   * when it ended (logout, expiry, row deleted, user deactivated). Called by session authority on
   * joins and events (at most once per `authority.cacheMs`), on `sessionsChanged`, at
   * `expiresAt` and every `authority.recheckMs`; it should not extend the session. Without it a
   * socket keeps the copy taken at upgrade (it still closes on `app.weft.endSession`). May answer
   * synchronously (a session that nothing stored can change, a cached copy): the frame it gates
   * then runs at once, with no promise in between; return the same object when nothing changed.
   */
  reload?(session: Session): Promise<Session | null> | Session | null;
  /** Where the "You have been signed out" notice links to (a path on this site; default: the page itself). */
  loginUrl?: string;
}

/** Name of the default session cookie. */
export const SESSION_COOKIE = "weft_sid";

/**
 * The default: an anonymous session whose id lives in a signed, HttpOnly, SameSite=Lax
 * cookie (signed by @fastify/cookie with the plugin secret; Secure behind TLS).
 * The admin replaces it with its server-side login sessions.
 */
export const cookieSessions: SessionProvider = {
  async ensure(req, reply) {
    const found = await this.load(req);
    if (found) return found;
    const id = randomBytes(18).toString("base64url");
    reply.setCookie(SESSION_COOKIE, id, {
      signed: true,
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      secure: req.protocol === "https",
    });
    return { id };
  },
  async load(req) {
    const raw = req.cookies[SESSION_COOKIE];
    if (!raw) return null;
    const u = req.unsignCookie(raw);
    return u.valid && u.value ? { id: u.value } : null;
  },
  // an anonymous cookie session has nothing on the server that could change: answered at once
  reload(session) {
    return session;
  },
};
