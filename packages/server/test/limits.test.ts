// Issue 10's limits against a real server over real sockets: every frame counts in the rate
// limit (heartbeats and junk included), a refused socket stops being read, per-session caps on
// sockets and views, one log line without a stack per refused frame.
import Fastify from "fastify";
import type { WebSocket as ServerWs } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { weft, type WeftOptions } from "../src/index.js";
import { Client, getPage, SECRET } from "./helpers.js";
import { Counter } from "./fixtures/views.js";
import { waitFor } from "./support/wait.js";

/** A server on an ephemeral port whose pino log lines are kept; the server-side sockets too. */
async function logged(opts: Partial<WeftOptions> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const app = Fastify({ logger: { level: "debug", stream: { write: (l: string) => void lines.push(JSON.parse(l)) } } });
  await app.register(weft, { secret: SECRET, ...opts });
  app.live("/counter", Counter);
  const sockets: ServerWs[] = [];
  app.ready().then(() => (app as unknown as { websocketServer: { on(e: string, f: (ws: ServerWs) => void): void } }).websocketServer.on("connection", (ws) => sockets.push(ws)));
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as { port: number };
  return { app, base: `http://127.0.0.1:${port}`, lines, sockets };
}

type Srv = Awaited<ReturnType<typeof logged>>;
let srv: Srv;
const open: Client[] = [];

beforeAll(async () => {
  // the join timeout is out of the way here; its own test sets a short one
  srv = await logged({ limits: { joinTimeoutMs: 120_000 } });
});
afterAll(async () => {
  for (const c of open) c.close();
  await srv.app.close();
});

async function client(cookie?: string) {
  const page = await getPage(srv.base, "/counter", cookie);
  const c = await Client.open(srv.base, page.cookie);
  open.push(c);
  return { c, page };
}

const frames = (c: Client, type: string) => c.frames.filter((f) => f[0] === type).length;
const errors = (c: Client, code: string) => c.frames.filter((f) => f[0] === "!" && f[2] === code).length;

describe("every frame counts in the rate limit", () => {
  it("20,000 heartbeats on one socket end in 4429 after at most burst + 4 × rate answers", async () => {
    const { c } = await client();
    for (let i = 0; i < 20_000; i++) c.send(["h"]);
    await c.until(() => c.closed, "close", 30_000);
    expect(c.closed?.code).toBe(4429);
    const answered = frames(c, "h");
    expect(answered).toBeGreaterThan(0);
    // burst 100, then 4 × 50 refused (still answered) close it, plus what the bucket refilled meanwhile
    expect(answered).toBeLessThan(400);
    console.log(`limits: 20,000 heartbeats → ${answered} answered, then close ${c.closed?.code}`);
  });

  it("20,000 junk frames on one socket end in 4429; refused ones are not answered", async () => {
    const { c } = await client();
    // after a well-formed first frame (junk as the first closes at once: cooldown.test.ts)
    c.send(["h"]);
    for (let i = 0; i < 20_000; i++) c.send(i % 2 ? "not json" : '["zz",1]');
    await c.until(() => c.closed, "close", 30_000);
    expect(c.closed?.code).toBe(4429);
    expect(errors(c, "bad_frame")).toBeGreaterThan(0);
    expect(errors(c, "bad_frame")).toBeLessThan(200);
    console.log(`limits: 20,000 junk frames → ${errors(c, "bad_frame")} answered with bad_frame, then close ${c.closed?.code}`);
  });

  it("a socket closed with 4429 is not read any more: bytes sent after it stay unread", async () => {
    const before = srv.sockets.length;
    const { c } = await client();
    // the client does not read, so it never sees the close and keeps sending
    c.ws.pause();
    const server = await waitFor(() => srv.sockets[before], "the server side of the socket");
    c.send(["h"]);
    for (let i = 0; i < 1_000; i++) c.send('["zz",1]');
    await waitFor(() => server.readyState !== server.OPEN, "the server to refuse the socket");
    const raw = (server as unknown as { _socket: import("node:net").Socket })._socket;
    const readAtRefusal = raw.bytesRead;
    const closedRead = new Promise<number>((resolve) => raw.once("close", () => resolve(raw.bytesRead)));
    // 8 MB more: far past what the kernel buffers hold, so a reader would have read most of it
    const junk = "x".repeat(60_000);
    for (let i = 0; i < 140; i++) c.send(junk);
    const readAtEnd = await closedRead;
    expect(readAtEnd - readAtRefusal).toBeLessThan(256 * 1024);
    console.log(`limits: after the 4429, ${readAtEnd - readAtRefusal} B read of the 8.4 MB sent`);
    c.ws.resume();
    await c.until(() => c.closed, "close");
  });

  it("events are still answered under the rate (a steady client is never closed)", async () => {
    const { c, page } = await client();
    c.join(1, page.roots[0].token, srv.base + "/counter");
    await c.until(() => c.html.has(1), "render");
    for (let i = 0; i < 5; i++) await c.reply(c.event(1, "inc"));
    c.send(["h"]);
    await c.until(() => frames(c, "h") === 1, "heartbeat answer");
    expect(c.closed).toBeUndefined();
    expect(c.html.get(1)).toContain('<b id="count">5</b>');
  });
});

describe("join timeout", () => {
  it("closes a socket that has joined no view within joinTimeoutMs with 4408, even while it sends heartbeats", async () => {
    const quick = await logged({ limits: { joinTimeoutMs: 400 } });
    try {
      const page = await getPage(quick.base, "/counter");
      const c = await Client.open(quick.base, page.cookie);
      const beat = setInterval(() => c.closed || c.send(["h"]), 50);
      await c.until(() => c.closed, "close");
      clearInterval(beat);
      expect(c.closed?.code).toBe(4408);
    } finally {
      await quick.app.close();
    }
  });
});

describe("per-session caps", () => {
  it("refuses the 9th socket of a session with 4409; a slot freed is taken again", async () => {
    const first = await client();
    const cookie = first.page.cookie;
    const mine = [first.c];
    for (let i = 0; i < 7; i++) mine.push((await client(cookie)).c);
    const ninth = (await client(cookie)).c;
    await ninth.until(() => ninth.closed, "the 9th socket's close");
    expect(ninth.closed?.code).toBe(4409);
    expect(mine.every((c) => !c.closed)).toBe(true);
    // another session is not affected
    const other = await client();
    other.c.join(1, other.page.roots[0].token, srv.base + "/counter");
    await other.c.until(() => other.c.html.has(1) || other.c.closed, "the other session's render");
    expect(other.c.html.has(1)).toBe(true);
    // one closes: the next socket of the session is accepted and can join
    const closedBefore = srv.sockets.filter((s) => s.readyState === s.CLOSED).length;
    mine[0].close();
    await waitFor(() => srv.sockets.filter((s) => s.readyState === s.CLOSED).length > closedBefore, "the first socket closed at the server");
    const again = await client(cookie);
    again.c.join(1, again.page.roots[0].token, srv.base + "/counter");
    await again.c.until(() => again.c.html.has(1) || again.c.closed, "render after a freed slot");
    expect(again.c.closed).toBeUndefined();
    expect(again.c.html.has(1)).toBe(true);
    for (const c of [...mine, other.c, again.c]) c.close();
  });

  it("64 views on one socket are served; the 65th join gets too_many_views", async () => {
    const { c, page } = await client();
    for (let i = 1; i <= 65; i++) c.join(i, page.roots[0].token, srv.base + "/counter");
    await c.until(() => c.html.size === 64 && errors(c, "too_many_views") === 1, "64 views and one refusal", 60_000);
    const refusal = c.find((f) => f[2] === "too_many_views");
    expect(refusal?.[1]).toBe(65);
    // every one of the 64 answers events
    await c.reply(c.event(64, "inc"));
    expect(c.html.get(64)).toContain('<b id="count">1</b>');
    c.close();
  });

  it("counts views per session over its sockets: 40 + 24 served, the next refused; a leave frees a slot", async () => {
    const a = await client();
    const b = await client(a.page.cookie);
    for (let i = 1; i <= 40; i++) a.c.join(i, a.page.roots[0].token, srv.base + "/counter");
    await a.c.until(() => a.c.html.size === 40, "40 views", 60_000);
    for (let i = 1; i <= 25; i++) b.c.join(i, a.page.roots[0].token, srv.base + "/counter");
    await b.c.until(() => b.c.html.size === 24 && errors(b.c, "too_many_views") === 1, "24 views and one refusal", 60_000);
    expect(b.c.find((f) => f[2] === "too_many_views")?.[3]).toMatch(/per session/);
    // a leave, then an event answered on the same socket: frames of a socket are read in order
    a.c.send(["l", 1]);
    await a.c.reply(a.c.event(2, "inc"));
    b.c.join(99, a.page.roots[0].token, srv.base + "/counter");
    await b.c.until(() => b.c.html.has(99) || errors(b.c, "too_many_views") > 1, "the join after a leave");
    expect(b.c.html.has(99)).toBe(true);
    a.c.close();
    b.c.close();
  });
});

describe("refused frames in the log", () => {
  it("an oversized frame writes one warn line with its code and limit, no stack", async () => {
    const { c } = await client();
    const from = srv.lines.length;
    c.send(["e", 1, 1, "inc", { big: "x".repeat(70_000) }]);
    await c.until(() => c.closed, "close");
    expect(c.closed?.code).toBe(1009);
    await waitFor(() => srv.lines.length > from, "a log line");
    const mine = srv.lines.slice(from).filter((l) => (l.level as number) >= 40);
    expect(mine).toHaveLength(1);
    expect(mine[0].level).toBe(40);
    expect(mine[0].refused).toEqual({ code: "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH", limit: 65_536 });
    expect(JSON.stringify(mine[0])).not.toMatch(/stack|\n\s+at /);
  });

  it("a socket that sent an oversized frame is not read any more and is gone within the close grace, answered or not", async () => {
    const before = srv.sockets.length;
    const { c } = await client();
    const server = await waitFor(() => srv.sockets[before], "the server side of the socket");
    // the client does not read: it never answers the server's close frame
    c.ws.pause();
    c.send(["e", 1, 1, "inc", { big: "x".repeat(70_000) }]);
    // ws alone would keep reading until the peer's close or its 30 s close timer
    await waitFor(() => server.readyState === server.CLOSED, "the server to drop the socket", 10_000);
    c.ws.resume();
    await c.until(() => c.closed, "close");
    expect(c.closed?.code).toBe(1009);
  });

  it("malformed frames write one warn line per socket, no stack", async () => {
    const { c } = await client();
    const from = srv.lines.length;
    c.send(["h"]);
    for (let i = 0; i < 20; i++) c.send("not json");
    await c.until(() => errors(c, "bad_frame") === 20, "20 bad_frame answers");
    const mine = srv.lines.slice(from).filter((l) => (l.level as number) >= 40);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: 40, refused: { code: "bad_frame", bytes: 8 } });
    expect(JSON.stringify(mine[0])).not.toMatch(/stack/);
    c.close();
  });
});
