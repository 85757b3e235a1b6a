// Issue 16: nothing retained per page view. A disconnected HTTP render keeps no per-visitor state
// in the server beyond what the visitor's cookie and token carry (both signed, stateless), and
// 200 page loads on keep-alive connections left idle change no count of weft's internal maps,
// sets, arrays or timers. Counts, not timings or RSS: each of these would grow by one per visit
// if a render left something behind.
import http from "node:http";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveView } from "../src/index.js";
import { startServer } from "./helpers.js";
import { Child, Counter, Parent, SecretChild } from "./fixtures/views.js";

/**
 * Sizes of every Map, Set and array reachable from `root` (own properties, depth-first, each
 * object once), by path: weft's registries, route tables, template caches, the channel layer's
 * store and topics, the token signer.
 */
function census(root: unknown): Map<string, number> {
  const sizes = new Map<string, number>();
  const seen = new Set<unknown>();
  const walk = (v: unknown, path: string, depth: number) => {
    if (v === null || typeof v !== "object" || seen.has(v) || depth > 8) return;
    seen.add(v);
    if (v instanceof Map || v instanceof Set) sizes.set(path, v.size);
    else if (Array.isArray(v)) sizes.set(path, v.length);
    if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return;
    const entries = v instanceof Map ? [...v.entries()].map(([k, x], i) => [`${i}:${String(k)}`, x] as const) : v instanceof Set ? [...v].map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (const [k, x] of entries) walk(x, `${path}.${k}`, depth + 1);
  };
  walk(root, "weft", 0);
  return sizes;
}

/** Timers alive in the process (`setTimeout` / `setInterval` not yet run or cleared). */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

/** GETs `path` on a connection of its own and leaves it open and idle; resolves with the status. */
function visit(agent: http.Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
      })
      .on("error", reject);
  });
}

/** A view that subscribes and starts a timer in mount: on a disconnected render, weft keeps neither. */
class Subscriber extends LiveView<{ n: number }> {
  mount() {
    this.subscribe(`visits:${this.session.id}`);
    return { n: 0 };
  }
  render() {
    return `<p>${this.assigns.n}</p>`;
  }
}

describe("idle keep-alive page loads", () => {
  let app: FastifyInstance;
  let port: number;
  const agents: http.Agent[] = [];
  const idle = (n: number, path: string) =>
    Promise.all(
      Array.from({ length: n }, () => {
        const a = new http.Agent({ keepAlive: true, maxSockets: 1 });
        agents.push(a);
        return visit(a, port, path);
      }),
    );
  const openSockets = () => agents.reduce((s, a) => s + Object.values(a.freeSockets).reduce((x, l) => x + (l?.length ?? 0), 0), 0);

  beforeAll(async () => {
    ({ app, port } = await startServer({ "/counter": Counter, "/parent": Parent, "/sub": Subscriber }));
    // the parent page renders two nested views (one refused for a session without `admin`)
    app.weft.register(Child);
    app.weft.register(SecretChild);
  });
  afterAll(async () => {
    for (const a of agents) a.destroy();
    await app.close();
  });

  it("200 GETs on keep-alive connections left idle leave weft's maps, sets, arrays and timers as they were", async () => {
    // warm up: the first render of each class registers it and compiles its template
    expect(await idle(3, "/counter")).toEqual([200, 200, 200]);
    expect(await idle(3, "/parent")).toEqual([200, 200, 200]);
    expect(await idle(3, "/sub")).toEqual([200, 200, 200]);
    const before = census(app.weft);
    const timersBefore = timers();
    const sockets = openSockets();
    for (let i = 0; i < 4; i++) {
      const statuses = await idle(50, ["/counter", "/parent", "/sub", "/counter"][i]);
      expect(statuses.every((s) => s === 200)).toBe(true);
    }
    // the 200 connections are still open and idle: the server holds them, and nothing else
    expect(openSockets()).toBe(sockets + 200);
    expect(Object.fromEntries(census(app.weft))).toEqual(Object.fromEntries(before));
    // Node's keep-alive timeouts are not Timeout resources; a timer left per visit would add 200
    expect(timers() - timersBefore).toBeLessThan(10);
    expect(app.weft.connectedViews()).toBe(0);
  });

  it("the census sees weft's registries: registering a view class changes it (the test can fail)", () => {
    const before = census(app.weft);
    class Extra extends LiveView<{}> {
      mount() {}
      render() {
        return "<p>extra</p>";
      }
    }
    app.weft.register(Extra);
    expect(Object.fromEntries(census(app.weft))).not.toEqual(Object.fromEntries(before));
  });
});
