// A job worker process for jobs-bullmq.test.ts: BullMQ workers for the test's kinds of job,
// working on a real SQLite file. Prints JSON lines ({ ready }, { started }) on stdout.
//   node --import <server>/test/support/ts-register.mjs bull-worker.ts '<json config>'
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { JobStore } from "@weft/server/jobs";
import { RedisChannelLayer } from "@weft/server/pubsub";
import { BullJobQueue } from "../../src/jobs/bullmq-queue.js";
import { registerTestKinds } from "./bull-kinds.js";

const cfg = JSON.parse(process.argv[2]!) as { url: string; prefix: string; db: string; leaseMs: number; lockMs: number; stalledMs: number; name: string };
const layer = new RedisChannelLayer(cfg.url, { keyPrefix: cfg.prefix });
const store = new JobStore(layer, { leaseMs: cfg.leaseMs, maxPerOwner: Infinity, maxPerAction: Infinity });
const logger = { error: (o: unknown, m?: string) => process.stderr.write(`[${cfg.name}] ${m} ${String((o as { err?: Error }).err?.stack)}\n`), warn: () => {} };
const queue = new BullJobQueue(store, { url: cfg.url, prefix: `${cfg.prefix}bull`, runJobs: true, lockDurationMs: cfg.lockMs, stalledIntervalMs: cfg.stalledMs, logger, worker: cfg.name });
const db = new Database(cfg.db);
db.pragma("journal_mode = WAL");
db.pragma("busy_timeout = 5000");
registerTestKinds(queue, db, cfg.name, (m) => process.stdout.write(`${JSON.stringify(m)}\n`));
await sleep(10);
process.stdout.write(`${JSON.stringify({ ready: cfg.name })}\n`);
process.once("SIGTERM", () => void queue.close().then(() => process.exit(0)));
