import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { weft, type ChannelLayer } from "@weft/server";
import { ChannelLayerUnavailableError, MemoryChannelLayer, RedisChannelLayer } from "@weft/server/pubsub";
import { adminPlugin, type AdminSite } from "@weft/admin";
import type { FairShareOption } from "@weft/admin/query";
import fastifyCompress, { type FastifyCompressOptions } from "@fastify/compress";
import Fastify, { type FastifyInstance } from "fastify";
import { buildAdmin, DEMO_USERS, ensureDemoUsers } from "./admin.js";
import type { DemoContext } from "./context.js";
import type { AnyDemoDb } from "./db/engine.js";
import { openDemoDatabase } from "./db/connect.js";
import type { PostgresPoolOptions } from "./db/open-pg.js";
import { startOrderSimulator } from "./simulator.js";
import { Counter } from "./views/counter.js";
import { Home } from "./views/home.js";
import { OrderSearch } from "./views/order-search.js";
import { OrdersToday } from "./views/orders-today.js";
import { StockTable } from "./views/table.js";

const TEMPLATES = fileURLToPath(new URL("../templates", import.meta.url));
const CSS = fileURLToPath(new URL("../public/demo.css", import.meta.url));

/** Options of {@link buildApp}. */
export interface DemoOptions {
  /** SQLite file (already seeded, see ensureSeeded); not used when `databaseUrl` is set */
  dbFile: string;
  /** a `postgres://` URL: the shop's data (and the admin's) in PostgreSQL instead of `dbFile` (already seeded, see ensureSeededPostgres) */
  databaseUrl?: string;
  /** PostgreSQL's pool: size and statement timeout (see openPostgres) */
  pool?: PostgresPoolOptions;
  /** token/cookie secret; default: WEFT_SECRET, else one kept in `<dbFile>.secret` (PostgreSQL: in the database) so restarts keep pages valid */
  secret?: string;
  /** insert a random order every this many ms (0: off) */
  simulateMs?: number;
  /** fastify logger (default off) */
  logger?: boolean | object;
  /** the channel layer (default: {@link demoChannelLayer} of `redisUrl`); the caller closes one it passes */
  pubsub?: ChannelLayer;
  /** Redis for the channel layer when `pubsub` is not given (default: none, the in-memory layer) */
  redisUrl?: string;
  /** enqueue the progress jobs on BullMQ (on `redisUrl`) for job workers instead of running them here (default false) */
  bullmq?: boolean;
  /** how many processes serve the demo, for the admin's start-up checks (default 1) */
  workers?: number;
  /** run the admin's start-up checks at install (default true; a cluster's primary ran them already) */
  checks?: boolean;
  /**
   * How long an idle keep-alive HTTP connection stays open, ms (default {@link DEMO_KEEP_ALIVE_MS},
   * Node's own default; fastify's is 72 s). Behind a proxy or load balancer that reuses
   * connections, set it above the proxy's idle timeout (see docs/deployment.md).
   */
  keepAliveTimeoutMs?: number;
  /** options of @fastify/compress (default {@link DEMO_COMPRESS}); false: no compression (e.g. a proxy compresses) */
  compress?: FastifyCompressOptions | false;
  /** the admin's per-user share of database time (`AdminSiteOptions.fairShare`; default: the admin's default, on); `pnpm bench:stall --no-fair-share` passes false */
  fairShare?: FairShareOption;
}

/** The demo's keep-alive timeout, ms: Node's default (fastify's 72 s keeps every recent visitor's socket open). */
export const DEMO_KEEP_ALIVE_MS = 5_000;

/** The demo's compression: pages and assets of 1 KiB and more, gzip/brotli as the browser asks. */
export const DEMO_COMPRESS: FastifyCompressOptions = {
  threshold: 1024,
  encodings: ["gzip", "deflate"],
  zlibOptions: { level: 6, memLevel: 7, windowBits: 14 },
};

/**
 * The demo's channel layer: a {@link RedisChannelLayer} (one publisher and one subscriber
 * connection for the whole process) when `redisUrl` is given, else the in-memory layer.
 *
 * @param redisUrl - `redis://…` / `rediss://…`, or undefined
 * @param onError - where subscriber and connection errors go (the first of each outage only)
 */
export function demoChannelLayer(redisUrl: string | undefined, onError: (err: unknown) => void): ChannelLayer {
  return redisUrl ? new RedisChannelLayer(redisUrl, { onError }) : new MemoryChannelLayer(onError);
}

/**
 * The secret from the environment, or one generated once and kept beside the database. Every
 * process sharing the database reads the same file (the first one to start writes it, with
 * `O_EXCL`, so two processes starting together cannot each make their own).
 */
export function demoSecret(dbFile: string): string {
  if (process.env.WEFT_SECRET) return process.env.WEFT_SECRET;
  const file = `${dbFile}.secret`;
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(36).toString("base64url"), { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  // read back even after writing: a process that lost the race uses the winner's
  for (let i = 0; ; i++) {
    const secret = readFileSync(file, "utf8").trim();
    if (secret || i === 50) return secret;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // the winner is between open and write
  }
}

/**
 * {@link ensureDemoUsers}, safe when several processes sharing the database start together: the
 * one that loses the race waits for the winner's users instead of failing.
 *
 * @throws what `ensureDemoUsers` threw, when the users still do not exist 10 s later
 */
export async function ensureDemoUsersShared(site: AdminSite): Promise<void> {
  try {
    await ensureDemoUsers(site);
  } catch (err) {
    const last = DEMO_USERS[DEMO_USERS.length - 1].username;
    for (let i = 0; i < 100; i++) {
      if (await site.users.getUserByUsername(last)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw err;
  }
}

/**
 * Builds the demo server (not listening yet).
 * @throws TypeError when `keepAliveTimeoutMs` is not a positive number of ms (Node reads 0 as "never close")
 */
export async function buildApp(opts: DemoOptions): Promise<FastifyInstance> {
  const ka = opts.keepAliveTimeoutMs;
  if (ka !== undefined && !(typeof ka === "number" && Number.isFinite(ka) && ka > 0)) {
    throw new TypeError(`demo: keepAliveTimeoutMs must be a positive number of milliseconds (got ${JSON.stringify(ka)}); 0 would keep idle connections open forever`);
  }
  const app = Fastify({ logger: opts.logger ?? false, keepAliveTimeout: opts.keepAliveTimeoutMs ?? DEMO_KEEP_ALIVE_MS });
  // gzip/brotli for pages and assets (the admin's first load stays a few KB)
  if (opts.compress !== false) await app.register(fastifyCompress, opts.compress ?? DEMO_COMPRESS);
  const database = await openDemoDatabase({ dbFile: opts.dbFile, databaseUrl: opts.databaseUrl, ...(opts.pool ? { pool: opts.pool } : {}) }, demoSecret);
  const { db, sqlite } = database;
  const ownLayer = !opts.pubsub;
  const pubsub = opts.pubsub ?? demoChannelLayer(opts.redisUrl, (err) => app.log.error({ err }, "channel layer"));
  // with job workers (--job-workers), jobs go through BullMQ and run there, not in this process
  // ready(): the admin's own tables created or upgraded, on either engine (once for all processes)
  const site = await buildAdmin(db, sqlite, opts.bullmq && opts.redisUrl ? { bullmq: { url: opts.redisUrl } } : undefined, opts.fairShare).ready();
  // the search indexes of the ModelAdmins' `searchIndex` (built once: ~15 s on the 400,000 orders)
  const built = await site.migrateSearchIndexes();
  if (built.length > 0) app.log.info({ indexes: built }, "built the admin's search indexes");
  await ensureDemoUsersShared(site);
  // the views' heavy reads (the public order search) go through the site's read pool, off the loop
  const context: DemoContext = { db, reads: site.reads as AnyDemoDb };
  await app.register(weft, {
    sessions: site.sessions,
    secret: opts.secret ?? (await database.secret()),
    views: TEMPLATES,
    layout: "layout.eta",
    context,
    pubsub,
  });
  app.weft.layoutData.css = app.weft.asset("demo.css", readFileSync(CSS), "text/css; charset=utf-8");
  await app.register(adminPlugin, { site, checks: opts.checks === false ? false : { workers: opts.workers ?? 1 } });
  app.live("/", Home);
  app.live("/counter", Counter);
  app.live("/orders", OrderSearch);
  app.live("/kpi", OrdersToday);
  app.live("/table", StockTable);
  let stop = () => {};
  if (opts.simulateMs) {
    // while the channel layer is down the simulator keeps inserting (the database is the truth) and
    // its publishes fail: one log line per outage, not one per order
    let outage = false;
    pubsub.onHealthChange((healthy) => void (outage = outage && !healthy));
    stop = startOrderSimulator(db, pubsub, opts.simulateMs, (err) => {
      if (!(err instanceof ChannelLayerUnavailableError)) return app.log.error({ err }, "simulator failed");
      if (!outage) app.log.error(`simulator: orders are still saved, but publishing them fails until the channel layer is back (${err.message})`);
      outage = true;
    });
  }
  app.addHook("onClose", async () => {
    stop();
    await database.close();
    if (ownLayer) await pubsub.close();
  });
  return app;
}
