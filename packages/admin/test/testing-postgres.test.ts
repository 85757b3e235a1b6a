// @weft/admin/testing: the tests' PostgreSQL — the server found (DATABASE_URL / PGHOST /
// 127.0.0.1:5432), a private cluster (forced here even though a server answers), a database
// per test, and clear errors when a cluster cannot start.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, findPostgresServer, startPostgresCluster, urlFromPgEnv, withDatabase, type PostgresServer } from "@weft/admin/testing";
import { answers } from "../tools/postgres-bin.mjs";

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const exists = async (server: PostgresServer, name: string) =>
  (await query(server.url, "SELECT 1 FROM pg_database WHERE datname = $1", [name])).length === 1;

describe("the server tests use", () => {
  it("is DATABASE_URL, else PGHOST, as given", async () => {
    const url = "postgres://someone:secret@db.example:6543/app";
    const a = await findPostgresServer({ env: { DATABASE_URL: url, PGHOST: "ignored" } });
    expect([a.source, a.url]).toEqual(["env", url]);
    const b = await findPostgresServer({ env: { PGHOST: "/run/pg", PGPORT: "5433", PGUSER: "me", PGDATABASE: "x" } });
    expect([b.source, b.url]).toEqual(["env", "postgres://me@localhost:5433/x?host=%2Frun%2Fpg"]);
  });

  it("builds URLs from PG* variables and swaps the database, keeping the rest", () => {
    expect(urlFromPgEnv({ PGHOST: "10.0.0.2", PGUSER: "a b", PGPASSWORD: "p@ss" })).toBe("postgres://a%20b:p%40ss@10.0.0.2:5432/postgres");
    expect(withDatabase("postgres://me@localhost:5433/x?host=%2Frun%2Fpg", "weft_t_1")).toBe("postgres://me@localhost:5433/weft_t_1?host=%2Frun%2Fpg");
  });

  it("gives each test its own database, dropped by drop() even while connected, twice is fine", async () => {
    const server = await findPostgresServer();
    const [a, b] = await Promise.all([createTestDatabase({ prefix: "Helper Test" }), createTestDatabase()]);
    expect(a.name).toMatch(/^weft_helper_test_\d+_[0-9a-f]{8}$/);
    expect(a.name).not.toBe(b.name);
    await query(a.url, "CREATE TABLE t (id int)");
    expect(await query(b.url, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't'")).toEqual([{ n: 0 }]);
    const open = new pg.Client({ connectionString: a.url });
    await open.connect();
    open.on("error", () => {}); // its connection is closed by the drop
    await a.drop();
    await a.drop();
    await b.drop();
    expect(await exists(server, a.name)).toBe(false);
    expect(await exists(server, b.name)).toBe(false);
    await open.end().catch(() => {});
  });
});

describe("a private cluster", () => {
  let server: PostgresServer | undefined;
  afterAll(() => server?.stop());

  it("starts with initdb + pg_ctl on a port of its own even though a server answers, and stops", async () => {
    server = await findPostgresServer({ private: true });
    expect(server.source).toBe("private");
    const port = Number(new URL(server.url).port);
    expect(port).not.toBe(5432);
    expect(await findPostgresServer({ private: true })).toBe(server); // one per process
    const db = await createTestDatabase({ server });
    const [row] = await query<{ db: string; fsync: string; v: number }>(db.url, "SELECT current_database() AS db, current_setting('fsync') AS fsync, current_setting('server_version_num')::int AS v");
    expect(row).toEqual({ db: db.name, fsync: "off", v: expect.any(Number) });
    const [{ dir }] = await query<{ dir: string }>(server.url, "SELECT current_setting('data_directory') AS dir");
    await db.drop();
    await server.stop();
    expect(await answers("127.0.0.1", port)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it("is stopped and removed when the process that started it exits without stop()", async () => {
    const helper = fileURLToPath(new URL("../dist/testing/index.js", import.meta.url));
    const script = `const { startPostgresCluster } = await import(${JSON.stringify(helper)});
      const s = await startPostgresCluster();
      const pg = (await import("pg")).default;
      const c = new pg.Client(s.url); await c.connect();
      const { rows } = await c.query("SELECT current_setting('data_directory') AS dir"); await c.end();
      console.log(JSON.stringify({ url: s.url, dir: rows[0].dir }));`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).toBe(0);
    const { url, dir } = JSON.parse(out) as { url: string; dir: string };
    expect(await answers("127.0.0.1", Number(new URL(url).port))).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it("says what is missing when initdb cannot run", async () => {
    const err = await startPostgresCluster({ bin: "/nonexistent/postgresql/bin" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "WEFT_ADMIN_ERR_TEST_POSTGRES", message: expect.stringMatching(/^initdb.*failed: .*ENOENT/) });
  });
});
