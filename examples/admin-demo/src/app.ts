import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { adminPlugin, MemoryChannelLayer, weft, type ChannelLayer } from "@weft/server";
import fastifyCompress from "@fastify/compress";
import Fastify, { type FastifyInstance } from "fastify";
import { buildAdmin, ensureDemoUsers } from "./admin.js";
import type { DemoContext } from "./context.js";
import { openDatabase } from "./db/open.js";
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
  /** SQLite file (already seeded, see ensureSeeded) */
  dbFile: string;
  /** token/cookie secret; default: WEFT_SECRET, else one kept in `<dbFile>.secret` so restarts keep pages valid */
  secret?: string;
  /** insert a random order every this many ms (0: off) */
  simulateMs?: number;
  /** fastify logger (default off) */
  logger?: boolean | object;
  pubsub?: ChannelLayer;
}

/** The secret from the environment, or one generated once and kept beside the database. */
export function demoSecret(dbFile: string): string {
  if (process.env.WEFT_SECRET) return process.env.WEFT_SECRET;
  const file = `${dbFile}.secret`;
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(36).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Builds the demo server (not listening yet). */
export async function buildApp(opts: DemoOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false });
  // gzip/brotli for pages and assets (the admin's first load stays a few KB)
  await app.register(fastifyCompress, { threshold: 1024 });
  const { db, sqlite } = openDatabase(opts.dbFile);
  const pubsub = opts.pubsub ?? new MemoryChannelLayer((err) => app.log.error({ err }, "subscriber failed"));
  const context: DemoContext = { db, sqlite };
  const site = buildAdmin(db, sqlite);
  await ensureDemoUsers(site);
  await app.register(weft, {
    sessions: site.sessions,
    secret: opts.secret ?? demoSecret(opts.dbFile),
    views: TEMPLATES,
    layout: "layout.eta",
    context,
    pubsub,
  });
  app.weft.layoutData.css = app.weft.asset("demo.css", readFileSync(CSS), "text/css; charset=utf-8");
  await app.register(adminPlugin, { site });
  app.live("/", Home);
  app.live("/counter", Counter);
  app.live("/orders", OrderSearch);
  app.live("/kpi", OrdersToday);
  app.live("/table", StockTable);
  let stop = () => {};
  if (opts.simulateMs) stop = startOrderSimulator(db, pubsub, opts.simulateMs, (err) => app.log.error({ err }, "simulator failed"));
  app.addHook("onClose", async () => {
    stop();
    sqlite.close();
  });
  return app;
}
