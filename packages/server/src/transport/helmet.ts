/**
 * Security headers on weft's routes through @fastify/helmet: weft's default policy, the plugin's
 * registration of helmet, and the headers for pages and scopes that are weft's.
 */
import fastifyHelmet, { type FastifyHelmetOptions } from "@fastify/helmet";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { weftError } from "../errors.js";

/**
 * The Content-Security-Policy weft sets by default. The browser runtime needs no inline script,
 * no inline style, no eval; its socket is same-origin (`'self'` covers `ws:`/`wss:` on the page's
 * own host in CSP Level 3 browsers).
 */
export const WEFT_CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "script-src-attr": ["'none'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:"],
  "font-src": ["'self'", "data:"],
  "connect-src": ["'self'"],
  "object-src": ["'none'"],
  "frame-ancestors": ["'none'"],
  "form-action": ["'self'"],
  "base-uri": ["'self'"],
});

/**
 * weft's helmet options for its routes: {@link WEFT_CSP_DIRECTIVES}, never framed, no referrer
 * off-site, with the user's `helmet` object merged over them (its `global` taken out).
 */
function helmetOptions(extra: FastifyHelmetOptions | undefined): RouteHelmet {
  const directives = Object.fromEntries(Object.entries(WEFT_CSP_DIRECTIVES).map(([k, v]) => [k, [...v]]));
  const { global: _global, ...rest } = extra ?? {};
  return {
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "same-origin" },
    ...rest,
  } as RouteHelmet;
}

/** @fastify/helmet's per-route options (`config.helmet` of a route). */
export type RouteHelmet = Omit<FastifyHelmetOptions, "global">;

/**
 * Registers @fastify/helmet with weft's options on weft's routes (route config), unless the app
 * registered it already or `helmet` is false; app-wide with `{ global: true }`.
 * @returns the helmet options of weft's routes (undefined: `helmet: false`, no headers from weft)
 * @throws WeftError `WEFT_ERR_HELMET_CONFLICT` when `global` is asked but the app registered @fastify/helmet itself
 */
export async function registerHelmet(app: FastifyInstance, helmet: false | FastifyHelmetOptions | undefined): Promise<RouteHelmet | undefined> {
  const routeHelmet = helmet === false ? undefined : helmetOptions(helmet);
  const global = helmet !== false && helmet?.global === true;
  if (routeHelmet && !app.hasReplyDecorator("helmet")) await app.register(fastifyHelmet, { ...routeHelmet, global } as FastifyHelmetOptions);
  else if (global) {
    throw weftError(
      "WEFT_ERR_HELMET_CONFLICT",
      "weft: `helmet: { global: true }` asks weft to put its headers on every route, but the app registered @fastify/helmet itself: configure app-wide headers in your @fastify/helmet registration and leave `global` out of weft's `helmet` (weft's routes still get weft's policy)",
    );
  }
  return routeHelmet;
}

/** Gives a page of the app's own route weft's headers too (helmet's reply decorator applies them), unless its route has its own. */
export function pageHelmet(req: FastifyRequest, reply: FastifyReply, routeHelmet: RouteHelmet | undefined): void {
  if (routeHelmet && (req.routeOptions.config as { helmet?: unknown } | undefined)?.helmet === undefined && typeof reply.helmet === "function") {
    const { enableCSPNonces: _nonces, ...headers } = routeHelmet;
    reply.helmet(headers as Parameters<FastifyReply["helmet"]>[0]);
  }
}

/** Gives every route registered in `scope` from now on weft's headers (nothing when `routeHelmet` is undefined). */
export function secureScope(scope: FastifyInstance, routeHelmet: RouteHelmet | undefined): void {
  if (!routeHelmet) return;
  scope.addHook("onRoute", (route) => {
    if ((route.config as { helmet?: unknown } | undefined)?.helmet === undefined) route.config = { ...route.config, helmet: routeHelmet } as typeof route.config;
  });
}
