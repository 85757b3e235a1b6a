/**
 * `site.ready()` / `AdminSite.create()`: the one start-up path of both engines. On a fresh
 * PostgreSQL database (createTestDatabase) a site used before it is ready fails with
 * `WEFT_ADMIN_ERR_NOT_READY` (its stores, adminPlugin, a job worker) and creates nothing;
 * `ready()` applies the admin's migrations (once, from processes starting together), after
 * which a user created through it logs in over real HTTP. SQLite keeps migrating in the
 * constructor; `ready()` resolves there at once. An unreachable server rejects and retries.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import Fastify from "fastify";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { AdminSite, adminErrorCodes, adminPlugin, migrateAdmin } from "../src/index.js";
import { startJobWorker } from "../src/jobs/index.js";
import { ADMIN_MIGRATIONS_TABLE, journal } from "../src/migrate/index.js";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.js";
import { login, startAdmin } from "./support.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A fresh PostgreSQL database and `n` pools on it (closed, then the database dropped, after the file). */
async function freshPg(n = 1): Promise<{ db: TestDatabase; pools: pg.Pool[] }> {
  const db = await createTestDatabase({ prefix: "site_ready" });
  const pools = Array.from({ length: n }, () => {
    const p = new pg.Pool({ connectionString: db.url, max: 3 });
    p.on("error", () => {});
    return p;
  });
  cleanups.push(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await db.drop();
  });
  return { db, pools };
}

const adminTablesIn = async (pool: pg.Pool) =>
  (await pool.query<{ n: string }>("select count(*) n from information_schema.tables where table_schema = 'public' and table_name like 'weft\\_%'")).rows[0]!.n;

const notReady = (what: string) => expect.objectContaining({ code: "WEFT_ADMIN_ERR_NOT_READY", message: expect.stringContaining(`${what} was used before the site was ready`) });

describe("site.ready() on PostgreSQL", () => {
  it("before it: the stores, adminPlugin and a job worker fail with WEFT_ADMIN_ERR_NOT_READY and create nothing", async () => {
    const { pools } = await freshPg();
    const site = new AdminSite({ db: drizzlePg({ client: pools[0]! }) });
    expect(Object.keys(adminErrorCodes)).toContain("WEFT_ADMIN_ERR_NOT_READY");
    expect(() => site.users).toThrow(notReady("site.users"));
    expect(() => site.sessions).toThrow(notReady("site.sessions"));
    expect(() => site.tokens).toThrow(notReady("site.tokens"));
    expect(() => site.users).toThrow(/await site\.ready\(\)/);
    const app = Fastify();
    await expect(app.register(adminPlugin, { site }).ready()).rejects.toMatchObject({ code: "WEFT_ADMIN_ERR_NOT_READY" });
    await app.close();
    const logger = { error() {}, warn() {}, info() {}, debug() {} };
    // before touching Redis (none answers on port 1)
    expect(() => startJobWorker(site, { redisUrl: "redis://127.0.0.1:1", logger })).toThrow(notReady("startJobWorker"));
    expect(await adminTablesIn(pools[0]!)).toBe("0");
  });

  it("applies the admin's migrations; a user made then logs in over HTTP; a second call applies nothing", async () => {
    const { pools } = await freshPg();
    const site = new AdminSite({ db: drizzlePg({ client: pools[0]! }), title: "Ready" });
    const first = site.ready();
    expect(site.ready()).toBe(first); // one migration run, shared
    expect(await first).toBe(site);
    expect(Number(await adminTablesIn(pools[0]!))).toBeGreaterThan(5);
    await site.users.createUser({ username: "ops", password: "ops-pass", isStaff: true, isSuperuser: true });
    const { app, base } = await startAdmin(site);
    cleanups.push(() => app.close());
    const jar = await login(base, "ops");
    const home = await jar.fetch("/admin/");
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Ready");
    expect(await site.ready()).toBe(site);
  });

  it("processes starting together (a pool each, AdminSite.create) apply the migrations once", async () => {
    const { pools } = await freshPg(3);
    const sites = await Promise.all(pools.map((p) => AdminSite.create({ db: drizzlePg({ client: p }) })));
    const { rows } = await pools[0]!.query(`select count(*)::int n from drizzle."${ADMIN_MIGRATIONS_TABLE}"`);
    expect(rows[0].n).toBe(journal("pg").length);
    for (const s of sites) expect(await s.users.getUserByUsername("nobody")).toBeNull();
  });

  it("a site over a pool migrateAdmin already ran on is ready at once (the older path keeps working)", async () => {
    const { pools } = await freshPg();
    await migrateAdmin(drizzlePg({ client: pools[0]! }));
    const site = new AdminSite({ db: drizzlePg({ client: pools[0]! }) });
    expect(await site.users.getUserByUsername("nobody")).toBeNull();
  });

  it("an unreachable server: ready() rejects with the driver's error, the site stays not ready, the next call tries again", async () => {
    const pool = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:1/none", max: 1, connectionTimeoutMillis: 5_000 });
    pool.on("error", () => {});
    cleanups.push(() => pool.end());
    const site = new AdminSite({ db: drizzlePg({ client: pool }) });
    await expect(site.ready()).rejects.toThrow(/ECONNREFUSED/);
    expect(() => site.users).toThrow(notReady("site.users"));
    await expect(site.ready()).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("site.ready() on SQLite", () => {
  it("the constructor migrates as before (the stores work at once); ready() and AdminSite.create resolve at once", async () => {
    const sqlite = new Database(":memory:");
    cleanups.push(async () => void sqlite.close());
    const site = new AdminSite({ db: drizzle(sqlite) });
    expect(await site.users.getUserByUsername("nobody")).toBeNull();
    expect(await site.ready()).toBe(site);
    const other = await AdminSite.create({ db: drizzle(sqlite), id: "other" });
    expect(await other.users.createUser({ username: "lite", password: "lite-pass" })).toMatchObject({ username: "lite" });
  });
});
