/**
 * The SQLite read pool: reads through drizzle in reader processes, the time budget (the reader
 * is killed and replaced, the event loop keeps ticking), writes refused, bad input.
 * SQLite only by nature: the pool is SQLite's (PostgreSQL's budget: pg-budget.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { getPriority, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { count, eq, like, sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { QueryTimeoutError, SqliteReadPool } from "../src/query/index.js";

const items = sqliteTable("items", { id: integer("id").primaryKey(), name: text("name").notNull(), qty: integer("qty").notNull() });
// a statement that runs for minutes: counts to 10^10 through a recursive CTE
const SLOW = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10000000000) SELECT count(*) FROM c";

let dir: string;
let file: string;
let writer: Database.Database;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "weft-read-pool-"));
  file = join(dir, "shop.db");
  writer = new Database(file);
  writer.pragma("journal_mode = WAL");
  writer.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL)");
  const insert = writer.prepare("INSERT INTO items (name, qty) VALUES (?, ?)");
  writer.transaction(() => {
    for (let i = 1; i <= 500; i++) insert.run(`item ${i}`, i % 7);
  })();
});

afterAll(() => {
  writer.close();
  rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("SqliteReadPool", () => {
  it("answers drizzle's reads as the writer's own connection would (all, get, counts), and sees new commits", async () => {
    const pool = new SqliteReadPool({ file, size: 2, client: writer });
    const local = drizzle(writer);
    // questions about the connection go to the site's own
    expect((pool.db as unknown as { $client: Database.Database }).$client.pragma("foreign_keys", { simple: true })).toBe(writer.pragma("foreign_keys", { simple: true }));
    try {
      const where = like(items.name, "%7%");
      const pooled = await pool.db.select().from(items).where(where).orderBy(items.id).limit(20);
      expect(pooled).toEqual(local.select().from(items).where(where).orderBy(items.id).limit(20).all());
      expect(pooled[0]).toEqual({ id: 7, name: "item 7", qty: 0 });
      expect(await pool.db.select({ n: count() }).from(items).where(eq(items.qty, 3))).toEqual([{ n: 72 }]);
      expect(await pool.db.select().from(items).where(eq(items.id, 42)).get()).toEqual({ id: 42, name: "item 42", qty: 0 });
      expect(await pool.db.select().from(items).where(eq(items.id, 9999)).get()).toBeUndefined();
      // raw SQL as better-sqlite3 answers it: objects by column name
      expect(await pool.db.all(sql`SELECT 1 + 1 AS two, ${"x"} AS p`)).toEqual([{ two: 2, p: "x" }]);
      // WAL: a commit of the writer is seen by the next read
      writer.prepare("INSERT INTO items (id, name, qty) VALUES (1000, 'fresh', 1)").run();
      expect(await pool.db.select({ name: items.name }).from(items).where(eq(items.id, 1000))).toEqual([{ name: "fresh" }]);
    } finally {
      await pool.close();
    }
  });

  it("stops a statement past its budget: QueryTimeoutError, the reader is killed and replaced, and the event loop kept ticking", async () => {
    const timeouts: QueryTimeoutError[] = [];
    const pool = new SqliteReadPool({ file, size: 2, timeoutMs: 60_000, onTimeout: (e) => timeouts.push(e) });
    try {
      // both readers started, so the budget below is spent running, not starting a process
      await Promise.all([pool.query("SELECT 1", [], "all"), pool.query("SELECT 2", [], "all")]);
      expect(pool.stats().readers).toBe(2);
      // the readers yield the CPU to this process (nice +10)
      for (const slot of pool["slots"]) expect(getPriority(slot.child.pid!)).toBe(Math.min(19, getPriority() + 10));
      const pidsBefore = new Set<number>(pool["slots"].map((s: { child: ChildProcess }) => s.child.pid!));

      let ticks = 0;
      const interval = setInterval(() => ticks++, 1);
      const slow = pool.query(SLOW, [], "get", 200).then(
        () => null,
        (e: unknown) => e,
      );
      // while it runs, the other reader answers and the event loop turns
      const fast = await pool.db.select({ n: count() }).from(items);
      expect(fast[0]!.n).toBeGreaterThanOrEqual(500);
      const err = await slow;
      clearInterval(interval);
      expect(err).toBeInstanceOf(QueryTimeoutError);
      expect((err as QueryTimeoutError).code).toBe("WEFT_ADMIN_ERR_QUERY_TIMEOUT");
      expect((err as QueryTimeoutError).budgetMs).toBe(200);
      expect(timeouts).toHaveLength(1);
      expect(ticks).toBeGreaterThan(3); // a synchronous better-sqlite3 call would have allowed none
      expect(pool.stats().killed).toBe(1);

      // the reader that ran it is gone (the work was interrupted, not left running)
      const pidsNow = new Set<number>(pool["slots"].map((s: { child: ChildProcess }) => s.child.pid!));
      const killed = [...pidsBefore].filter((p) => !pidsNow.has(p));
      expect(killed).toHaveLength(1);
      await expect.poll(() => alive(killed[0]!), { timeout: 10_000 }).toBe(false);

      // and the pool goes on serving, with a new reader
      expect(await pool.db.select({ id: items.id }).from(items).where(eq(items.id, 3))).toEqual([{ id: 3 }]);
      await Promise.all([pool.query("SELECT 1", [], "all"), pool.query("SELECT 2", [], "all")]);
      expect(pool.stats().readers).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it("counts a budget from the moment a reader takes the statement: one waiting behind a stopped statement runs next", async () => {
    const pool = new SqliteReadPool({ file, size: 1, timeoutMs: 60_000 });
    try {
      await pool.query("SELECT 1", [], "all");
      const slow = pool.query(SLOW, [], "get", 300).catch((e: unknown) => e);
      const waiting = pool.query("SELECT 3", [], "get", 300);
      expect(await slow).toBeInstanceOf(QueryTimeoutError);
      // it waited longer than its own budget for the reader, and still ran (on the new reader)
      expect(await waiting).toEqual([3]);
      expect(pool.stats().killed).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it("keeps a script alive while a statement waits for a new reader or a close for its readers' exit, and lets it end once idle", () => {
    const dist = new URL("../dist/query/index.js", import.meta.url).href;
    const script = `import { SqliteReadPool } from ${JSON.stringify(dist)};
      const pool = new SqliteReadPool({ file: ${JSON.stringify(file)} });
      const answer = await pool.query("SELECT 41 + 1", [], "get");
      await pool.close();
      console.log(JSON.stringify(answer));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
    expect(out.trim()).toBe("[42]");
  });

  it("refuses writes: drizzle's run, and a writing statement sent as a read", async () => {
    const pool = new SqliteReadPool({ file });
    try {
      await expect(pool.db.insert(items).values({ name: "x", qty: 1 })).rejects.toMatchObject({ cause: { code: "WEFT_ADMIN_ERR_READ_POOL" } });
      await expect(pool.query("DELETE FROM items", [], "all")).rejects.toThrow(/only runs statements that return rows/);
      await expect(pool.query("DELETE FROM items RETURNING id", [], "all")).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_READONLY/) });
      expect(writer.prepare("SELECT count(*) AS n FROM items").get()).toMatchObject({ n: expect.any(Number) });
      expect((writer.prepare("SELECT count(*) AS n FROM items").get() as { n: number }).n).toBeGreaterThanOrEqual(500);
    } finally {
      await pool.close();
    }
  });

  it("answers a bad statement with SQLite's error and keeps serving; bad options fail at construction", async () => {
    const pool = new SqliteReadPool({ file });
    try {
      await expect(pool.query("SELECT nope FROM items", [], "all")).rejects.toMatchObject({ code: "SQLITE_ERROR", message: expect.stringContaining("nope") });
      expect(await pool.query("SELECT 5", [], "get")).toEqual([5]);
    } finally {
      await pool.close();
    }
    // closed, it starts a reader again on the next read
    expect(await pool.query("SELECT 6", [], "get")).toEqual([6]);
    await pool.close();
    expect(() => new SqliteReadPool({ file: join(dir, "missing.db") })).toThrow(/is none/);
    expect(() => new SqliteReadPool({ file: ":memory:" })).toThrow(/not ":memory:"/);
    expect(() => new SqliteReadPool({ file, size: 0 })).toThrow(TypeError);
    expect(() => new SqliteReadPool({ file, nice: 20 })).toThrow(/nice/);
    expect(() => new SqliteReadPool({ file, timeoutMs: -5 })).toThrow(/queryTimeoutMs|timeoutMs/);
  });
});
