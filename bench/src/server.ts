/**
 * The bench's server process: the demo app exactly as `buildApp` builds it, on a seeded
 * database, listening on 127.0.0.1 (ephemeral port), run as a child of the load generator
 * so the two never share an event loop.
 *
 * Besides the demo's routes it mounts one bench-only view, the slow reader's {@link Feed}
 * (soak/feed.ts), whose pushes are big enough to fill a paused socket within a window.
 *
 * The parent talks to it over the IPC channel of `child_process.fork` (never over the
 * network, so measuring does not add HTTP routes to the app):
 *
 * - `{ id, cmd: "cpu" }` → `process.cpuUsage()`, event-loop utilization and GC pauses so far;
 * - `{ id, cmd: "mem" }` → `gc()` (the process runs with `--expose-gc`) a few times, then
 *   `process.memoryUsage()` and the number of connected views;
 * - `{ id, cmd: "publish", topic, msg }` → `app.weft.services.pubsub.publish(topic, msg)`,
 *   as the demo's order simulator does when an order is inserted;
 * - `{ id, cmd: "views" }` → connected views;
 * - `{ id, cmd: "ticker", topic, ms }` → from now on publishes an `order.created` message on
 *   `topic` every `ms` ms (0 stops it), in this process, so the push rate does not depend on
 *   the IPC channel (the soak's KPI pushes);
 * - `{ id, cmd: "fds" }` → open file descriptors of this process (`/proc/self/fd`, Linux);
 * - `{ id, cmd: "buffered" }` → the WebSocket server's sockets: count, max and sum of
 *   `bufferedAmount` (bytes the server has queued and the kernel has not taken yet);
 * - `{ id, cmd: "read" }` → bytes the server has read from all its TCP connections so far
 *   (closed ones included), and how many it accepted;
 * - `{ id, cmd: "stop" }` → closes the app and exits.
 *
 * Usage: `node --expose-gc server.js <dbFile> <secret> <limits JSON>`. The limits JSON is
 * merged into `app.weft.limits` before listening (buildApp has no `limits` option; every
 * socket reads that object when it is created). The bench passes `{}` unless a figure would
 * trip a limit itself (see run.ts).
 */
import { readdirSync } from "node:fs";
import { buildApp } from "@weft/admin-demo/dist/app.js";
import { FEED_PATH, Feed } from "./soak/feed.js";
import { cpuReader, memoryAfterGc, orderTicker, type GcStats } from "./child-stats.js";

export type { GcStats };

/** Requests the parent sends. */
export type ServerRequest =
  | { id: number; cmd: "cpu" }
  | { id: number; cmd: "mem" }
  | { id: number; cmd: "views" }
  | { id: number; cmd: "publish"; topic: string; msg: unknown }
  | { id: number; cmd: "ticker"; topic: string; ms: number }
  | { id: number; cmd: "fds" }
  | { id: number; cmd: "buffered" }
  | { id: number; cmd: "read" }
  | { id: number; cmd: "stop" };

/** Answers (always carrying the request id), and the one unsolicited `ready` message. */
export type ServerMessage =
  | { type: "ready"; port: number; limits: Record<string, number> }
  | {
      type: "reply";
      id: number;
      cpu?: NodeJS.CpuUsage;
      elu?: { idle: number; active: number };
      gc?: GcStats;
      mem?: NodeJS.MemoryUsage;
      views?: number;
      fds?: number;
      buffered?: { sockets: number; max: number; sum: number };
      published?: number;
      read?: { bytes: number; connections: number };
      error?: string;
    };

const [dbFile, secret, limitsJson] = process.argv.slice(2);
if (!dbFile || !secret || !process.send) {
  console.error("usage: fork(server.js, [dbFile, secret, limitsJson]) with an IPC channel");
  process.exit(2);
}
const send = (m: ServerMessage) => process.send!(m);

const app = await buildApp({ dbFile, secret, simulateMs: 0, logger: false });
app.live(FEED_PATH, Feed);
Object.assign(app.weft.limits, JSON.parse(limitsJson ?? "{}"));
const read = { closedBytes: 0, connections: 0, open: new Set<import("node:net").Socket>() };
// no listener per socket (a listener added next to ws's and node's grows the socket's `close`
// listener array, ~0.2 KiB a connection, counted in the per-connection memory figures as the
// server's): closed sockets are swept out of `open` (their bytes kept) before each `read` and `mem`
function sweepClosed(): void {
  for (const s of read.open) {
    if (!s.destroyed) continue;
    read.closedBytes += s.bytesRead;
    read.open.delete(s);
  }
}
app.server.on("connection", (sock: import("node:net").Socket) => {
  read.connections++;
  read.open.add(sock);
});
await app.listen({ host: "127.0.0.1", port: 0 });
const { port } = app.server.address() as { port: number };

const readCpu = cpuReader();
const ticker = orderTicker();

process.on("message", async (req: ServerRequest) => {
  try {
    switch (req.cmd) {
      case "cpu": {
        const r = readCpu();
        return send({ type: "reply", id: req.id, ...r });
      }
      case "mem":
      {
        sweepClosed();
        const mem = await memoryAfterGc();
        // BENCH_SNAPSHOTS=<dir>: also a heap snapshot per measurement, to diff by constructor
        if (process.env.BENCH_SNAPSHOTS) (await import("node:v8")).writeHeapSnapshot(`${process.env.BENCH_SNAPSHOTS}/mem-${Date.now()}.heapsnapshot`);
        return send({ type: "reply", id: req.id, mem, views: app.weft.connectedViews() });
      }
      case "views":
        return send({ type: "reply", id: req.id, views: app.weft.connectedViews() });
      case "publish":
        await app.weft.services.pubsub.publish(req.topic, req.msg);
        return send({ type: "reply", id: req.id });
      case "ticker":
        return send({ type: "reply", id: req.id, published: ticker.set(req.ms, (msg) => app.weft.services.pubsub.publish(req.topic, msg)) });
      case "fds":
        return send({ type: "reply", id: req.id, fds: readdirSync("/proc/self/fd").length });
      case "buffered": {
        const b = { sockets: 0, max: 0, sum: 0 };
        // @fastify/websocket decorates the app with the `ws` server (clientTracking on by default).
        const wss = (app as unknown as { websocketServer: { clients: Set<{ bufferedAmount: number }> } }).websocketServer;
        for (const ws of wss.clients) {
          b.sockets++;
          b.max = Math.max(b.max, ws.bufferedAmount);
          b.sum += ws.bufferedAmount;
        }
        return send({ type: "reply", id: req.id, buffered: b });
      }
      case "read": {
        sweepClosed();
        let bytes = read.closedBytes;
        for (const s of read.open) bytes += s.bytesRead;
        return send({ type: "reply", id: req.id, read: { bytes, connections: read.connections } });
      }
      case "stop":
        ticker.stop();
        await app.close();
        send({ type: "reply", id: req.id });
        return process.disconnect();
    }
  } catch (err) {
    send({ type: "reply", id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});
// The parent died or hung up: do not outlive it.
process.on("disconnect", () => process.exit(0));

send({ type: "ready", port, limits: { ...app.weft.limits } });
