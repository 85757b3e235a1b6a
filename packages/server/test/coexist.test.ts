// Weft inside a real fastify app that has plugins and routes of its own: the app's
// @fastify/websocket and @fastify/cookie (with and without a secret) are reused, registration
// mistakes stop the start with coded errors, and weft's security headers stay on weft's routes.
// Real servers on port 0, real HTTP requests and WebSockets.
import fastifyCookie from "@fastify/cookie";
import fastifyHelmet from "@fastify/helmet";
import fastifyWebsocket from "@fastify/websocket";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { weft, WeftError, weftErrorCodes, type WeftOptions } from "../src/index.js";
import { Client, getPage, SECRET } from "./helpers.js";
import { Counter } from "./fixtures/views.js";

const apps: FastifyInstance[] = [];
const sockets: Client[] = [];

afterEach(async () => {
  for (const c of sockets.splice(0)) c.close();
  for (const a of apps.splice(0)) await a.close();
});

/** A fastify app with `before` (the app's own plugins) run ahead of weft. */
async function hostApp(before: (app: FastifyInstance) => PromiseLike<unknown> | void, opts: Partial<WeftOptions> = {}) {
  const app = Fastify({ logger: false });
  apps.push(app);
  await before(app);
  await app.register(weft, { secret: SECRET, ...opts });
  app.live("/counter", Counter);
  app.get("/plain", async () => ({ ok: true }));
  app.get("/custom", async (req, reply) => reply.type("text/html").send(await app.weft.renderPage(req, reply, Counter)));
  await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
}

/** GETs the live page, opens the socket with its cookie and joins its view; returns the client after the first render. */
async function joinCounter(base: string) {
  const page = await getPage(base, "/counter");
  expect(page.res.status).toBe(200);
  expect(page.roots).toHaveLength(1);
  const c = await Client.open(base, page.cookie);
  sockets.push(c);
  c.join(1, page.roots[0].token, base + "/counter");
  await c.until(() => c.html.has(1) || c.closed, "first render");
  expect(c.closed).toBeUndefined();
  return { c, page };
}

/** The error `register` stops the start with. */
async function registrationError(register: (app: FastifyInstance) => void): Promise<WeftError> {
  const app = Fastify({ logger: false });
  apps.push(app);
  register(app);
  const err = await app.ready().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the registration should fail").toBeInstanceOf(WeftError);
  return err as WeftError;
}

describe("the app's own @fastify/websocket and @fastify/cookie", () => {
  it("reuses a @fastify/websocket and a @fastify/cookie with its own secret registered before weft", async () => {
    const { base } = await hostApp(async (app) => {
      await app.register(fastifyCookie, { secret: "the-host-apps-own-cookie-secret-0123456789" });
      await app.register(fastifyWebsocket);
    });
    const { c, page } = await joinCounter(base);
    expect(page.cookie).toMatch(/^weft_sid=/);
    await c.reply(c.event(1, "inc"));
    expect(c.html.get(1)).toContain('<b id="count">1</b>');
  });

  it("signs its session cookie with its own secret when the app's @fastify/cookie has none", async () => {
    const { base } = await hostApp(async (app) => {
      await app.register(fastifyWebsocket);
      await app.register(fastifyCookie);
    });
    // today's failure was a 500 `reply.signCookie is not a function` on every live page
    const { c, page } = await joinCounter(base);
    expect(page.cookie).toMatch(/^weft_sid=[\w-]+\.\S+$/);
    await c.reply(c.event(1, "inc"));
    expect(c.html.get(1)).toContain('<b id="count">1</b>');
    // a cookie signed with another key is not a session: the socket is refused
    const forged = page.cookie.replace(/\.[^.]+$/, ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    const bad = await Client.open(base, forged);
    sockets.push(bad);
    await bad.until(() => bad.closed, "refusal");
    expect(bad.closed?.code).toBe(4401);
  });

  it("enforces limits.maxFrameBytes on the app's @fastify/websocket, whatever its maxPayload", async () => {
    const { base } = await hostApp((app) => app.register(fastifyWebsocket, { options: { maxPayload: 10 * 1024 * 1024 } }), { limits: { maxFrameBytes: 2048 } });
    const { c } = await joinCounter(base);
    c.send(["e", 1, 1, "inc", { big: "x".repeat(4096) }]);
    await c.until(() => c.closed, "close");
    expect(c.closed?.code).toBe(1009);
  });
});

describe("registration mistakes are coded errors that name the fix", () => {
  it("weft registered twice, in one scope or in two", async () => {
    const twice = await registrationError((app) => app.register(weft, { secret: SECRET }).register(weft, { secret: SECRET }));
    expect(twice.code).toBe("WEFT_ERR_ALREADY_REGISTERED");
    expect(twice.message).toMatch(/register it once/);
    const siblings = await registrationError((app) => {
      app.register(async (a) => void (await a.register(weft, { secret: SECRET })));
      app.register(async (b) => void (await b.register(weft, { secret: SECRET })));
    });
    expect(siblings.code).toBe("WEFT_ERR_ALREADY_REGISTERED");
  });

  it("a missing or short secret", async () => {
    const missing = await registrationError((app) => app.register(weft, {} as WeftOptions));
    expect(missing.code).toBe("WEFT_ERR_SECRET_MISSING");
    expect(missing.message).toMatch(/pass `secret`, at least 32 characters, the same on every worker/);
    const short = await registrationError((app) => app.register(weft, { secret: "too-short" }));
    expect(short.code).toBe("WEFT_ERR_SECRET_TOO_SHORT");
    expect(short.message).toMatch(/got 9/);
    expect(Object.keys(weftErrorCodes)).toEqual(expect.arrayContaining([missing.code, short.code]));
  });

  it("options of the wrong type", async () => {
    const cases: Array<[Partial<WeftOptions>, RegExp]> = [
      [{ prefix: 42 as never }, /`prefix` must be a URL path/],
      [{ sessions: {} as never }, /`sessions` must be a SessionProvider/],
      [{ limits: { maxFrameBytes: -1 } }, /`limits.maxFrameBytes` must be a positive number/],
      [{ limits: { maxFrameSize: 1 } as never }, /`limits.maxFrameSize` must be one of maxFrameBytes/],
      [{ allowedOrigins: ["https://admin.example.com/"] }, /origins only.*`https:\/\/admin.example.com`/],
      [{ helmet: true as never }, /`helmet` must be `false`/],
      [{ tokenTtlMs: "1h" as never }, /`tokenTtlMs` must be a positive number/],
    ];
    for (const [opts, message] of cases) {
      const err = await registrationError((app) => app.register(weft, { secret: SECRET, ...opts }));
      expect(err.code, JSON.stringify(opts)).toBe("WEFT_ERR_INVALID_OPTION");
      expect(err.message).toMatch(message);
    }
  });

  it("app-wide headers asked of weft while the app registered @fastify/helmet itself", async () => {
    const err = await registrationError((app) => app.register(fastifyHelmet).register(weft, { secret: SECRET, helmet: { global: true } }));
    expect(err.code).toBe("WEFT_ERR_HELMET_CONFLICT");
  });
});

describe("security headers on weft's routes, not the app's", () => {
  it("a live route, a renderPage route and the client script get the CSP; the app's /plain does not", async () => {
    const { base } = await hostApp(() => undefined);
    const live = await getPage(base, "/counter");
    expect(live.res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(live.res.headers.get("x-frame-options")).toBe("DENY");
    const custom = await fetch(base + "/custom");
    expect(custom.status).toBe(200);
    expect(custom.headers.get("content-security-policy")).toContain("script-src 'self'");
    const script = live.html.match(/<script defer src="([^"]+)"/)![1];
    expect((await fetch(base + script)).headers.get("content-security-policy")).toContain("script-src 'self'");
    const plain = await fetch(base + "/plain");
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-security-policy")).toBeNull();
    expect(plain.headers.get("x-frame-options")).toBeNull();
  });

  it("helmet: { global: true } puts them on every route of the app", async () => {
    const { base } = await hostApp(() => undefined, { helmet: { global: true } });
    const plain = await fetch(base + "/plain");
    expect(plain.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect((await getPage(base, "/counter")).res.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("with the app's own @fastify/helmet, weft's routes still get weft's policy and the app's keep the app's", async () => {
    const { base } = await hostApp((app) => app.register(fastifyHelmet, { contentSecurityPolicy: { directives: { "script-src": ["'self'", "https://cdn.example.com"] } } }));
    expect((await fetch(base + "/plain")).headers.get("content-security-policy")).toContain("https://cdn.example.com");
    const live = (await getPage(base, "/counter")).res.headers.get("content-security-policy")!;
    expect(live).toContain("script-src 'self'");
    expect(live).not.toContain("cdn.example.com");
  });

  it("helmet: false leaves every header to the app", async () => {
    const { base } = await hostApp(() => undefined, { helmet: false });
    expect((await getPage(base, "/counter")).res.headers.get("content-security-policy")).toBeNull();
  });
});
