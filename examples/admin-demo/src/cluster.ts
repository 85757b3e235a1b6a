/**
 * Running the demo as one process or as N workers behind one port (node:cluster), and its
 * `check` command.
 *
 * - One process (the default): seeds the database when missing, serves on PORT.
 * - `--workers N` / `WORKERS=N` (N > 1): the primary process prepares everything once (seed,
 *   secret file, demo users, start-up checks), then forks N workers that share the port (the
 *   primary hands each new connection to a worker, round-robin). Workers share the SQLite file
 *   (WAL) and, with `REDIS_URL`, Redis; sessions live in SQLite and view tokens are HMAC-signed
 *   with the shared secret, so any request and any WebSocket may land on any worker: no sticky
 *   sessions. Only worker 1 runs the order simulator (its replacement too, if it dies). A worker
 *   that dies is restarted; SIGTERM / SIGINT stops them all, then the primary.
 * - Separate processes on different ports work the same way: start `main.js` twice with the
 *   same `DEMO_DB` and `REDIS_URL` (and `SIMULATE_MS=0` on all but one).
 */
import cluster, { type Worker } from "node:cluster";
import { parseArgs } from "node:util";
import { type ChannelLayer } from "@weft/server";
import { MemoryChannelLayer, RedisChannelLayer } from "@weft/server/pubsub";
import { formatCheck, formatReport, runChecks, SystemCheckError, type CheckMessage } from "@weft/admin/checks";
import { redactUrl } from "@weft/admin/cli";
import type { FastifyInstance } from "fastify";
import { buildAdmin, DEMO_USERS } from "./admin.js";
import { buildApp, demoSecret, ensureDemoUsersShared } from "./app.js";
import { openDemoDatabase } from "./db/connect.js";
import { DEFAULT_DATABASE_FILE } from "./db/cli.js";
import { isPostgresUrl, type PostgresPoolOptions } from "./db/open-pg.js";
import { ensureSeeded, ensureSeededPostgres } from "./db/seed-cli.js";

/** How the demo is started: from the command line and the environment. */
export interface DemoConfig {
  /** `serve` (default) or `check` */
  command: "serve" | "check";
  /** PORT (default 3000; 0 picks a free one) */
  port: number;
  /** HOST (default 127.0.0.1) */
  host: string;
  /** DEMO_DB: the SQLite file every process shares (when `databaseUrl` is not set) */
  dbFile: string;
  /** DATABASE_URL: a `postgres://` URL, the database every process (on any machine) shares instead of the file */
  databaseUrl: string | undefined;
  /** DATABASE_POOL_SIZE (10) and DATABASE_STATEMENT_TIMEOUT_MS (2,000; 0: none), for PostgreSQL */
  pool: Required<Pick<PostgresPoolOptions, "max" | "statementTimeoutMs">>;
  /** an order every this many ms in one process (0: off) */
  simulateMs: number;
  /** processes serving the port (1: no cluster) */
  workers: number;
  /** processes that only run jobs (BullMQ; needs `redisUrl`); 0: jobs run in the web workers */
  jobWorkers: number;
  /** whether web workers enqueue jobs on BullMQ for job workers (`--job-workers` > 0, or `JOB_QUEUE=bullmq` with job workers started apart, e.g. `weft worker`) */
  bullmq: boolean;
  /** the Redis of the channel layer, or undefined for the in-memory layer */
  redisUrl: string | undefined;
  /** LOG_LEVEL of the fastify logger (default warn) */
  logLevel: string;
  /** STOP_GRACE_MS: after SIGTERM / SIGINT, how long a close may take before the process exits with 1 (ms, default 10,000) */
  stopGraceMs: number;
}

/** Thrown for a command line or environment the demo cannot start with. */
export class DemoConfigError extends Error {
  /** @param message - what is wrong, shown with the usage line */
  constructor(message: string) {
    super(message);
    this.name = "DemoConfigError";
  }
}

function positiveInt(what: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new DemoConfigError(`${what} must be an integer >= ${min} (got "${text}")`);
  return n;
}

/**
 * Reads the demo's configuration: `[check] [--workers N] [--job-workers M]` and PORT, HOST,
 * DEMO_DB, DATABASE_URL, DATABASE_POOL_SIZE, DATABASE_STATEMENT_TIMEOUT_MS, SIMULATE_MS,
 * WORKERS, JOB_WORKERS, JOB_QUEUE, REDIS_URL, LOG_LEVEL, STOP_GRACE_MS.
 *
 * @param argv - the arguments after the script (`process.argv.slice(2)`)
 * @param env - the environment
 * @throws DemoConfigError for an unknown command or option, or a number out of range
 */
export function readConfig(argv: string[], env: NodeJS.ProcessEnv): DemoConfig {
  let parsed;
  try {
    // `pnpm check -- --workers 2` passes the "--" along
    parsed = parseArgs({ args: argv.filter((a) => a !== "--"), allowPositionals: true, options: { workers: { type: "string", short: "w" }, "job-workers": { type: "string" } } });
  } catch (err) {
    throw new DemoConfigError((err as Error).message);
  }
  const [command = "serve", ...rest] = parsed.positionals;
  if ((command !== "serve" && command !== "check") || rest.length) throw new DemoConfigError(`unknown command "${parsed.positionals.join(" ")}" (commands: serve, check)`);
  const workersText = parsed.values.workers ?? env.WORKERS ?? "1";
  const jobWorkers = positiveInt("--job-workers / JOB_WORKERS", parsed.values["job-workers"] ?? env.JOB_WORKERS ?? "0", 0);
  const bullmq = jobWorkers > 0 || env.JOB_QUEUE === "bullmq";
  if (bullmq && !env.REDIS_URL) throw new DemoConfigError("--job-workers / JOB_QUEUE=bullmq needs REDIS_URL (jobs go through BullMQ on Redis)");
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !isPostgresUrl(databaseUrl)) throw new DemoConfigError(`DATABASE_URL must be a postgres:// or postgresql:// URL (got "${redactUrl(databaseUrl)}"); for SQLite set DEMO_DB to a file instead`);
  return {
    jobWorkers,
    bullmq,
    command,
    port: positiveInt("PORT", env.PORT ?? "3000", 0),
    host: env.HOST ?? "127.0.0.1",
    dbFile: env.DEMO_DB ?? DEFAULT_DATABASE_FILE,
    databaseUrl,
    pool: {
      max: positiveInt("DATABASE_POOL_SIZE", env.DATABASE_POOL_SIZE ?? "10", 1),
      statementTimeoutMs: positiveInt("DATABASE_STATEMENT_TIMEOUT_MS", env.DATABASE_STATEMENT_TIMEOUT_MS ?? "2000", 0),
    },
    simulateMs: positiveInt("SIMULATE_MS", env.SIMULATE_MS ?? "3000", 0),
    workers: positiveInt("--workers / WORKERS", workersText, 1),
    redisUrl: env.REDIS_URL || undefined,
    logLevel: env.LOG_LEVEL ?? "warn",
    stopGraceMs: positiveInt("STOP_GRACE_MS", env.STOP_GRACE_MS ?? "10000", 1),
  };
}

/** Seeds the configured database when it has no orders (PostgreSQL: with COPY, once for all processes). */
export async function ensureDemoSeeded(config: Pick<DemoConfig, "dbFile" | "databaseUrl">): Promise<void> {
  if (config.databaseUrl) await ensureSeededPostgres(config.databaseUrl);
  else ensureSeeded(config.dbFile);
}

/** The "Database: … / Channel layer: … / Workers: …" lines printed at start-up. */
export function describeDeployment(config: Pick<DemoConfig, "redisUrl" | "workers" | "port" | "simulateMs"> & Partial<Pick<DemoConfig, "databaseUrl" | "dbFile" | "jobWorkers">>): string {
  const layer = config.redisUrl
    ? `Redis at ${redactUrl(config.redisUrl)} (one publisher + one subscriber connection per process)`
    : "in-memory (this process only; set REDIS_URL for several processes)";
  const sim = config.simulateMs ? `the order simulator runs in ${config.workers > 1 ? "worker 1" : "this process"}, every ${config.simulateMs} ms` : "order simulator off";
  const workers = config.workers > 1 ? `${config.workers} (node:cluster, sharing port ${config.port}; ${sim})` : `1 (${sim})`;
  const database = config.databaseUrl ? `PostgreSQL at ${redactUrl(config.databaseUrl)}` : config.dbFile ? `SQLite file ${config.dbFile}` : undefined;
  const jobs = config.jobWorkers ? `\nJob workers:   ${config.jobWorkers} (BullMQ on the same Redis; web workers only enqueue)` : "";
  return `${database ? `Database:      ${database}\n` : ""}Channel layer: ${layer}\nWorkers:       ${workers}${jobs}`;
}

/** Waits (at most `ms`) for `layer` to be healthy; resolves whether it is. */
function whenHealthy(layer: ChannelLayer, ms: number): Promise<boolean> {
  if (layer.healthy) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), ms);
    const off = layer.onHealthChange((h) => h && done(true));
    function done(ok: boolean) {
      clearTimeout(timer);
      off();
      resolve(ok);
    }
  });
}

/**
 * The admin's start-up checks for this deployment (see `runChecks`), plus the demo's own: with
 * `REDIS_URL`, whether Redis answers (`demo.W001`, a warning: the demo starts anyway and shows
 * the degraded banner until it does).
 *
 * @param config - workers, REDIS_URL, the database
 * @param prepare - also seed the database, write the secret file and create the demo users
 *   (the cluster primary); the `check` command only reads
 */
export async function deploymentChecks(config: DemoConfig, prepare: boolean): Promise<CheckMessage[]> {
  if (prepare) await ensureDemoSeeded(config);
  const database = await openDemoDatabase(config, demoSecret);
  if (prepare) await database.secret();
  const { db, sqlite } = database;
  const layer = config.redisUrl ? new RedisChannelLayer(config.redisUrl, { commandTimeoutMs: 2_000 }) : new MemoryChannelLayer();
  try {
    const site = buildAdmin(db, sqlite);
    // the admin's tables, once here for the workers (`check` alone only reads)
    if (prepare) await site.ready();
    // built once here, before the workers start (each would otherwise wait for the first)
    if (prepare) await site.migrateSearchIndexes();
    if (prepare) await ensureDemoUsersShared(site);
    // weft's default view limits (the demo does not change them): weft.W002 counts against 64
    const messages = runChecks(site, { workers: config.workers, pubsub: layer, widgets: site.dashboard.all() });
    if (config.redisUrl && !(await whenHealthy(layer, 3_000))) {
      messages.push({
        id: "demo.W001",
        level: "warning",
        obj: null,
        message: `Redis at ${redactUrl(config.redisUrl)} does not answer: until it does, admin pages show "Live updates are paused" and publishes fail (logged).`,
        hint: "Start Redis (or fix REDIS_URL); the demo reconnects by itself. Unset REDIS_URL to use the in-memory layer with one worker.",
      });
    }
    return messages;
  } finally {
    await layer.close();
    await database.close();
  }
}

/**
 * `main.js check [--workers N]`: prints every finding as Django's `check` command does and
 * resolves the exit code: 1 when any is an error, else 0.
 */
export async function checkCommand(config: DemoConfig): Promise<number> {
  const messages = await deploymentChecks(config, false);
  const out = formatReport(messages);
  if (messages.some((m) => m.level === "error")) {
    console.error(out);
    return 1;
  }
  console.log(out);
  return 0;
}

function printUrls(port: number): void {
  console.log(`Weft demo: http://localhost:${port}/`);
  console.log(`Admin:     http://localhost:${port}/admin/  (log in as ${DEMO_USERS.map((u) => `${u.username}/${u.username}`).join(", ")})`);
}

/** Prints warnings; on errors prints the report and resolves false. */
function reportChecks(messages: CheckMessage[]): boolean {
  if (messages.some((m) => m.level === "error")) {
    console.error(formatReport(messages));
    console.error("The demo does not start: fix the errors above (`node examples/admin-demo/dist/main.js check` runs these checks alone).");
    return false;
  }
  for (const m of messages) console.warn(`Warning: ${formatCheck(m)}`);
  return true;
}

/**
 * Serves the demo in this process: one process on its own, or one worker of a cluster (then
 * `WEFT_WORKER` is its number, it runs the simulator only when the primary says so, and it
 * leaves the start-up checks to the primary). Stops cleanly on SIGTERM / SIGINT, and when the
 * primary goes away.
 *
 * @returns the app, listening
 */
export async function serve(config: DemoConfig): Promise<FastifyInstance> {
  const worker = cluster.isWorker ? Number(process.env.WEFT_WORKER ?? cluster.worker?.id ?? 0) : 0;
  if (!worker) {
    await ensureDemoSeeded(config);
    console.log(describeDeployment(config));
  }
  let app: FastifyInstance;
  try {
    app = await buildApp({
      dbFile: config.dbFile,
      ...(config.databaseUrl ? { databaseUrl: config.databaseUrl, pool: config.pool } : {}),
      simulateMs: config.simulateMs,
      redisUrl: config.redisUrl,
      workers: config.workers,
      bullmq: config.bullmq,
      checks: !worker,
      logger: { level: config.logLevel, ...(worker ? { base: { worker } } : {}) },
    });
  } catch (err) {
    if (err instanceof SystemCheckError) {
      reportChecks([...err.messages]);
      process.exit(1);
    }
    throw err;
  }
  // which worker answered (to see the round-robin at work: `curl -sI …/admin/login/`)
  if (worker) app.addHook("onSend", async (_req, reply) => void reply.header("x-weft-worker", String(worker)));
  await app.listen({ port: config.port, host: config.host });
  if (!worker) printUrls(config.port);
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    // a hung close must not keep the process: the primary (or the shell) is waiting
    setTimeout(() => process.exit(1), config.stopGraceMs).unref();
    // requests still open halfway through the grace are cut (Node's closeAllConnections), so a
    // stuck HTTP connection cannot hold app.close() until the grace runs out
    setTimeout(() => app.server.closeAllConnections(), config.stopGraceMs / 2).unref();
    void app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, shutdown);
  // the primary died (or disconnected us): nobody hands us connections any more
  if (worker) process.once("disconnect", shutdown);
  return app;
}

/** A worker that died this soon after it was forked counts as a failed start (ms). */
const QUICK_DEATH_MS = 5_000;
/** Failed starts in a row, before any worker ever listened, after which the primary gives up. */
const MAX_FAILED_STARTS = 5;

/**
 * The cluster's primary: prepares the database and runs the checks once, forks
 * `config.workers` workers sharing the port, restarts any that dies (backing off when one dies
 * right after starting), and on SIGTERM / SIGINT stops them all before exiting.
 *
 * @returns when the primary is set up (it keeps running until a signal)
 */
export async function runPrimary(config: DemoConfig): Promise<void> {
  console.log(describeDeployment(config));
  if (!reportChecks(await deploymentChecks(config, true))) process.exit(1);

  const slots = new Map<Worker, { slot: number; forkedAt: number }>();
  const failures = new Map<number, number>();
  let listened = 0;
  let everListened = false;
  let stopping = false;
  let stopCode = 0;

  const fork = (slot: number) => {
    // slots past the web workers are job workers: they run jobs and never listen
    const w = cluster.fork({
      ...(slot > config.workers ? { WEFT_JOB_WORKER: String(slot - config.workers) } : {}),
      WEFT_WORKER: String(slot),
      // one simulator for the whole cluster, or orders would multiply
      SIMULATE_MS: slot === 1 ? String(config.simulateMs) : "0",
    });
    slots.set(w, { slot, forkedAt: Date.now() });
    w.once("listening", () => {
      failures.set(slot, 0);
      if (everListened) return console.log(`Worker ${slot} (pid ${w.process.pid}) is back.`);
      if (++listened === config.workers) {
        everListened = true;
        printUrls(config.port);
      }
    });
  };

  cluster.on("exit", (w, code, signal) => {
    const info = slots.get(w);
    slots.delete(w);
    if (stopping || !info) {
      if (stopping && slots.size === 0) process.exit(stopCode);
      return;
    }
    const quick = Date.now() - info.forkedAt < QUICK_DEATH_MS;
    const fails = quick ? (failures.get(info.slot) ?? 0) + 1 : 0;
    failures.set(info.slot, fails);
    if (!everListened && fails >= MAX_FAILED_STARTS) {
      console.error(`Worker ${info.slot} failed to start ${fails} times in a row; giving up.`);
      stopAll(1);
      return;
    }
    const delay = fails ? Math.min(100 * 2 ** fails, 10_000) : 0;
    console.error(`Worker ${info.slot} (pid ${w.process.pid}) died (${signal ?? `code ${code}`}); restarting it${delay ? ` in ${delay} ms` : ""}.`);
    setTimeout(() => !stopping && fork(info.slot), delay);
  });

  const stopAll = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    stopCode = exitCode;
    if (slots.size === 0) process.exit(exitCode);
    for (const w of slots.keys()) w.process.kill("SIGTERM");
    // workers close within their own 10 s bound; past that, no mercy
    setTimeout(() => {
      for (const w of slots.keys()) w.process.kill("SIGKILL");
      process.exit(exitCode);
    }, 12_000).unref();
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => stopAll(0));

  for (let slot = 1; slot <= config.workers + config.jobWorkers; slot++) fork(slot);
}
