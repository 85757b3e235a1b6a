// The server the auth HTTP test files (auth-sessions-http, auth-login-http) drive: the admin's
// sessions and login routes on one engine (one database per call, support/engines.ts), with
// staff, non-staff, inactive and grouped users already made.
import Fastify, { type FastifyInstance } from "fastify";
import { weft } from "@weft/server";
import { adminAuthRoutes, adminCsrfToken, AdminSessions, UserStore, type AdminSession } from "../../src/auth/index.js";
import { adminTablesFor, type AdminTables } from "../../src/auth/tables.js";
import { qb, type QueryBuilder } from "../../src/query/dialect/index.js";
import { drizzleOn, openEngine, type Engine, type EngineDb } from "./engines.js";
import { Counter } from "../../../server/test/fixtures/views.js";
import { SECRET } from "../../../server/test/helpers.js";
import { Jar as CookieJar } from "../support.js";

/** A started auth server and what its tests read or change behind it. */
export interface AuthHttp {
  e: EngineDb;
  db: QueryBuilder;
  users: UserStore;
  sessions: AdminSessions;
  weftSessions: AdminTables["weftSessions"];
  weftUsers: AdminTables["weftUsers"];
  app: FastifyInstance;
  /** the server's origin, e.g. `http://127.0.0.1:41234` */
  base: string;
  close(): Promise<void>;
}

/**
 * Opens a database on `engine`, makes the users, and starts the server: weft with the admin
 * sessions, the login routes under /admin (10 POSTs a minute), `/whoami`, `/ensure`,
 * `/admin/logout-form` and the live `/counter`.
 * @param prefix - the PostgreSQL database's name prefix
 * @param onStatement - called for every statement run through drizzle
 * @param now - the sessions' clock (ms)
 */
export async function startAuthHttp(engine: Engine, prefix: string, onStatement: () => void = () => {}, now: () => number = Date.now): Promise<AuthHttp> {
  const e = await openEngine(engine, { sqlite: "", postgres: "" }, prefix);
  const logged = drizzleOn(e, { logger: { logQuery: () => onStatement() } });
  const db = qb(logged);
  const { weftSessions, weftUsers } = adminTablesFor(logged);
  const users = new UserStore(logged);
  const sessions = new AdminSessions({ db: logged, now, touchIntervalMs: 60_000 });
  await users.createUser({ username: "staff", password: "staff-pass", isStaff: true });
  await users.createUser({ username: "staff2", password: "staff2-pass", isStaff: true });
  await users.createUser({ username: "staff3", password: "staff3-pass", isStaff: true });
  await users.createUser({ username: "staff4", password: "staff4-pass", isStaff: true });
  await users.createUser({ username: "customer", password: "customer-pass" });
  const gone = await users.createUser({ username: "former", password: "former-pass", isStaff: true });
  await users.update(gone.id, { isActive: false });
  const mod = await users.createUser({ username: "mod", password: "mod-pass", isStaff: true });
  const g = await users.createGroup("moderators");
  await users.addToGroup(mod, g);
  await users.grant(g, "orders.change_order");
  await users.grant(mod, "orders.view_order");

  const app = Fastify({ logger: false });
  await app.register(weft, { secret: SECRET, sessions });
  await app.register(adminAuthRoutes, { prefix: "/admin", sessions, users, rateLimit: { max: 10 } });
  app.get("/whoami", async (req) => ({ session: await sessions.load(req) }));
  app.get("/ensure", async (req, reply) => ({ session: await sessions.ensure(req, reply) }));
  app.get("/admin/logout-form", async (req, reply) => ({ csrf: await adminCsrfToken(sessions, req, reply) }));
  app.live("/counter", Counter);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const close = async () => {
    await app.close();
    await e.close();
  };
  return { e, db, users, sessions, weftSessions, weftUsers, app, base, close };
}

/** A browser's cookie jar that can read its admin session cookie. */
export class AuthJar extends CookieJar {
  /** the raw (unsigned) session cookie value */
  get rawSession(): string {
    return decodeURIComponent(this.cookies.get("weft_admin") ?? "").replace(/\.[^.]*$/, "");
  }
}

/** The session the server loads for the jar's cookies (`GET /whoami`). */
export async function whoami(jar: CookieJar): Promise<AdminSession | null> {
  return ((await (await jar.fetch("/whoami")).json()) as { session: AdminSession | null }).session;
}
