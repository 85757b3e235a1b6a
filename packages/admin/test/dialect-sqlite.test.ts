/**
 * The SQLite dialect's async transactions: a process-wide lock per connection around
 * BEGIN IMMEDIATE … COMMIT/ROLLBACK, taken by every admin write too, so that a request's
 * statement never lands inside (and is rolled back with) another request's open transaction.
 * SQLite only by nature: the lock is the SQLite dialect's (PostgreSQL's transactions are the pool's).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterAll, describe, expect, it } from "vitest";
import { dialectOf, withTransaction } from "../src/query/index.js";
import { guardWrites } from "../src/query/dialect/sqlite.js";

const notes = sqliteTable("notes", { id: integer("id").primaryKey(), body: text("body").notNull() });
const dir = mkdtempSync(join(tmpdir(), "weft-dialect-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(name: string) {
  const sqlite = new Database(join(dir, `${name}.db`));
  sqlite.exec("create table notes (id integer primary key, body text not null)");
  const raw = drizzle(sqlite);
  return { sqlite, raw, db: guardWrites(raw), bodies: () => (sqlite.prepare("select body from notes order by id").all() as { body: string }[]).map((r) => r.body) };
}

/** A promise and its resolver: lets a test hold a transaction open at a known point. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

describe("SQLite dialect", () => {
  it("is told apart from PostgreSQL with drizzle's is()", () => {
    const { raw, db } = open("kind");
    expect(dialectOf(raw).name).toBe("sqlite");
    expect(dialectOf(db).name).toBe("sqlite");
    expect(() => dialectOf({})).toThrow(expect.objectContaining({ code: "WEFT_ADMIN_ERR_DATABASE" }));
  });

  it("two concurrent transactions, one failing: the other's rows survive", async () => {
    const { db, bodies } = open("two");
    const aInside = gate();
    const bMayFail = gate();
    const a = withTransaction(db, async (tx) => {
      await tx.insert(notes).values({ body: "a1" });
      aInside.open();
      await bMayFail.wait; // held open while B is queued behind it
      await tx.insert(notes).values({ body: "a2" });
      throw new Error("A fails");
    });
    await aInside.wait;
    const b = withTransaction(db, async (tx) => {
      await tx.insert(notes).values({ body: "b1" });
      await tx.insert(notes).values({ body: "b2" });
      return "b done";
    });
    bMayFail.open();
    await expect(a).rejects.toThrow("A fails");
    await expect(b).resolves.toBe("b done");
    expect(bodies()).toEqual(["b1", "b2"]);
  });

  it("a write outside the transaction waits for it, and is not rolled back with it", async () => {
    const { db, sqlite, bodies } = open("outside");
    const inside = gate();
    const release = gate();
    const tx = withTransaction(db, async (t) => {
      await t.insert(notes).values({ body: "rolled back" });
      inside.open();
      await release.wait;
      throw new Error("roll back");
    });
    await inside.wait;
    // another request's write while the transaction is open: it must queue
    // (a drizzle builder runs again at every then(): awaited once, through a promise)
    const other = Promise.resolve(db.insert(notes).values({ body: "kept" }).returning());
    let landed = false;
    void other.then(() => (landed = true));
    await new Promise((r) => setImmediate(r));
    expect(landed).toBe(false);
    expect(sqlite.inTransaction).toBe(true);
    release.open();
    await expect(tx).rejects.toThrow("roll back");
    expect(await other).toEqual([{ id: expect.any(Number), body: "kept" }]);
    expect(bodies()).toEqual(["kept"]);
  });

  it("a failing statement rolls back the whole transaction and frees the lock", async () => {
    const { db, bodies } = open("fail");
    await expect(
      withTransaction(db, async (tx) => {
        await tx.insert(notes).values({ body: "x" });
        await tx.insert(notes).values({ id: 1, body: "duplicate key" });
      }),
    ).rejects.toThrow(/UNIQUE|PRIMARY/);
    expect(bodies()).toEqual([]);
    await withTransaction(db, async (tx) => void (await tx.insert(notes).values({ body: "after" })));
    await db.insert(notes).values({ body: "plain" });
    expect(bodies()).toEqual(["after", "plain"]);
  });

  it("a transaction inside a transaction joins it", async () => {
    const { db, bodies } = open("nested");
    await expect(
      withTransaction(db, async (tx) => {
        await tx.insert(notes).values({ body: "outer" });
        await withTransaction(db, async (inner) => void (await inner.insert(notes).values({ body: "inner" })));
        throw new Error("outer fails");
      }),
    ).rejects.toThrow("outer fails");
    expect(bodies()).toEqual([]);
  });
});
