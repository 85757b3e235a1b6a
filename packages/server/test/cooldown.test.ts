// The flood's fix (issue 10): a socket whose first frame is junk is closed at once (4400), and a
// session whose socket was closed for abuse (that, or 4429) gets HTTP 429 on its next socket
// upgrades for `abuseCooldownMs`, before any frame is read; other sessions are never touched.
import type { IncomingMessage } from "node:http";
import Fastify from "fastify";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { weft, type WeftOptions } from "../src/index.js";
import { AbuseCooldown } from "../src/transport/cooldown.js";
import { Client, getPage, SECRET } from "./helpers.js";
import { Counter } from "./fixtures/views.js";
import { waitFor } from "./support/wait.js";

async function server(opts: Partial<WeftOptions> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const app = Fastify({ logger: { level: "info", stream: { write: (l: string) => void lines.push(JSON.parse(l)) } } });
  await app.register(weft, { secret: SECRET, ...opts });
  app.live("/counter", Counter);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as { port: number };
  return { app, base: `http://127.0.0.1:${port}`, lines };
}

type Srv = Awaited<ReturnType<typeof server>>;
const open: Client[] = [];
const opened = async (base: string, cookie: string) => {
  const c = await Client.open(base, cookie);
  open.push(c);
  return c;
};
/** Whether a socket upgrade with `cookie` is refused with HTTP 429. */
const refused = (base: string, cookie: string) =>
  opened(base, cookie).then(
    (c) => (c.close(), false),
    (err: Error) => {
      if (/429/.test(err.message)) return true;
      throw err;
    },
  );

/** A session that gets one of its sockets closed for sending junk first; resolves with its cookie. */
async function abuse(srv: Srv): Promise<string> {
  const page = await getPage(srv.base, "/counter");
  const c = await opened(srv.base, page.cookie);
  c.send("x".repeat(1_000));
  await c.until(() => c.closed, "close");
  expect(c.closed).toEqual({ code: 4400, reason: "not a weft frame" });
  return page.cookie;
}

let long: Srv;
beforeAll(async () => {
  // a cooldown far longer than any test: "still refused" never depends on the machine's speed
  long = await server({ limits: { abuseCooldownMs: 600_000, joinTimeoutMs: 120_000 } });
});
afterAll(async () => {
  for (const c of open) c.close();
  await long.app.close();
});

describe("junk as a socket's first frame", () => {
  it("closes the socket at once with 4400 and logs one line without a stack", async () => {
    const from = long.lines.length;
    await abuse(long);
    const mine = long.lines.slice(from).filter((l) => (l.level as number) >= 40);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: 40, refused: { code: "bad_first_frame", bytes: 1_000 } });
    expect(JSON.stringify(mine[0])).not.toMatch(/stack/);
  });

  it("a binary first frame, or an unknown frame type, is junk too", async () => {
    for (const send of [(c: Client) => c.ws.send(Buffer.from([1, 2, 3]), { binary: true }), (c: Client) => c.send('["zz",1]')]) {
      const page = await getPage(long.base, "/counter");
      const c = await opened(long.base, page.cookie);
      send(c);
      await c.until(() => c.closed, "close");
      expect(c.closed?.code).toBe(4400);
    }
  });

  it("after a well-formed first frame, a malformed one is answered with bad_frame and the socket stays", async () => {
    const page = await getPage(long.base, "/counter");
    const c = await opened(long.base, page.cookie);
    c.send(["h"]);
    c.send("not json");
    await c.until(() => c.find((f) => f[0] === "!" && f[2] === "bad_frame"), "bad_frame");
    c.join(1, page.roots[0].token, long.base + "/counter");
    await c.until(() => c.html.has(1), "render");
    expect(c.closed).toBeUndefined();
    expect(await refused(long.base, page.cookie)).toBe(false);
  });
});

describe("abuse cooldown", () => {
  it("refuses the session's next socket upgrade with 429 and Retry-After; another session is unaffected", async () => {
    const cookie = await abuse(long);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const ws = new WebSocket(long.base.replace("http", "ws") + "/live/websocket?v=1", { headers: { cookie, origin: long.base } });
      ws.once("unexpected-response", (_req, r) => (resolve(r), r.resume()));
      ws.once("open", () => reject(new Error("upgraded")));
    });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(500);
    expect(await refused(long.base, cookie)).toBe(true);
    // the page itself still renders for it (only sockets are refused), and another visitor joins and plays
    expect((await getPage(long.base, "/counter", cookie)).res.status).toBe(200);
    const other = await getPage(long.base, "/counter");
    const c = await opened(long.base, other.cookie);
    c.join(1, other.roots[0].token, long.base + "/counter");
    await c.until(() => c.html.has(1), "render");
    await c.reply(c.event(1, "inc"));
    expect(c.html.get(1)).toContain('<b id="count">1</b>');
  });

  it("a socket closed with 4429 cools its session down too", async () => {
    const page = await getPage(long.base, "/counter");
    const c = await opened(long.base, page.cookie);
    for (let i = 0; i < 20_000; i++) c.send(["h"]);
    await c.until(() => c.closed, "close", 30_000);
    expect(c.closed?.code).toBe(4429);
    expect(await refused(long.base, page.cookie)).toBe(true);
  });

  it("allows the session again once the cooldown is over", async () => {
    const short = await server({ limits: { abuseCooldownMs: 300, joinTimeoutMs: 120_000 } });
    try {
      const cookie = await abuse(short);
      // the first upgrade after the cooldown is accepted (a 429 until then): wait for it, no sleep
      await waitFor(async () => !(await refused(short.base, cookie)), "the session's socket accepted again", 10_000);
      const page = await getPage(short.base, "/counter", cookie);
      const c = await opened(short.base, cookie);
      c.join(1, page.roots[0].token, short.base + "/counter");
      await c.until(() => c.html.has(1), "render");
    } finally {
      await short.app.close();
    }
  });

  it("refuses a cooldown that is not a positive number of ms at registration", async () => {
    for (const bad of [0, -1, "10s"]) {
      const app = Fastify();
      await expect(app.register(weft, { secret: SECRET, limits: { abuseCooldownMs: bad as number } })).rejects.toMatchObject({ code: "WEFT_ERR_INVALID_OPTION", message: expect.stringMatching(/limits\.abuseCooldownMs.*positive number/) });
      await app.close().catch(() => {});
    }
  });

  it("counts per key, from the latest mark, and forgets a key once its time is over (injected clock)", () => {
    let now = 1_000;
    const cd = new AbuseCooldown(10_000, () => now);
    cd.mark("a");
    now += 4_000;
    expect(cd.left("a")).toBe(6_000);
    expect(cd.left("b")).toBe(0);
    cd.mark("a");
    now += 9_999;
    expect(cd.left("a")).toBe(1);
    now += 1;
    expect(cd.left("a")).toBe(0);
    // many expired keys are swept when new ones come
    for (let i = 0; i < 2_000; i++) cd.mark(`k${i}`);
    now += 10_000;
    cd.mark("z");
    expect((cd as unknown as { until: Map<string, number> }).until.size).toBeLessThan(1_100);
  });
});
