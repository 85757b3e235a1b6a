// The demo's HTTP options (issue 16): idle keep-alive connections close after Node's 5 s, not
// fastify's 72 s, and pages are gzipped (never brotli) from 1 KiB; both can be set or turned off.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildApp, DEMO_KEEP_ALIVE_MS } from "../src/app.js";
import { openDatabase } from "../src/db/open.js";
import { seed } from "../src/db/seed.js";

const SECRET = "test-secret-test-secret-test-secret-0123456789";
let dbFile: string;
const apps: FastifyInstance[] = [];
const build = async (opts: Partial<Parameters<typeof buildApp>[0]> = {}) => {
  const app = await buildApp({ dbFile, secret: SECRET, checks: false, ...opts });
  apps.push(app);
  return app;
};

beforeAll(() => {
  dbFile = join(mkdtempSync(join(tmpdir(), "weft-demo-http-")), "demo.db");
  const { sqlite } = openDatabase(dbFile);
  seed(sqlite, { customers: 20, products: 10, orders: 50, tickets: 5 });
  sqlite.close();
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

describe("demo HTTP options", () => {
  it("closes idle keep-alive connections after 5 s by default, or after keepAliveTimeoutMs", async () => {
    expect(DEMO_KEEP_ALIVE_MS).toBe(5_000);
    expect((await build()).server.keepAliveTimeout).toBe(5_000);
    expect((await build({ keepAliveTimeoutMs: 65_000 })).server.keepAliveTimeout).toBe(65_000);
  });

  it("refuses a keepAliveTimeoutMs that is not a positive number of ms", async () => {
    for (const bad of [0, -1, Number.NaN, Infinity, "5000"]) {
      await expect(build({ keepAliveTimeoutMs: bad as number })).rejects.toThrow(/keepAliveTimeoutMs must be a positive number of milliseconds/);
    }
  });

  it("gzips a page for a browser that also accepts brotli; sends it plain with compress: false", async () => {
    const app = await build();
    const res = await app.inject({ url: "/table", headers: { "accept-encoding": "gzip, deflate, br" } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(res.rawPayload).toString()).toContain("lv-token=");
    const plain = await (await build({ compress: false })).inject({ url: "/table", headers: { "accept-encoding": "gzip, deflate, br" } });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toContain("lv-token=");
  });
});
