/**
 * `@weft/admin/testing`: helpers for testing code that uses the admin — a PostgreSQL server
 * (found or started privately), a throw-away database per test, and a login through the admin's
 * form for HTTP and WebSocket clients. Needs `pg` (an optional peer dependency of @weft/admin).
 * @packageDocumentation
 */
export {
  createTestDatabase,
  findPostgresServer,
  startPostgresCluster,
  urlFromPgEnv,
  withDatabase,
  type FindPostgresOptions,
  type PostgresServer,
  type TestDatabase,
} from "./postgres.js";
export { loginCookie, type LoginCookieOptions } from "./login.js";
