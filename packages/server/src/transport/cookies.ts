/**
 * The cookie support weft's sessions need, from the app's @fastify/cookie or weft's own.
 */
import fastifyCookie, { Signer } from "@fastify/cookie";
import type { FastifyInstance } from "fastify";

/**
 * @fastify/cookie: the app's when it registered one (before weft), else weft's with `secret`.
 * The app's without a secret cannot sign: weft then signs (its session cookie and any signed
 * cookie) with `secret`, so `reply.setCookie(…, { signed: true })` and `req.unsignCookie` work.
 */
export async function registerCookies(app: FastifyInstance, secret: string): Promise<void> {
  if (!app.hasDecorator("parseCookie")) await app.register(fastifyCookie, { secret });
  else if (!app.hasRequestDecorator("unsignCookie") || !app.hasReplyDecorator("signCookie")) {
    const signer = new Signer(secret);
    const sign = (value: string) => signer.sign(value);
    const unsign = (value: string) => signer.unsign(value);
    app.decorateRequest("signCookie", sign);
    app.decorateRequest("unsignCookie", unsign);
    app.decorateReply("signCookie", sign);
    app.decorateReply("unsignCookie", unsign);
  }
}
