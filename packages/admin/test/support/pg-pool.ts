/**
 * A suite's own PostgreSQL database (createTestDatabase) with a pg pool on it: made by the
 * beforeAll this registers, ended and dropped by its afterAll.
 */
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../src/testing/index.js";

/** What {@link usePgPool} gives a suite; read it in hooks and tests (it is set in beforeAll). */
export interface PgPoolSuite {
  readonly pool: pg.Pool;
  /** the database's URL */
  readonly url: string;
}

/**
 * Registers the hooks of a suite's database: call it at the top of the suite (file or describe),
 * before the suite's own hooks that use it. `prefix` names the database; `max` is the pool's size.
 */
export function usePgPool(prefix: string, max: number): PgPoolSuite {
  let testDb: TestDatabase | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase({ prefix });
    pool = new pg.Pool({ connectionString: testDb.url, max });
    // the drop below ends idle connections the pool may still be closing
    pool.on("error", () => {});
  });
  afterAll(async () => {
    await pool?.end();
    await testDb?.drop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("usePgPool: read it in a hook or a test");
    return value;
  };
  return {
    get pool() {
      return started(pool);
    },
    get url() {
      return started(testDb).url;
    },
  };
}
