/**
 * PostgreSQL for tests and benchmarks: find a server, or start a private one, and create
 * throw-away databases on it — as `startRedisServer` in @weft/server/testing does for Redis.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "@weft/server/testing";
import { adminError } from "../errors.js";
import { answers, findPostgresBin } from "../../tools/postgres-bin.mjs";

/** A PostgreSQL server found or started by {@link findPostgresServer} / {@link startPostgresCluster}. */
export interface PostgresServer {
  /** URL of a database to connect to for `CREATE DATABASE` (the server's `postgres`, or `DATABASE_URL` as given) */
  readonly url: string;
  /** `env`: `DATABASE_URL` or `PGHOST`; `local`: 127.0.0.1:5432; `private`: a cluster this process started */
  readonly source: "env" | "local" | "private";
  /** Stops the server and removes its directory when it is a private cluster; otherwise does nothing. */
  stop(): Promise<void>;
}

/** A database of its own for one test, made by {@link createTestDatabase}. */
export interface TestDatabase {
  /** `postgres://…/<name>`: pass it to `pg.Pool` / `DATABASE_URL` */
  readonly url: string;
  /** the database's name (`weft_<prefix>_<pid>_<random>`) */
  readonly name: string;
  /** Drops the database, closing whatever is still connected to it (`WITH (FORCE)`); idempotent. */
  drop(): Promise<void>;
}

/** Options of {@link findPostgresServer}. */
export interface FindPostgresOptions {
  /**
   * Start a private cluster even though a server answers (default: true when the environment
   * variable `WEFT_TEST_POSTGRES` is `private`). Used to test the private path on a machine
   * that has a server.
   */
  private?: boolean;
  /** the environment to read `DATABASE_URL`, `PG*` and `WEFT_TEST_POSTGRES` from (default `process.env`) */
  env?: NodeJS.ProcessEnv;
}

/** The URL `env`'s `PGHOST`/`PGPORT`/`PGUSER`/`PGPASSWORD`/`PGDATABASE` describe (a socket directory as `?host=`). */
export function urlFromPgEnv(env: NodeJS.ProcessEnv): string {
  const host = env.PGHOST ?? "127.0.0.1";
  const user = encodeURIComponent(env.PGUSER ?? userInfo().username);
  const password = env.PGPASSWORD ? `:${encodeURIComponent(env.PGPASSWORD)}` : "";
  const port = env.PGPORT ?? "5432";
  const database = encodeURIComponent(env.PGDATABASE ?? "postgres");
  const socket = host.startsWith("/");
  const hostPart = socket ? "localhost" : host;
  return `postgres://${user}${password}@${hostPart}:${port}/${database}${socket ? `?host=${encodeURIComponent(host)}` : ""}`;
}

/** `url` with its database replaced by `name`. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

/** uid/gid of the first of `names` that exists, via `id` (so NSS users count), or null. */
function userIds(names: string[]): { uid: number; gid: number; name: string } | null {
  for (const name of names) {
    const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
    if (uid.status === 0 && gid.status === 0) return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name };
  }
  return null;
}

/**
 * Starts a private PostgreSQL cluster: `initdb` (trust authentication, superuser `postgres`,
 * UTF8, locale C) into a new temporary directory, then `pg_ctl start` on a free port of
 * 127.0.0.1 with its unix socket in that directory and durability off (`fsync`,
 * `synchronous_commit`, `full_page_writes`: a test cluster is thrown away). The programs come
 * from PATH or Debian's `/usr/lib/postgresql/<version>/bin` (package `postgresql`). `initdb`
 * refuses to run as root, so as root both run as the `postgres` user (made by Debian's
 * package), else as `nobody`. The cluster is stopped (`pg_ctl stop -m immediate`) and its
 * directory removed by `stop()` or, at the latest, when this process exits.
 *
 * @param options.bin - the directory holding initdb and pg_ctl (default: found as above)
 * @returns once the server accepts connections
 * @throws WeftAdminError `WEFT_ADMIN_ERR_TEST_POSTGRES` when the programs are missing, no user can run
 *   them, or the server does not start (the message includes its log)
 */
export async function startPostgresCluster(options: { bin?: string } = {}): Promise<PostgresServer> {
  const bin = options.bin ?? findPostgresBin();
  if (!bin) {
    throw adminError("WEFT_ADMIN_ERR_TEST_POSTGRES", "cannot start a private PostgreSQL: initdb/pg_ctl not found on PATH or in /usr/lib/postgresql/<version>/bin (Debian: apt-get install postgresql)");
  }
  const isRoot = process.getuid?.() === 0;
  const runAs = isRoot ? userIds(["postgres", "nobody"]) : null;
  if (isRoot && !runAs) throw adminError("WEFT_ADMIN_ERR_TEST_POSTGRES", "initdb refuses to run as root and there is no 'postgres' or 'nobody' user to run it as");
  const dir = mkdtempSync(join(tmpdir(), "weft-pg-"));
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const run = (program: string, args: string[]) =>
    spawnSync(join(bin, program), args, {
      encoding: "utf8",
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" },
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
  const fail = (what: string, r: { stdout?: string; stderr?: string; error?: Error }) => {
    let serverLog = "";
    try {
      serverLog = readFileSync(log, "utf8");
    } catch {}
    rmSync(dir, { recursive: true, force: true });
    const as = runAs ? ` (as user ${runAs.name})` : "";
    return adminError("WEFT_ADMIN_ERR_TEST_POSTGRES", `${what}${as} failed: ${r.error?.message ?? ""}${r.stdout ?? ""}${r.stderr ?? ""}${serverLog}`.trim());
  };

  const init = run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  if (init.status !== 0) throw fail("initdb", init);

  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const settings = `-p ${port} -k '${dir}' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    const start = run("pg_ctl", ["-D", data, "-l", log, "-w", "-t", "120", "-o", settings, "start"]);
    if (start.status === 0) break;
    // another process may have taken the free port between our look and the bind: try another
    if (attempt === 4 || !/could not (bind|create listen)/i.test(readFileSync(log, "utf8"))) throw fail("pg_ctl start", start);
  }

  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", stopNow);
    run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", stopNow);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    source: "private",
    async stop() {
      stopNow();
    },
  };
}

const found = new Map<string, Promise<PostgresServer>>();

/**
 * The PostgreSQL server tests use, in this order: the one `DATABASE_URL` names, else the one
 * `PGHOST` (with `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`) names, else 127.0.0.1:5432 when
 * it answers (user `PGUSER` or `postgres`), else a private cluster ({@link startPostgresCluster})
 * — the same order scripts/ensure-tools.mjs checks before installing Debian's `postgresql`.
 * Found once per process (and per `private`); a private cluster is shared by the process's
 * callers and stopped when it exits.
 *
 * @throws WeftAdminError `WEFT_ADMIN_ERR_TEST_POSTGRES` when it has to start a cluster and cannot
 */
export function findPostgresServer(options: FindPostgresOptions = {}): Promise<PostgresServer> {
  const env = options.env ?? process.env;
  const forcePrivate = options.private ?? env.WEFT_TEST_POSTGRES === "private";
  const key = forcePrivate ? "private" : `${env.DATABASE_URL ?? ""}|${env.PGHOST ?? ""}`;
  let server = found.get(key);
  if (!server) {
    // stopping it forgets it, so the next caller finds (or starts) a server again
    server = locate(env, forcePrivate).then((s) => ({ ...s, stop: () => (found.delete(key), s.stop()) }));
    found.set(key, server);
    server.catch(() => found.delete(key));
  }
  return server;
}

async function locate(env: NodeJS.ProcessEnv, forcePrivate: boolean): Promise<PostgresServer> {
  const shared = (url: string, source: "env" | "local"): PostgresServer => ({ url, source, stop: async () => {} });
  if (!forcePrivate) {
    if (env.DATABASE_URL) return shared(env.DATABASE_URL, "env");
    if (env.PGHOST) return shared(urlFromPgEnv(env), "env");
    if (await answers("127.0.0.1", 5432)) return shared(urlFromPgEnv({ ...env, PGHOST: "127.0.0.1", PGUSER: env.PGUSER ?? "postgres" }), "local");
  }
  return startPostgresCluster();
}

/**
 * Creates a database of its own for one test (or benchmark) on {@link findPostgresServer}'s
 * server (or `options.server`), named `weft_<prefix>_<pid>_<random>`; call `drop()` when done.
 *
 * @param options.prefix - a word in the name to tell whose it is (default `test`; lowercased, non-word characters become `_`)
 * @throws WeftAdminError `WEFT_ADMIN_ERR_TEST_POSTGRES` as {@link findPostgresServer}; pg's error when `CREATE DATABASE` is refused (the user needs CREATEDB)
 */
export async function createTestDatabase(options: { prefix?: string; server?: PostgresServer } = {}): Promise<TestDatabase> {
  const server = options.server ?? (await findPostgresServer());
  const prefix = (options.prefix ?? "test").toLowerCase().replace(/\W+/g, "_").slice(0, 30);
  const name = `weft_${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
  await adminQuery(server.url, `CREATE DATABASE "${name}"`);
  let dropped = false;
  return {
    url: withDatabase(server.url, name),
    name,
    async drop() {
      if (dropped) return;
      await dropDatabase(server.url, name);
      dropped = true;
    },
  };
}

/**
 * Drops `name` once its connections are gone, or forces them off after `graceMs`. pg's
 * `pool.end()` resolves before its clients' sockets close, so a `WITH (FORCE)` right after it
 * would terminate a backend whose client is still closing, and that client then reports
 * "terminating connection due to administrator command" as an unhandled error.
 */
async function dropDatabase(url: string, name: string, graceMs = 5000): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const deadline = Date.now() + graceMs;
    for (;;) {
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1", [name]);
      if (rows[0]!.n === 0 || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
