/**
 * The peer bench's LiveViewJS 0.8.1 child: express + `@liveviewjs/express` serving the
 * counter, the 50-row table and the KPI tile (lvjs-views.ts) on 127.0.0.1 (ephemeral port),
 * with a `ws` server on `/live/websocket`. It answers the same IPC requests as the Weft child
 * (server.ts: `cpu`, `mem`, `views`, `publish`, `ticker`, `stop`), so the same
 * {@link ServerHandle} and the same figures drive both.
 *
 * Usage: `node --expose-gc lvjs-server.js <dbFile> <secret> <limits JSON (ignored)>`.
 *
 * Wiring bugs of LiveViewJS 0.8.1 worked around here (see docs/benchmarks.md, "Peers"):
 *
 * 1. `WsHandler` subscribes to the socket's close with `() => this.close` (returns the method
 *    instead of calling it), so a closed socket's view is never shut down and its PubSub
 *    subscriptions stay. The next publish renders that view and sends on the closed socket;
 *    `ws` reports the failure to the send callback, which is `this.maybeHandleError`
 *    passed unbound, so it throws a TypeError in a `process.nextTick`: the process dies.
 *    Here the adaptor calls `handler.close()` itself on close, and never sends on a socket
 *    that is not open.
 * 2. Importing `liveviewjs` fetches the MIME database from cdn.jsdelivr.net (`Mime.load`); with
 *    no network it logs the failed fetch once per process (harmless for these views).
 * 3. `NodeExpressLiveViewServer.httpMiddleware` reads `req.session` (express-session). A
 *    fresh `{}` per request stands in for it: LiveViewJS puts the CSRF token in it and signs
 *    it into the page (JWT), so no server-side session store is needed, and none is kept
 *    per page view (as in Weft's bench, where sessions live in SQLite, not in memory).
 */
import { EventEmitter } from "node:events";
import http from "node:http";
import express from "express";
import { NodeExpressLiveViewServer, NodeFileSystemAdatptor, NodeJwtSerDe } from "@liveviewjs/express";
import { html, safe, SessionFlashAdaptor, SingleProcessPubSub, WsHandler, type LiveViewRouter, type WsAdaptor } from "liveviewjs";
import { WebSocketServer, WebSocket } from "ws";
import { countOrdersToday } from "@weft/admin-demo/dist/db/queries.js";
import { openDatabase } from "@weft/admin-demo/dist/db/open.js";
import { cpuReader, memoryAfterGc, orderTicker } from "../child-stats.js";
import type { ServerMessage, ServerRequest } from "../server.js";
import { connected, counter, kpi, table } from "./lvjs-views.js";

const [dbFile, secret] = process.argv.slice(2);
if (!dbFile || !secret || !process.send) {
  console.error("usage: fork(lvjs-server.js, [dbFile, secret, limitsJson]) with an IPC channel");
  process.exit(2);
}
const send = (m: ServerMessage) => process.send!(m);
// SingleProcessPubSub adds one listener per subscribed view to one module-level emitter:
// without this, Node warns (MaxListenersExceededWarning) once more than 10 views subscribe.
EventEmitter.defaultMaxListeners = 0;

const { sqlite, db } = openDatabase(dbFile);
const router: LiveViewRouter = {
  "/counter": counter,
  "/table": table,
  "/kpi": kpi(() => countOrdersToday(db)),
};
const pubSub = new SingleProcessPubSub();
const page = (_title: unknown, csrfToken: string, content: unknown) =>
  html`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="csrf-token" content="${csrfToken}"><title>LiveViewJS bench</title></head><body>${safe(content as string)}</body></html>`;
/** What `wsMiddleware()` would give each WsHandler (its fields are private, so built here). */
const config = {
  router,
  serDe: new NodeJwtSerDe(secret),
  flashAdaptor: new SessionFlashAdaptor(),
  fileSysAdaptor: new NodeFileSystemAdatptor(),
  pubSub,
};
const lv = new NodeExpressLiveViewServer(router, page, { title: "LiveViewJS bench" }, { serDe: config.serDe, pubSub });

/** `ws` socket → LiveViewJS, with the close and send fixes described above. */
class FixedWsAdaptor implements WsAdaptor {
  constructor(private ws: WebSocket) {}
  subscribeToMessages(listener: (data: Buffer, isBinary: boolean) => void): void {
    this.ws.on("message", listener);
  }
  subscribeToClose(): void {
    // WsHandler's own listener does nothing (bug 1); see the connection handler
  }
  send(message: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(message);
  }
}

const app = express();
app.use((req, _res, next) => {
  (req as unknown as { session: object }).session = {};
  next();
});
app.use(lv.httpMiddleware());
const server = http.createServer(app);
const wss = new WebSocketServer({ server, path: "/live/websocket", perMessageDeflate: false });
wss.on("connection", (ws) => {
  const handler = new WsHandler(new FixedWsAdaptor(ws), config);
  ws.on("close", () => void handler.close());
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const { port } = server.address() as { port: number };

const readCpu = cpuReader();
const publish = (msg: unknown) => pubSub.broadcast("orders", msg as { type: string });
const ticker = orderTicker();

process.on("message", async (req: ServerRequest) => {
  try {
    switch (req.cmd) {
      case "cpu":
        return send({ type: "reply", id: req.id, ...readCpu() });
      case "mem":
        return send({ type: "reply", id: req.id, mem: await memoryAfterGc(), views: connected.views });
      case "views":
        return send({ type: "reply", id: req.id, views: connected.views });
      case "publish":
        await publish(req.msg);
        return send({ type: "reply", id: req.id });
      case "ticker":
        return send({ type: "reply", id: req.id, published: ticker.set(req.ms, publish) });
      case "stop":
        ticker.stop();
        for (const ws of wss.clients) ws.terminate();
        await new Promise((r) => server.close(r));
        sqlite.close();
        send({ type: "reply", id: req.id });
        return process.disconnect();
      default:
        throw new Error(`the LiveViewJS child does not answer ${req.cmd}`);
    }
  } catch (err) {
    send({ type: "reply", id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});
process.on("disconnect", () => process.exit(0));

send({ type: "ready", port, limits: {} });
