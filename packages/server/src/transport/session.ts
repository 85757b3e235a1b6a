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
};
