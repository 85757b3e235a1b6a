import type { ChannelLayer } from "../pubsub/channel-layer.js";
import type { Templates } from "../render/templates.js";
import type { TokenSigner } from "./token.js";
import type { ViewRegistry } from "./registry.js";
import type { LiveRoutes } from "./sessions.js";

/** The logging surface Weft uses (pino's, which fastify's `app.log` provides). */
export interface Logger {
  error(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

/** Everything a view needs from its server, shared by the HTTP render, the socket and the test harness. @internal */
export interface LiveServices {
  registry: ViewRegistry;
  /** the live routes and live sessions (absent in the test harness: no navigation, no hooks) */
  routes?: LiveRoutes;
  templates: Templates;
  signer: TokenSigner;
  pubsub: ChannelLayer;
  /** the application context (`context` plugin option) merged into every view's `ctx` */
  context: object;
  log: Logger;
}
