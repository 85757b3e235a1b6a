/**
 * Reads that outlive the budget, for the suites that check a page's message past it
 * (budget-messages, changeform-reads, changeform-retry): a `WHERE` that stalls a statement for minutes, a way to
 * tell that one is stalling now, and a GET that another user's click must overtake.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sql } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import { expect } from "vitest";
import type { AdminSite } from "../../src/index.js";
import { dialectOf, pgBudget, type AdminDatabase } from "../../src/query/index.js";
import { createTestDatabase } from "../../src/testing/index.js";
import type { Client } from "../../../server/test/helpers.js";
import type { Jar } from "../support.js";
import type { Engine } from "./engines.js";

/**
 * A `WHERE` that takes minutes on `engine` (one-time: the statement stalls before its first row):
 * SQLite a recursive CTE counting to 10^9, PostgreSQL `pg_sleep(600)`. Put it in a view over the
 * real table (`CREATE VIEW notes AS SELECT … FROM notes_real WHERE ${STALL[engine]}`).
 */
export const STALL: Record<Engine, string> = {
  sqlite: "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 1000000000) SELECT count(*) FROM c) > 0",
  postgres: "(SELECT 1 FROM pg_sleep(600)) = 1",
};

/**
 * A `WHERE` that stalls as {@link STALL} while `table` has a row and is true at once otherwise:
 * a page that must read fast first and slow later (or the reverse) inserts or deletes the row.
 */
export function stallWhile(engine: Engine, table: string): string {
  return `CASE WHEN EXISTS (SELECT 1 FROM ${table}) THEN ${STALL[engine]} ELSE 1 = 1 END`;
}

/** Whether a statement is stalling now: SQLite a busy reader of `site`'s read pool; PostgreSQL a backend of `db`'s database in pg_sleep. */
export async function stalling(engine: Engine, site: AdminSite, db: AdminDatabase): Promise<boolean> {
  if (engine === "sqlite") return site.readPool!.stats().busy > 0;
  const rows = await dialectOf(db).all<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`);
  return Number(rows[0]?.n ?? 0) > 0;
}

/** Waits until a statement stalls ({@link stalling}); throws when `done()` says the page answered first. */
export async function untilStalling(engine: Engine, site: AdminSite, db: AdminDatabase, what: string, done: () => boolean = () => false): Promise<void> {
  while (!(await stalling(engine, site, db))) {
    if (done()) throw new Error(`${what} answered without stalling`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Where a stalling statement runs, and the other user's change list (joined, ref 1) who clicks meanwhile. */
export interface StallScene {
  engine: Engine;
  site: AdminSite;
  db: AdminDatabase;
  other: Client;
}

/**
 * Starts `start` (a request or an event whose read stalls) and, while its statement stalls,
 * `other` clicks: the click is answered first (the event loop is free), then `start`'s outcome.
 * @param what - what `start` is, for the error when it answered without stalling
 */
export async function overtaken<T>(o: StallScene, what: string, start: () => Promise<T>): Promise<T> {
  let done = false;
  const running = start().finally(() => void (done = true));
  await untilStalling(o.engine, o.site, o.db, what, () => done);
  await o.other.reply(o.other.event(1, "selectPage"));
  expect(done).toBe(false);
  return running;
}

/** GETs `url` with `jar` while `other` clicks ({@link overtaken}): the page's status and HTML. */
export function slowGet(o: StallScene & { jar: Jar; url: string }): Promise<{ status: number; html: string }> {
  return overtaken(o, o.url, async () => {
    const res = await o.jar.fetch(o.url);
    return { status: res.status, html: await res.text() };
  });
}

/**
 * A database of its own on `engine` with `schema` run (the stalling views of {@link STALL}):
 * SQLite a WAL file in a new temporary directory; PostgreSQL a test database whose pool carries
 * `budgetMs` as its `statement_timeout`. `close()` removes it.
 */
export async function openStallDb(engine: Engine, schema: string, prefix: string, budgetMs: number): Promise<{ db: AdminDatabase; close(): Promise<void> }> {
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), `weft-${prefix}-`));
    const sqlite = new Database(join(dir, "db.sqlite"));
    sqlite.pragma("journal_mode = WAL");
    sqlite.exec(schema);
    return { db: drizzleSqlite(sqlite), close: async () => (sqlite.close(), rmSync(dir, { recursive: true, force: true })) };
  }
  const tdb = await createTestDatabase({ prefix: prefix.replace(/-/g, "_") });
  const pool = new pg.Pool({ connectionString: tdb.url, max: 6, ...pgBudget(budgetMs) });
  await pool.query(schema);
  return { db: drizzlePg(pool), close: async () => (await pool.end(), await tdb.drop()) };
}
