/**
 * PostgreSQL's query budget: `statement_timeout` on the pool's connections (pgBudget), and its
 * cancel (SQLSTATE 57014) read as the same QueryTimeoutError as SQLite's read pool.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { QueryTimeoutError, allReads, dialectOf, isQueryTimeout, pgBudget, queryTimeoutOf, siteReads } from "../src/query/index.js";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.js";

let testDb: TestDatabase;
let HOST: { connectionString: string };

beforeAll(async () => {
  testDb = await createTestDatabase({ prefix: "budget" });
  HOST = { connectionString: testDb.url };
});

afterAll(async () => {
  await testDb?.drop();
});

describe("PostgreSQL query budget", () => {
  it("cancels a statement past statement_timeout and reports it as QueryTimeoutError; fast ones are untouched", async () => {
    const pool = new pg.Pool({ ...HOST, max: 2, ...pgBudget(200) });
    const db = drizzle(pool);
    try {
      expect((await pool.query("SHOW statement_timeout")).rows[0]).toEqual({ statement_timeout: "200ms" });
      const started = Date.now();
      const err = await db.execute(sql`SELECT pg_sleep(5)`).then(
        () => null,
        (e: unknown) => e,
      );
      // the server stopped it: well before the 5 s sleep (no client-side timer involved)
      expect(Date.now() - started).toBeLessThan(5000);
      expect(isQueryTimeout(err)).toBe(true);
      const timeout = queryTimeoutOf(err, 200)!;
      expect(timeout).toBeInstanceOf(QueryTimeoutError);
      expect(timeout.code).toBe("WEFT_ADMIN_ERR_QUERY_TIMEOUT");
      expect(timeout.budgetMs).toBe(200);
      expect(timeout.sql).toContain("pg_sleep");
      // the connection is fine afterwards
      expect((await db.execute(sql`SELECT 1 AS one`)).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it("an AdminSite's budget and no parallel workers go to a pg pool that sets none (siteReads); a pool's own settings are kept", async () => {
    const bare = new pg.Pool({ ...HOST, max: 1 });
    const own = new pg.Pool({ ...HOST, max: 1, ...pgBudget(1234), options: "-c max_parallel_workers_per_gather=1" });
    try {
      const reads = siteReads(drizzle(bare), dialectOf(drizzle(bare)), 300, undefined);
      expect(reads.pool).toBeUndefined();
      expect((await bare.query("SHOW statement_timeout")).rows[0]).toEqual({ statement_timeout: "300ms" });
      // no parallel workers: one user's statement keeps to one backend
      expect((await bare.query("SHOW max_parallel_workers_per_gather")).rows[0]).toEqual({ max_parallel_workers_per_gather: "0" });
      siteReads(drizzle(own), dialectOf(drizzle(own)), 300, undefined);
      expect((await own.query("SHOW statement_timeout")).rows[0]).toEqual({ statement_timeout: "1234ms" });
      expect((await own.query("SHOW max_parallel_workers_per_gather")).rows[0]).toEqual({ max_parallel_workers_per_gather: "1" });
    } finally {
      await Promise.all([bare.end(), own.end()]);
    }
  });

  it("other errors are not budget overruns; a bad budget is refused", async () => {
    const pool = new pg.Pool({ ...HOST, max: 1, ...pgBudget(2000) });
    try {
      const err = await pool.query("SELECT nope").catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe("42703");
      expect(isQueryTimeout(err)).toBe(false);
      expect(queryTimeoutOf(err)).toBeUndefined();
    } finally {
      await pool.end();
    }
    expect(() => pgBudget(0)).toThrow(TypeError);
    expect(() => pgBudget(1.5)).toThrow(/whole number/);
  });

  it("allReads: a broken read beside one past the budget is the error, whichever failed first; all settle before it throws", async () => {
    const pool = new pg.Pool({ ...HOST, max: 3, ...pgBudget(100) });
    try {
      let slowSettled = false;
      const slow = pool.query("SELECT pg_sleep(2)").finally(() => void (slowSettled = true));
      // the broken one fails at once, long before the slow one is cancelled
      const broken = allReads([slow, pool.query("SELECT nope"), pool.query("SELECT 1 AS one")]).catch((e: unknown) => e);
      expect(((await broken) as { code?: string }).code).toBe("42703");
      expect(slowSettled).toBe(true);
      // only budgets overrun: the first of them, as thrown (57014, a QueryTimeoutError to queryTimeoutOf)
      const timedOut = await allReads([pool.query("SELECT pg_sleep(2)"), pool.query("SELECT 1")]).catch((e: unknown) => e);
      expect(isQueryTimeout(timedOut)).toBe(true);
      // nothing failed: the values in order, as Promise.all
      const [a, b] = await allReads([pool.query("SELECT 1 AS n"), Promise.resolve("two")]);
      expect(a.rows).toEqual([{ n: 1 }]);
      expect(b).toBe("two");
    } finally {
      await pool.end();
    }
  });
});
