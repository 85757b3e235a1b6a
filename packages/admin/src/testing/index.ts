/**
 * `@weft/admin/testing`: helpers for testing code that uses the admin — a PostgreSQL server
 * (found or started privately) and a throw-away database per test. Needs `pg` (an optional
 * peer dependency of @weft/admin).
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
