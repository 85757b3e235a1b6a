/**
 * Times the example queries on a seeded database and prints each one's query plan:
 *
 * ```
 * node dist/db/query-report.js [file] [--plans]
 * ```
 *
 * SQLite only (its plans come from EXPLAIN QUERY PLAN).
 *
 * It prints figures; it asserts nothing. Use it on the full-size seed to check that a change
 * to the schema or the queries keeps them on their indexes.
 */
import { drizzle } from "drizzle-orm/better-sqlite3";
import { databaseFile, isMain } from "./cli.js";
import { openDatabase } from "./open.js";
import { countOrdersToday, openTicketCount, revenueToday, searchOrders, type SearchOrdersOptions } from "./queries.js";
import * as schema from "./schema.js";

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
 * Runs every report query `runs` times on the file and returns the timings and plans.
 *
 * @param file - a seeded demo database.
 * @param runs - repetitions per query (the first, warming run is not counted).
 */
export async function runQueryReport(file: string, runs = 15): Promise<QueryTiming[]> {
  const { sqlite } = openDatabase(file);
  try {
    const statements: Array<{ sql: string; params: unknown[] }> = [];
    const db = drizzle(sqlite, { schema, logger: { logQuery: (sql, params) => statements.push({ sql, params }) } });
    const measure = async (label: string, run: () => Promise<unknown>, describe: (r: unknown) => string): Promise<QueryTiming> => {
      statements.length = 0;
      const result = await run();
      const plans = statements.map(({ sql, params }) =>
        (sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>)
          .map((r) => r.detail)
          .join(" | "),
      );
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
    sqlite.close();
  }
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const file = databaseFile(args.find((a) => !a.startsWith("--")));
  const showPlans = args.includes("--plans");
  for (const t of await runQueryReport(file)) {
    process.stdout.write(
      `${t.label.padEnd(62)} median ${t.medianMs.toFixed(2).padStart(7)} ms  max ${t.maxMs.toFixed(2).padStart(7)} ms  ${t.summary}\n`,
    );
    if (showPlans) for (const plan of t.plans) process.stdout.write(`    ${plan}\n`);
  }
}
