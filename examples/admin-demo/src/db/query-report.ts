/**
 * Times the example queries on a seeded database and prints each one's query plan:
 *
 * ```
 * node dist/db/query-report.js [file | postgres://…] [--plans]
 * ```
 *
 * The target is the argument, else `$DATABASE_URL` (a `postgres://` URL), else `$DEMO_DB`,
 * else the demo's file. Plans come from SQLite's `EXPLAIN QUERY PLAN`, or PostgreSQL's
 * `EXPLAIN` (estimated plans: the statements are not run twice).
 *
 * It prints figures; it asserts nothing. Use it on the full-size seed to check that a change
 * to the schema or the queries keeps them on their indexes.
 */
import { drizzle } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { databaseFile, isMain } from "./cli.js";
import type { AnyDemoDb } from "./engine.js";
import { openDatabase } from "./open.js";
import { isPostgresUrl, openPostgres } from "./open-pg.js";
import { countOrdersToday, openTicketCount, revenueToday, searchOrders, type SearchOrdersOptions } from "./queries.js";
import * as schema from "./schema.js";
import * as pgSchema from "./schema-pg.js";

/** One measured query: median and worst wall time over the runs, a summary, its plans. */
export interface QueryTiming {
  label: string;
  medianMs: number;
  maxMs: number;
  summary: string;
  plans: string[];
}

/** The searches the report runs: typical ones first, then the known slow corners. */
export const REPORT_SEARCHES: ReadonlyArray<readonly [string, SearchOrdersOptions]> = [
  ["all, page 1", {}],
  ["all, page 100", { page: 100 }],
  ["status=paid", { status: "paid" }],
  ["status=delivered (exact count of ~370k)", { status: "delivered" }],
  ['number "ORD-0001"', { q: "ORD-0001" }],
  ['digits "123"', { q: "123" }],
  ['number "ORD-" (all)', { q: "ORD-" }],
  ['name "smith"', { q: "smith" }],
  ['name "smith", page 3', { q: "smith", page: 3 }],
  ['name "smith", status=pending', { q: "smith", status: "pending" }],
  ['name "a" (matches almost all)', { q: "a" }],
  ['name "a", page 20', { q: "a", page: 20 }],
  ['name "a", status=refunded', { q: "a", status: "refunded" }],
  ['email "example.net"', { q: "example.net" }],
  ['email "example.net", status=delivered', { q: "example.net", status: "delivered" }],
  ['no match "zzz"', { q: "zzz" }],
  ['slow corner: number "ORD-1" (100k old orders)', { q: "ORD-1" }],
];

/**
 * Runs every report query `runs` times on the database and returns the timings and plans.
 *
 * @param target - a seeded demo database: a SQLite file, or a `postgres://` URL.
 * @param runs - repetitions per query (the first, warming run is not counted).
 */
export async function runQueryReport(target: string, runs = 15): Promise<QueryTiming[]> {
  const statements: Array<{ sql: string; params: unknown[] }> = [];
  const logger = { logQuery: (sql: string, params: unknown[]) => void statements.push({ sql, params }) };
  let db: AnyDemoDb;
  let explain: (sql: string, params: unknown[]) => Promise<string>;
  let close: () => Promise<void>;
  if (isPostgresUrl(target)) {
    const { pool } = await openPostgres(target, { max: 1, statementTimeoutMs: 0 });
    db = drizzlePg({ client: pool, schema: pgSchema, logger });
    explain = async (sql, params) => (await pool.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n      ");
    close = () => pool.end();
  } else {
    const { sqlite } = openDatabase(target);
    db = drizzle(sqlite, { schema, logger });
    explain = async (sql, params) =>
      (sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join(" | ");
    close = async () => void sqlite.close();
  }
  try {
    const measure = async (label: string, run: () => Promise<unknown>, describe: (r: unknown) => string): Promise<QueryTiming> => {
      statements.length = 0;
      const result = await run();
      const plans: string[] = [];
      for (const { sql, params } of statements.splice(0)) plans.push(await explain(sql, params));
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        await run();
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      return {
        label,
        medianMs: times[Math.floor(times.length / 2)] ?? 0,
        maxMs: times[times.length - 1] ?? 0,
        summary: describe(result),
        plans,
      };
    };
    const out: QueryTiming[] = [];
    for (const [label, options] of REPORT_SEARCHES) {
      out.push(
        await measure(
          `searchOrders ${label}`,
          () => searchOrders(db, options),
          (r) => {
            const { rows, total, totalCapped } = r as Awaited<ReturnType<typeof searchOrders>>;
            return `${rows.length} rows, total ${total}${totalCapped ? "+" : ""}`;
          },
        ),
      );
    }
    out.push(await measure("countOrdersToday", () => countOrdersToday(db), String));
    out.push(await measure("revenueToday", () => revenueToday(db), (r) => `${r} cents`));
    out.push(await measure("openTicketCount", () => openTicketCount(db), String));
    return out;
  } finally {
    await close();
  }
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const named = args.find((a) => !a.startsWith("--")) ?? (isPostgresUrl(process.env.DATABASE_URL) ? process.env.DATABASE_URL : undefined);
  const file = isPostgresUrl(named) ? named : databaseFile(named);
  const showPlans = args.includes("--plans");
  for (const t of await runQueryReport(file)) {
    process.stdout.write(
      `${t.label.padEnd(62)} median ${t.medianMs.toFixed(2).padStart(7)} ms  max ${t.maxMs.toFixed(2).padStart(7)} ms  ${t.summary}\n`,
    );
    if (showPlans) for (const plan of t.plans) process.stdout.write(`    ${plan}\n`);
  }
}
