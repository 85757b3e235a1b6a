import type { FastifyInstance } from "fastify";
import type { ViewRuntime } from "../live/runtime.js";
import type { ViewRegistry } from "../live/registry.js";

/** What `GET <prefix>/health` answers: counts for this worker process only, no user data. */
export interface HealthReport {
  /** always `"ok"` while the process serves requests (a readiness probe needs only the 200) */
  status: "ok";
  /** this worker's process id (each worker answers for itself) */
  pid: number;
  /** seconds since the process started */
  uptimeS: number;
  /** open WebSockets on this worker */
  sockets: number;
  /** connected views on this worker */
  views: number;
  /** connected views by registered view id */
  byView: Record<string, number>;
}

/**
 * Counts a worker's connected views by view id (views still joining are counted under `"joining"`).
 * @param live - the worker's connected view runtimes
 * @param sockets - its open WebSockets
 */
export function healthReport(live: Iterable<ViewRuntime>, registry: ViewRegistry, sockets: number): HealthReport {
  const byView: Record<string, number> = {};
  let views = 0;
  for (const rt of live) {
    const id = rt.view ? registry.register(rt.view.constructor as Parameters<ViewRegistry["register"]>[0]) : "joining";
    byView[id] = (byView[id] ?? 0) + 1;
    views++;
  }
  return { status: "ok", pid: process.pid, uptimeS: Math.round(process.uptime()), sockets, views, byView };
}

/**
 * Serves the readiness route `GET path` (JSON {@link HealthReport}, `cache-control: no-store`),
 * as Kubernetes-style readiness checks expect: a 200 while the worker serves.
 */
export function healthRoute(app: FastifyInstance, path: string, live: Iterable<ViewRuntime>, registry: ViewRegistry, config: object): void {
  app.get(path, { config }, (_req, reply) => {
    const sockets = (app as unknown as { websocketServer?: { clients: Set<unknown> } }).websocketServer?.clients.size ?? 0;
    reply.header("cache-control", "no-store").send(healthReport(live, registry, sockets));
  });
}
