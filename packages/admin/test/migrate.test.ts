// migrateAdmin and `weft migrate` on real engines: a fresh SQLite file, a fresh PostgreSQL
// database (weft_t_<random> on the local server, dropped after), running twice, processes
// starting together, and upgrading a SQLite file made by the old hand-written SQL.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../src/testing/index.js";
import { usePgPool } from "./support/pg-pool.js";
import { cliIO } from "./support/cli-io.js";
import { adminTables, UserStore, weftUsers } from "../src/auth/index.js";
import { runCli } from "../src/cli/index.js";
import { ADMIN_MIGRATIONS_TABLE, BASELINE_TABLES, journal, migrateAdmin } from "../src/migrate/index.js";
import { LOCK_KEY, withAdvisoryLock } from "../src/migrate/pg.js";
import { waitFor } from "../../server/test/support/wait.js";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "weft-migrate-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tags = journal("sqlite").map((e) => e.tag);
/** Every admin table: the first migration's (BASELINE_TABLES) and the job history of 0001_job_history. */
const ADMIN_TABLES = [...BASELINE_TABLES, "weft_jobs", "weft_export_chunks"].sort();
const tablesIn = (s: Database.Database) => (s.prepare("select name from sqlite_master where type = 'table' and name like 'weft_%' order by name").all() as { name: string }[]).map((r) => r.name);


describe("migrateAdmin on SQLite", () => {
  it("creates every admin table on a fresh file, then applies nothing", async () => {
    const sqlite = new Database(join(tmp(), "fresh.db"));
    const db = drizzle(sqlite);
    expect(await migrateAdmin(db)).toEqual({ dialect: "sqlite", applied: tags, baselined: false });
    expect(tablesIn(sqlite)).toEqual(ADMIN_TABLES);
    expect(await migrateAdmin(db)).toEqual({ dialect: "sqlite", applied: [], baselined: false });
    expect(sqlite.prepare(`select count(*) as n from ${ADMIN_MIGRATIONS_TABLE}`).get()).toEqual({ n: tags.length });
    // the application's own drizzle migrations table is not touched
    expect(sqlite.prepare("select name from sqlite_master where name = '__drizzle_migrations'").get()).toBeUndefined();
    sqlite.close();
  });

  it("upgrades a file made by the old ensureAdminTables SQL in place, keeping its rows", async () => {
    const file = join(tmp(), "old.db");
    const old = new Database(file);
    old.exec(readFileSync(new URL("./fixtures/admin-tables-pre-migrations.sql", import.meta.url), "utf8"));
    await new UserStore(drizzle(old)).createUser({ username: "kept", password: "pw-kept-1234" });
    old.close();

    const sqlite = new Database(file);
    const db = drizzle(sqlite);
    // the old SQL had the first migration's tables: it is recorded, the later ones (0001_job_history) run
    expect(tags.slice(1)).toContain("0001_job_history");
    expect(await migrateAdmin(db)).toEqual({ dialect: "sqlite", applied: tags.slice(1), baselined: true });
    expect(tablesIn(sqlite)).toEqual(ADMIN_TABLES);
    expect(await migrateAdmin(db)).toEqual({ dialect: "sqlite", applied: [], baselined: false });
    expect((await db.select().from(weftUsers)).map((u) => u.username)).toEqual(["kept"]);
    expect(await new UserStore(db).authenticate("kept", "pw-kept-1234")).not.toBeNull();
    // the upgraded tables and fresh ones have the same columns and indexes
    const fresh = new Database(":memory:");
    await migrateAdmin(drizzle(fresh));
    const shape = (s: Database.Database) =>
      BASELINE_TABLES.map((t) => ({
        t,
        cols: (s.prepare(`pragma table_info(${t})`).all() as { name: string; notnull: number; pk: number }[]).map((c) => `${c.name}:${c.notnull}:${c.pk}`),
        idx: (s.prepare(`pragma index_list(${t})`).all() as { name: string; unique: number }[]).map((i) => `${i.name}:${i.unique}`).sort(),
      }));
    expect(shape(sqlite)).toEqual(shape(fresh));
    sqlite.close();
    fresh.close();
  });

  it("refuses a database holding only some of the admin's tables, changing nothing", async () => {
    const sqlite = new Database(":memory:");
    sqlite.exec("create table weft_users (id integer primary key, username text)");
    await expect(migrateAdmin(drizzle(sqlite))).rejects.toMatchObject({ code: "WEFT_ADMIN_ERR_MIGRATE", message: expect.stringContaining("weft_groups") });
    expect(tablesIn(sqlite)).toEqual(["weft_users"]);
    sqlite.close();
  });

  it("refuses a database of another driver", async () => {
    await expect(migrateAdmin({} as never)).rejects.toMatchObject({ code: "WEFT_ADMIN_ERR_DIALECT" });
  });
});


describe("migrateAdmin on PostgreSQL", () => {
  const testPg = usePgPool("migrate", 4);

  it("creates every admin table in a fresh database from processes starting together, once", async () => {
    const results = await Promise.all([0, 1, 2].map(() => migrateAdmin(drizzlePg({ client: testPg.pool }))));
    expect(results.map((r) => r.applied).sort((a, b) => b.length - a.length)).toEqual([journal("pg").map((e) => e.tag), [], []]);
    const { rows } = await testPg.pool.query("select table_name from information_schema.tables where table_schema = 'public' and table_name like 'weft_%' order by 1");
    expect(rows.map((r) => r.table_name)).toEqual(ADMIN_TABLES);
    expect(await migrateAdmin(drizzlePg({ client: testPg.pool }))).toEqual({ dialect: "pg", applied: [], baselined: false });
  });

  it("migrates through a pool with a read budget: waits out another process's lock, and gives the budget back", async () => {
    await migrateAdmin(drizzlePg({ client: testPg.pool }));
    // the admin's pools carry `statement_timeout` (the query budget); another process holds the
    // migration lock (as while it builds an index over millions of rows) for 4× that budget
    const budgeted = new pg.Pool({ connectionString: testPg.url, max: 1, statement_timeout: 100 });
    const other = new pg.Client({ connectionString: testPg.url });
    await other.connect();
    try {
      await other.query("select pg_advisory_lock($1)", [LOCK_KEY.toString()]);
      const migrating = migrateAdmin(drizzlePg({ client: budgeted }));
      await waitFor(async () => (await other.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())")).rows[0].n === 1, "the migration waiting for the lock");
      await new Promise((r) => setTimeout(r, 400));
      await other.query("select pg_advisory_unlock($1)", [LOCK_KEY.toString()]);
      expect(await migrating).toEqual({ dialect: "pg", applied: [], baselined: false });
      expect((await budgeted.query("show statement_timeout")).rows[0].statement_timeout).toBe("100ms");
    } finally {
      await other.end();
      await budgeted.end();
    }
  });

  it("withAdvisoryLock: start-up work one process after another, past the pool's budget, the lock released when the work throws", async () => {
    const KEY = 0x7465_7374n;
    const budgeted = new pg.Pool({ connectionString: testPg.url, max: 2, statement_timeout: 100 });
    try {
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const first = withAdvisoryLock(budgeted, KEY, async (client) => {
        order.push("first in");
        // longer than the pool's 100 ms budget: not a stalled read
        await client.query("select pg_sleep(0.3)");
        await held;
        order.push("first out");
      });
      await waitFor(() => order.length === 1, "the first holding the lock");
      const second = withAdvisoryLock(budgeted, KEY, async () => void order.push("second"));
      await waitFor(async () => (await testPg.pool.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())")).rows[0].n === 1, "the second waiting for the lock");
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(["first in", "first out", "second"]);
      // the work's error comes back, and the lock is free again
      await expect(withAdvisoryLock(budgeted, KEY, async () => { throw new Error("seed failed"); })).rejects.toThrow("seed failed");
      expect(await withAdvisoryLock(budgeted, KEY, async (client) => (await client.query("show statement_timeout")).rows[0].statement_timeout)).toBe("0");
      // both connections went back to the pool with its budget
      const clients = await Promise.all([budgeted.connect(), budgeted.connect()]);
      for (const c of clients) expect((await c.query("show statement_timeout")).rows[0].statement_timeout).toBe("100ms");
      for (const c of clients) c.release();
    } finally {
      await budgeted.end();
    }
  });

  it("reads rows of the same shape as SQLite through the pgTable twins", async () => {
    const db = drizzlePg({ client: testPg.pool });
    const t = adminTables("pg");
    const at = new Date(1_700_000_000_123);
    const [u] = await db.insert(t.weftUsers).values({ username: "pg-user", passwordHash: "x", createdAt: at }).returning();
    const sqlite = new Database(":memory:");
    const sdb = drizzle(sqlite);
    await migrateAdmin(sdb);
    const [s] = await sdb.insert(adminTables("sqlite").weftUsers).values({ username: "pg-user", passwordHash: "x", createdAt: at }).returning();
    expect(u).toEqual(s);
    sqlite.close();
  });
});

describe("weft migrate", () => {
  it("migrates the --db file, then says it is up to date (exit 0)", async () => {
    const file = join(tmp(), "cli.db");
    const first = cliIO();
    expect(await runCli(["migrate", "--db", file], first.io)).toBe(0);
    expect(first.text().stdout).toContain(`applied ${tags[0]}`);
    const again = cliIO();
    expect(await runCli(["migrate", "--db", file], again.io)).toBe(0);
    expect(again.text().stdout).toContain("no migrations to apply");
  });

  it("uses PostgreSQL when DATABASE_URL is a postgres:// URL, without printing its password", async () => {
    const cliDb = await createTestDatabase({ prefix: "migrate_cli" });
    try {
      const url = new URL(cliDb.url);
      url.password = "s3cret-pw";
      const run = cliIO({ DATABASE_URL: url.toString() });
      // trust auth: the password is ignored by the server
      expect(await runCli(["migrate"], run.io), run.text().stderr).toBe(0);
      expect(run.text().stdout).toContain(`applied ${journal("pg")[0]!.tag}`);
      expect(run.text().stdout).not.toContain("s3cret-pw");
      const again = cliIO({ DATABASE_URL: url.toString() });
      expect(await runCli(["migrate"], again.io)).toBe(0);
      expect(again.text().stdout).toContain("no migrations to apply");
    } finally {
      await cliDb.drop();
    }
  });

  it("builds the trigram search indexes the config's site declares, once", async () => {
    const pkg = fileURLToPath(new URL("..", import.meta.url));
    const dir = mkdtempSync(join(pkg, ".migrate-test-"));
    dirs.push(dir);
    const file = join(dir, "shop.db");
    const seed = new Database(file);
    seed.exec("create table notes (id integer primary key, body text not null); insert into notes (body) values ('alpha beta'), ('gamma')");
    seed.close();
    writeFileSync(
      join(dir, "weft.config.js"),
      `import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { AdminSite } from ${JSON.stringify(pathToFileURL(join(pkg, "dist/index.js")).href)};
const notes = sqliteTable("notes", { id: integer("id").primaryKey(), body: text("body").notNull() });
export default {
  db: "shop.db",
  site() {
    const site = new AdminSite({ db: drizzle(new Database(${JSON.stringify(file)})) });
    site.register(notes, { app: "shop", searchFields: ["body"], searchIndex: "trigram" });
    return site;
  },
};
`,
    );
    const run = cliIO();
    expect(await runCli(["migrate"], run.io, dir), run.text().stderr).toBe(0);
    expect(run.text().stdout).toContain("created search index weft_trgm_notes_body");
    const sqlite = new Database(file);
    expect(sqlite.prepare(`select rowid from weft_trgm_notes_body where weft_trgm_notes_body match '"beta"'`).pluck().all()).toEqual([1]);
    sqlite.close();
    const again = cliIO();
    expect(await runCli(["migrate"], again.io, dir)).toBe(0);
    expect(again.text().stdout).toContain("no migrations to apply");
  });

  it("answers --help with 0, bad usage with 2 and an unreachable server with 1", async () => {
    const help = cliIO();
    expect(await runCli(["migrate", "--help"], help.io)).toBe(0);
    expect(help.text().stdout).toContain("usage: weft migrate");
    const extra = cliIO();
    expect(await runCli(["migrate", "now", "--db", join(tmp(), "x.db")], extra.io)).toBe(2);
    const both = cliIO({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/any" });
    expect(await runCli(["migrate", "--db", join(tmp(), "x.db")], both.io)).toBe(2);
    expect(both.text().stderr).toContain("not both");
    const notPg = cliIO({ DATABASE_URL: "mysql://x@localhost/db" });
    expect(await runCli(["migrate"], notPg.io)).toBe(2);
    const nowhere = cliIO();
    expect(await runCli(["migrate"], nowhere.io, tmp())).toBe(2);
    expect(nowhere.text().stderr).toContain("no database");
    // a closed port: connection refused, exit 1 with the driver's message
    const down = cliIO({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" });
    expect(await runCli(["migrate"], down.io)).toBe(1);
    expect(down.text().stderr).toMatch(/weft migrate: error: .*ECONNREFUSED/);
  });
});
