// One WebSocket frame for many sockets (transport/wire.ts): a frame shared by a group of views
// is framed once and written as the same Buffer to every plain socket; a socket with
// permessage-deflate or unsent bytes goes through ws as before; a socket closed in the middle
// of a fan-out is skipped. Real servers and sockets; the server's side is watched by wrapping
// its sockets' `write` / `send`.
import type { Socket } from "node:net";
import Fastify from "fastify";
import fastifyWebsocket from "@fastify/websocket";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { LiveView, weft, type Params } from "../src/index.js";
import { stringFrame, textFrame } from "../src/transport/wire.js";
import { Client, getPage, SECRET, startServer } from "./helpers.js";

/** A KPI tile of one shared state; `pad` repeats the count's last digit (a big delta per push). */
class Tile extends LiveView<{ count: number; pad: number }> {
  static shared = true;
  mount(params: Params) {
    this.subscribe("tile");
    return { count: 0, pad: Number(params.pad ?? 0) };
  }
  render() {
    return `<b>${this.assigns.count}</b><p>${String(this.assigns.count % 10).repeat(this.assigns.pad)}</p>`;
  }
  handleInfo(msg: unknown) {
    this.assign({ count: (msg as { count: number }).count });
  }
}

type Server = Awaited<ReturnType<typeof startServer>>;
type ServerWs = WebSocket & { _socket: Socket };
let servers: Server[] = [];
const open: Client[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.app.close();
});

const serverSockets = (srv: Server) => [...(srv.app as unknown as { websocketServer: { clients: Set<ServerWs> } }).websocketServer.clients];

/**
 * Records what the server writes to each socket: `ws.send` calls, the chunks given to its TCP
 * socket, and those of them written outside `ws.send` (the shared path).
 */
function watch(ws: ServerWs) {
  const seen = { writes: [] as unknown[], direct: [] as unknown[], sends: 0 };
  let inSend = false;
  const write = ws._socket.write.bind(ws._socket);
  ws._socket.write = ((chunk: unknown, ...rest: never[]) => {
    seen.writes.push(chunk);
    if (!inSend) seen.direct.push(chunk);
    return write(chunk as Buffer, ...rest);
  }) as Socket["write"];
  const send = ws.send.bind(ws);
  ws.send = ((...args: Parameters<WebSocket["send"]>) => {
    seen.sends++;
    inSend = true;
    try {
      send(...args);
    } finally {
      inSend = false;
    }
  }) as WebSocket["send"];
  return seen;
}

/** `n` viewers of the tile on `srv`, joined; `deflate` asks for permessage-deflate. */
async function viewers(srv: Server, n: number, opts: { deflate?: boolean; pad?: number } = {}): Promise<Client[]> {
  const path = `/tile?pad=${opts.pad ?? 0}`;
  return Promise.all(
    Array.from({ length: n }, async () => {
      const page = await getPage(srv.base, path);
      const ws = new WebSocket(srv.base.replace("http", "ws") + "/live/websocket?v=1", { headers: { cookie: page.cookie, origin: srv.base }, perMessageDeflate: opts.deflate ?? false });
      const c = new Client(ws);
      await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
      open.push(c);
      c.join(1, page.roots[0].token, srv.base + path);
      await c.until(() => c.html.get(1)?.startsWith("<b>0</b>"), "join");
      return c;
    }),
  );
}

async function server(opts: Parameters<typeof startServer>[1] = {}): Promise<Server> {
  const srv = await startServer({ "/tile": Tile }, { limits: { joinTimeoutMs: 60_000 }, ...opts });
  servers.push(srv);
  return srv;
}

const push = (srv: Server, count: number) => srv.app.weft.services.pubsub.publish("tile", { count });

describe("one frame for many sockets", () => {
  it("N viewers of one tile get byte-identical frames: one Buffer, written once per socket, ws bypassed", async () => {
    const srv = await server();
    const cs = await viewers(srv, 12);
    const seen = serverSockets(srv).map(watch);
    await push(srv, 7);
    await Promise.all(cs.map((c) => c.until(() => c.html.get(1)?.startsWith("<b>7</b>"), "the push")));
    const payload = cs[0].raw.at(-1)!;
    for (const c of cs) expect(c.raw.at(-1)).toBe(payload);
    expect(seen).toHaveLength(12);
    const first = seen[0].writes[0] as Buffer;
    for (const s of seen) {
      expect(s.sends).toBe(0);
      expect(s.writes).toHaveLength(1);
      expect(s.direct).toHaveLength(1);
      // the very same Buffer object for every socket: framed once
      expect(s.writes[0]).toBe(first);
    }
    // a final unmasked text frame of the payload
    expect(first.equals(textFrame(Buffer.from(payload)))).toBe(true);
    expect(first[0]).toBe(0x81);
    expect(first[1]).toBe(Buffer.byteLength(payload));
  });

  it("frames payloads of every length class as ws does (7-bit, 16-bit and 64-bit lengths)", () => {
    for (const n of [0, 125, 126, 65_535, 65_536, 70_000]) {
      const f = textFrame(Buffer.alloc(n, 0x61));
      const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
      expect(f.length).toBe(head + n);
      expect(f[0]).toBe(0x81);
      expect(f[1]).toBe(n < 126 ? n : n < 65_536 ? 126 : 127);
      if (head === 4) expect(f.readUInt16BE(2)).toBe(n);
      if (head === 10) expect(Number(f.readBigUInt64BE(2))).toBe(n);
      expect(f.subarray(head).every((b) => b === 0x61)).toBe(true);
    }
  });

  it("frames a string as the text frame of its UTF-8 bytes, across the 7-bit / 16-bit length boundary", () => {
    for (const text of ["", '["ad",1,11,[79,1,"1"]]', "a".repeat(125), "a".repeat(126), "é".repeat(62) + "a", "é".repeat(63), "€".repeat(41) + "ab", "x".repeat(70_000)]) {
      const f = stringFrame(text);
      expect(f.equals(textFrame(Buffer.from(text, "utf8")))).toBe(true);
      expect(new TextDecoder().decode(f.subarray(f.length - Buffer.byteLength(text)))).toBe(text);
    }
  });

  it("sockets with permessage-deflate go through ws (compressed per socket) and get the same text as the others", async () => {
    const app = Fastify({ logger: false });
    // the app's own @fastify/websocket, with compression (weft reuses it); threshold 0: every frame compressed
    await app.register(fastifyWebsocket, { options: { perMessageDeflate: { threshold: 0 } } });
    await app.register(weft, { secret: SECRET, limits: { joinTimeoutMs: 60_000 } });
    app.live("/tile", Tile);
    await app.listen({ port: 0, host: "127.0.0.1" });
    const srv = { app, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, port: 0 };
    servers.push(srv);
    const compressed = await viewers(srv, 4, { deflate: true, pad: 300 });
    const plain = await viewers(srv, 4, { pad: 300 });
    const socks = serverSockets(srv);
    const seen = new Map(socks.map((ws) => [ws, watch(ws)]));
    for (let n = 1; n <= 5; n++) await push(srv, n);
    const all = [...compressed, ...plain];
    await Promise.all(all.map((c) => c.until(() => c.html.get(1)?.startsWith("<b>5</b>"), "the pushes")));
    // nothing lost: every viewer saw every push, in order, with the same bytes
    const pushes = (c: Client) => c.raw.slice(1); // after the join's render
    for (const c of all) expect(pushes(c)).toEqual(pushes(plain[0]));
    expect(pushes(plain[0])).toHaveLength(5);
    // the shared frames: written to the plain sockets outside ws.send
    const shared = new Set([...seen].filter(([ws]) => !ws.extensions).flatMap(([, s]) => s.direct));
    expect(shared.size).toBe(5);
    for (const [ws, s] of seen) {
      if (ws.extensions) {
        expect(ws.extensions).toContain("permessage-deflate");
        expect(s.sends).toBe(5);
        // (ws writes compressed frames after zlib's callback, outside ws.send: none is a shared one)
        expect(s.writes.filter((w) => shared.has(w))).toEqual([]);
        // compressed frames carry RSV1: ws built them, not the shared path
        expect(s.writes.some((w) => Buffer.isBuffer(w) && (w[0]! & 0x40) !== 0)).toBe(true);
      } else expect([s.sends, s.direct.length]).toEqual([0, 5]);
    }
    expect([...seen.keys()].filter((ws) => ws.extensions)).toHaveLength(4);
  });

  it("a socket with unsent bytes goes through ws; its renders are held back and the newest state arrives, nothing out of order", async () => {
    const srv = await server({ limits: { joinTimeoutMs: 60_000, maxBufferedBytes: 64 * 1024, dropBufferedBytes: 512 * 1024 * 1024 } });
    const [slow, fast] = await viewers(srv, 2, { pad: 32 * 1024 });
    const slowTcp = (slow.ws as unknown as { _socket: Socket })._socket;
    const serverSide = serverSockets(srv);
    slowTcp.pause();
    // the server's side of the slow socket: the one whose peer port is the slow client's
    const slowWs = serverSide.find((ws) => ws._socket.remotePort === slowTcp.localPort)!;
    const seen = watch(slowWs);
    // push until the kernel's buffers are full and the server holds bytes for the slow socket
    let n = 0;
    while (slowWs.bufferedAmount <= 64 * 1024 && n < 20_000) {
      await push(srv, ++n);
      await fast.until(() => fast.html.get(1)?.startsWith(`<b>${n}</b>`), "the fast viewer's push");
    }
    expect(slowWs.bufferedAmount).toBeGreaterThan(64 * 1024);
    // once bytes were left unsent, frames went through ws (the last ones before the limit)
    expect(seen.sends).toBeGreaterThan(0);
    const before = { writes: seen.writes.length, sends: seen.sends };
    for (let k = 0; k < 20; k++) await push(srv, ++n);
    await fast.until(() => fast.html.get(1)?.startsWith(`<b>${n}</b>`), "the fast viewer's last push");
    // while congested the slow viewer's renders are held back (limits.ts): nothing more is written
    expect({ writes: seen.writes.length, sends: seen.sends }).toEqual(before);
    slowTcp.resume();
    await slow.until(() => slow.html.get(1)?.startsWith(`<b>${n}</b>`), "the newest state", 60_000);
    expect(slow.html.get(1)).toBe(fast.html.get(1));
    // every frame decoded (the Client throws on a torn one), counts only go up
    const counts = slow.raw.filter((r) => r.startsWith('["d"')).map((r) => Number(/<b>(\d+)<\/b>/.exec(r)?.[1] ?? -1)).filter((x) => x >= 0);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.length).toBeLessThan(n);
  });

  it("a socket closed in the middle of a fan-out is skipped without error; the others get the push", async () => {
    const srv = await server();
    const cs = await viewers(srv, 10);
    const socks = serverSockets(srv);
    const ports = new Map(socks.map((ws) => [ws, ws._socket.remotePort]));
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on("uncaughtException", onError);
    process.on("unhandledRejection", onError);
    try {
      // the first socket written to terminates two not written yet, mid fan-out
      let victims: ServerWs[] = [];
      const written = new Set<ServerWs>();
      for (const ws of socks) {
        const write = ws._socket.write.bind(ws._socket);
        ws._socket.write = ((chunk: Buffer, ...rest: never[]) => {
          written.add(ws);
          if (!victims.length) {
            victims = socks.filter((o) => !written.has(o)).slice(0, 2);
            for (const v of victims) v.terminate();
          }
          return write(chunk, ...rest);
        }) as Socket["write"];
      }
      await push(srv, 3);
      // a client that got the push: the fan-out's first write happened
      await Promise.any(cs.map((c) => c.until(() => c.html.get(1)?.startsWith("<b>3</b>"), "the push")));
      expect(victims).toHaveLength(2);
      const survivors = cs.filter((c) => !victims.some((v) => ports.get(v) === (c.ws as unknown as { _socket: Socket })._socket.localPort));
      expect(survivors).toHaveLength(8);
      await Promise.all(survivors.map((c) => c.until(() => c.html.get(1)?.startsWith("<b>3</b>"), "the push")));
      await srv.app.weft.services.pubsub.publish("tile", { count: 4 });
      await Promise.all(survivors.map((c) => c.until(() => c.html.get(1)?.startsWith("<b>4</b>"), "the next push")));
      await survivors[0].until(() => srv.app.weft.connectedViews() === 8, "the closed sockets' views stopped");
      expect(errors).toEqual([]);
    } finally {
      process.off("uncaughtException", onError);
      process.off("unhandledRejection", onError);
    }
  });
});
