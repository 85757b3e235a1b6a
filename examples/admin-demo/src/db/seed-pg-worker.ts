/**
 * The worker thread of the PostgreSQL seed: makes the rows (seed.ts's {@link planSeed} and
 * {@link writeAllRows}, the same as on SQLite) as COPY text while the main thread streams the
 * finished chunks into PostgreSQL, so making and loading overlap.
 *
 * Messages to the main thread ({@link SeedWorkerMessage}): `chunk` (COPY text of one table),
 * `finished` (these tables have all their rows; the counts so far), `done` (the row counts), `error`.
 */
import { parentPort, workerData } from "node:worker_threads";
import { planSeed, SEED_TABLES, writeAllRows, type SeedOptions, type SeedTable } from "./seed.js";
import { COPY_COLUMNS, CopyChunker } from "./seed/copy.js";

/** What the seed worker posts. */
export type SeedWorkerMessage =
  | { type: "chunk"; table: SeedTable; text: string; rows: number }
  | { type: "finished"; tables: SeedTable[]; counts: Record<SeedTable, number> }
  | { type: "done"; counts: Record<SeedTable, number> }
  | { type: "error"; message: string };

if (parentPort) {
  const port = parentPort;
  const post = (m: SeedWorkerMessage) => port.postMessage(m);
  try {
    const plan = planSeed(workerData as Omit<SeedOptions, "onProgress">, () => {});
    const sinks = Object.fromEntries(
      SEED_TABLES.map((table) => [table, new CopyChunker(COPY_COLUMNS[table].map(([, kind]) => kind), (text, rows) => post({ type: "chunk", table, text, rows }))]),
    ) as Record<SeedTable, CopyChunker>;
    writeAllRows(plan, { customers: sinks.customers, products: sinks.products, orders: sinks.orders, orderItems: sinks.order_items, tickets: sinks.support_tickets }, (tables) => {
      for (const t of tables) sinks[t].flush();
      post({ type: "finished", tables, counts: { ...plan.ctx.counts } });
    });
    post({ type: "done", counts: plan.ctx.counts });
  } catch (err) {
    post({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
}
