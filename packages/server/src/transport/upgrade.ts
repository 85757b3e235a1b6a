/**
 * The WebSocket endpoint: the upgrade's checks (origin, session, abuse cooldown) before it, the
 * protocol version and the session after it, then a {@link LiveSocket} for the connection.
 */
import type { ServerResponse } from "node:http";
import { CLOSE_BAD_VERSION, CLOSE_UNAUTHORIZED, PROTOCOL_VERSION } from "@weft/client/protocol";
import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from "fastify";
import type { ViewRuntime } from "../live/runtime.js";
import type { LiveServices } from "../live/services.js";
import type { Session } from "../live/types.js";
import type { SessionAuthority } from "./authority.js";
import type { SessionCaps } from "./caps.js";
import type { IdleSweep } from "./idle.js";
import type { Limits } from "./limits.js";
import type { SessionProvider } from "./session.js";
import { SHUT_GRACE_MS } from "./shut.js";
import { LiveSocket } from "./socket.js";

/** What the socket route shares with the rest of the plugin. */
export interface SocketRouteDeps {
  services: LiveServices;
  limits: Limits;
  sessions: SessionProvider;
  /** the connected views of this process */
  live: Set<ViewRuntime>;
  authority: SessionAuthority;
  caps: SessionCaps;
  idle: IdleSweep;
  /** origins allowed besides the page's own host (the `allowedOrigins` option) */
  allowedOrigins: readonly string[] | undefined;
  /** the route's config (weft's helmet options) */
  config: FastifyContextConfig;
}

/** Serves the socket at `path` (`<prefix>/websocket`). */
export function socketRoute(app: FastifyInstance, path: string, d: SocketRouteDeps): void {
  const originAllowed = (req: FastifyRequest): boolean => {
    const origin = req.headers.origin;
    if (!origin) return false;
    try {
      const o = new URL(origin);
      return o.host === req.headers.host || (d.allowedOrigins ?? []).includes(o.origin);
    } catch {
      return false;
    }
  };

  /** the session each socket upgrade loaded in its preValidation, and the upgrade's reply */
  const upgrading = new WeakMap<FastifyRequest, { session: Session | null; res: ServerResponse }>();

  app.get(path, {
    websocket: true,
    config: d.config,
    preValidation: async (req, reply) => {
      if (!originAllowed(req)) return reply.code(403).send({ error: "origin not allowed" });
      const session = await d.sessions.load(req).catch(() => null);
      upgrading.set(req, { session, res: reply.raw });
      // a session cooling down after abuse is refused before the upgrade: no frame of it is read.
      // The answer waits (at most a close grace) so a client reconnecting at once is no faster
      // than one whose socket was refused after the upgrade
      const left = session ? d.caps.cooldown.left(session.id) : 0;
      if (!left) return;
      await new Promise((r) => setTimeout(r, Math.min(left, SHUT_GRACE_MS)));
      return reply.code(429).header("retry-after", Math.ceil(left / 1000)).send({ error: "too many refused frames: retry later" });
    },
  }, async (socket, req) => {
    const upgrade = upgrading.get(req);
    // @fastify/websocket gave the TCP socket to the upgrade's HTTP reply (assignSocket), which
    // keeps the request, the reply and fastify's closures for the socket's whole life (about
    // 4 KiB per connection): once upgraded, the socket belongs to ws alone
    if (upgrade?.res.socket) upgrade.res.detachSocket(upgrade.res.socket);
    upgrading.delete(req);
    if ((req.query as Record<string, string>).v !== PROTOCOL_VERSION) {
      return socket.close(CLOSE_BAD_VERSION, `protocol version ${PROTOCOL_VERSION} required`);
    }
    const session = upgrade?.session;
    if (!session) return socket.close(CLOSE_UNAUTHORIZED, "no session");
    const proto = req.headers["x-forwarded-proto"] === "https" || req.protocol === "https" ? "https" : "http";
    new LiveSocket(socket, session, `${proto}://${req.headers.host}`, d.services, d.limits, d.live, d.authority, d.caps, d.idle);
  });
}
