/**
 * Registering the admin in an app: the mistakes that used to fail silently or late (weft left
 * without the site's sessions made every login loop back to the login page) stop the start with
 * coded errors, and weft's security headers go on the admin's routes, not the app's others.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { weft, WeftError } from "@weft/server";
import { AdminSite, adminErrorCodes, adminPlugin, WeftAdminError } from "../src/index.js";
import { AdminSessions, adminAuthRoutes } from "../src/auth/index.js";
import { SECRET } from "../../server/test/helpers.js";
import { startAdmin } from "./support.js";

const orders = sqliteTable("orders", { id: integer("id").primaryKey(), number: text("number").notNull() });

function newSite() {
  const sqlite = new Database(":memory:");
  sqlite.exec("create table orders (id integer primary key, number text not null);");
  const site = new AdminSite({ db: drizzle(sqlite), sqlite });
  site.register(orders, { app: "shop" });
  return site;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

/** The error the registrations made by `setup` stop the start with. */
async function startError(setup: (app: FastifyInstance) => PromiseLike<unknown> | void): Promise<WeftAdminError> {
  const app = Fastify({ logger: false });
  apps.push(app);
  const err = await (async () => {
    await setup(app);
    await app.ready();
  })().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the start should fail").toBeInstanceOf(WeftAdminError);
  expect(err).toBeInstanceOf(WeftError);
  expect(Object.keys(adminErrorCodes)).toContain((err as WeftAdminError).code);
  return err as WeftAdminError;
}

describe("registering the admin", () => {
  it("after weft registered without `sessions: site.sessions`: a coded error that says so", async () => {
    const site = newSite();
    const err = await startError(async (app) => {
      await app.register(weft, { secret: SECRET });
      await app.register(adminPlugin, { site });
    });
    expect(err.code).toBe("WEFT_ADMIN_ERR_SESSIONS_MISMATCH");
    expect(err.message).toContain("register weft with `sessions: site.sessions`");
    // the same for the login routes alone, with other sessions than weft's
    const other = await startError(async (app) => {
      await app.register(weft, { secret: SECRET, sessions: new AdminSessions({ db: site.db }) });
      await app.register(adminAuthRoutes, { sessions: site.sessions, users: site.users });
    });
    expect(other.code).toBe("WEFT_ADMIN_ERR_SESSIONS_MISMATCH");
  });

  it("without weft: a coded error naming both registrations", async () => {
    const err = await startError((app) => app.register(adminPlugin, { site: newSite() }));
    expect(err.code).toBe("WEFT_ADMIN_ERR_WEFT_MISSING");
    expect(err.message).toContain("sessions: site.sessions");
  });

  it("puts weft's headers on the admin's routes and leaves the app's other routes alone", async () => {
    const { app, base } = await startAdmin(newSite(), { setup: (a) => a.get("/plain", async () => ({ ok: true })) });
    apps.push(app);
    const login = await fetch(base + "/admin/login/");
    expect(login.status).toBe(200);
    expect(login.headers.get("content-security-policy")).toContain("script-src 'self'");
    const guarded = await fetch(base + "/admin/", { redirect: "manual" });
    expect(guarded.status).toBe(302);
    expect(guarded.headers.get("content-security-policy")).toContain("script-src 'self'");
    const api = await fetch(base + "/admin/api/dashboard/widgets/");
    expect(api.headers.get("content-security-policy")).toContain("script-src 'self'");
    const plain = await fetch(base + "/plain");
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-security-policy")).toBeNull();
  });
});
