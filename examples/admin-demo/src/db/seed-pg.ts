/**
 * The demo seed on PostgreSQL: the same rows as the SQLite seed (seed.ts's `planSeed` and
 * `writeAllRows`: one PRNG, the same faker pools), loaded with `COPY … FROM STDIN`
 * (pg-copy-streams) instead of row-by-row inserts.
 *
 * How: a worker thread (seed-pg-worker.ts) makes the rows as COPY text, chunk by chunk, while
 * this thread streams the chunks in, table after table, on one connection in one transaction:
 * first the tables' foreign keys, primary keys and indexes are dropped (read back from the
 * catalog first, as the SQLite seed reads sqlite_master), then each table is copied, then the
 * indexes and constraints are made again (which checks them), the identity sequences move
 * past the ids written, and ANALYZE runs after the commit. All or nothing, like the SQLite seed.
 * The tables are truncated in the transaction (they are empty) so that COPY can FREEZE the rows.
 */
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { SEED_TABLES, type SeedOptions, type SeedProgress, type SeedResult, type SeedTable } from "./seed.js";
import { COPY_COLUMNS } from "./seed/copy.js";
import type { SeedWorkerMessage } from "./seed-pg-worker.js";

/** The worker's file: always the built one (dist/db), also when this module runs from src/ under the tests. */
const WORKER = new URL("../../dist/db/seed-pg-worker.js", import.meta.url);

/** The worker's chunks, per table, as they come; `next(table)` waits for the table's next chunk (null: no more). */
class ChunkQueues {
  private readonly chunks = new Map<SeedTable, { text: string; rows: number }[]>(SEED_TABLES.map((t) => [t, []]));
  private readonly finished = new Set<SeedTable>();
  /** rows per table, once the table is finished */
  readonly totals = new Map<SeedTable, number>();
  private wake: () => void = () => {};
  private failure: Error | undefined;
  counts: Record<SeedTable, number> | undefined;

  take(m: SeedWorkerMessage): void {
    if (m.type === "chunk") this.chunks.get(m.table)!.push({ text: m.text, rows: m.rows });
    else if (m.type === "finished") {
      for (const t of m.tables) {
        this.finished.add(t);
        this.totals.set(t, m.counts[t]);
      }
    }
    else if (m.type === "done") this.counts = m.counts;
    else this.failure = new Error(m.message);
    this.wake();
  }

  fail(err: Error): void {
    this.failure ??= err;
    this.wake();
  }

  /** The worker's row counts, once it has made every row. */
  async whenDone(): Promise<Record<SeedTable, number>> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.counts) return this.counts;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async next(table: SeedTable): Promise<{ text: string; rows: number } | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk = this.chunks.get(table)!.shift();
      if (chunk) return chunk;
      if (this.finished.has(table)) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/** Streams one table's chunks through `COPY table (columns) FROM STDIN` as the worker makes them. */
async function copyTable(client: pg.PoolClient, table: SeedTable, queues: ChunkQueues, total: number, report: (p: SeedProgress) => void): Promise<void> {
  const columns = COPY_COLUMNS[table].map(([name]) => `"${name}"`).join(", ");
  // FREEZE: the rows are written as already visible to all (the table was emptied in this
  // transaction), so no later read or VACUUM rewrites every page to set hint bits
  const stream = client.query(copyFrom(`COPY "${table}" (${columns}) FROM STDIN WITH (FREEZE)`));
  const finished = once(stream, "finish");
  finished.catch(() => {}); // a failed COPY is seen below (errored, or awaited)
  let done = 0;
  try {
    for (let chunk = await queues.next(table); chunk; chunk = await queues.next(table)) {
      if (stream.errored) throw stream.errored;
      if (!stream.write(chunk.text)) await once(stream, "drain");
      done += chunk.rows;
      // the items' count (1–4 per order) is known once the worker has made them all
      report({ table, done, total: Math.max(done, queues.totals.get(table) ?? total) });
    }
  } catch (err) {
    stream.destroy(err as Error); // the transaction is rolled back by the caller
    throw err;
  }
  stream.end();
  await finished;
}

/** The non-constraint indexes, primary keys and foreign keys of `tables`, to drop and make again. */
async function rebuildables(client: pg.PoolClient, tables: readonly string[]) {
  const { rows: indexes } = await client.query<{ name: string; def: string }>(
    `SELECT c.relname AS name, pg_get_indexdef(x.indexrelid) AS def FROM pg_index x
     JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
     WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)`,
    [tables],
  );
  const { rows: constraints } = await client.query<{ table: string; name: string; def: string; type: "p" | "f" }>(
    `SELECT t.relname AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS def, k.contype AS type
     FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
     WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1) AND k.contype IN ('p', 'f')`,
    [tables],
  );
  return { indexes, primaryKeys: constraints.filter((k) => k.type === "p"), foreignKeys: constraints.filter((k) => k.type === "f") };
}

/**
 * Fills an empty, migrated PostgreSQL database with the demo data (the same rows as `seed` on
 * SQLite), with COPY, in one transaction. Throws if any of the shop tables already has rows.
 *
 * @param pool - a pg pool on the database (one connection is used)
 * @param options - row counts, the "today" reference and a progress callback (as `seed`)
 * @returns rows written per table and the time taken
 * @throws Error when a table is not empty or the load fails (nothing is left written)
 */
export async function seedPostgres(pool: pg.Pool, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const { onProgress, ...sizes } = options;
  const report = onProgress ?? (() => {});
  const client = await pool.connect();
  let worker: Worker | undefined;
  try {
    for (const table of SEED_TABLES) {
      const { rows } = await client.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM "${table}") AS empty`);
      if (!rows[0]!.empty) throw new Error(`seed: table ${table} is not empty`);
    }
    const queues = new ChunkQueues();
    worker = new Worker(WORKER, { workerData: sizes });
    worker.on("message", (m: SeedWorkerMessage) => queues.take(m));
    worker.on("error", (err) => queues.fail(err));
    worker.on("exit", (code) => code !== 0 && queues.fail(new Error(`seed: the row worker exited with code ${code}`)));

    const expected: Record<SeedTable, number> = {
      customers: options.customers ?? 50_000,
      products: options.products ?? 2_000,
      orders: options.orders ?? 400_000,
      order_items: 0,
      support_tickets: options.tickets ?? 20_000,
    };
    const tables = [...SEED_TABLES];
    let steps = 1; // rebuilds, then ANALYZE
    await client.query("BEGIN");
    try {
      // a pool's statement timeout is for requests: the load and the index builds take longer
      await client.query("SET LOCAL statement_timeout = 0");
      await client.query("SET LOCAL maintenance_work_mem = '256MB'");
      await client.query("SET LOCAL max_parallel_maintenance_workers = 4");
      const { indexes, primaryKeys, foreignKeys } = await rebuildables(client, tables);
      for (const k of [...foreignKeys, ...primaryKeys]) await client.query(`ALTER TABLE "${k.table}" DROP CONSTRAINT "${k.name}"`);
      for (const ix of indexes) await client.query(`DROP INDEX "${ix.name}"`);
      // empty already (checked above); truncated in this transaction so that COPY may FREEZE
      await client.query(`TRUNCATE ${tables.map((t) => `"${t}"`).join(", ")}`);

      for (const table of SEED_TABLES) await copyTable(client, table, queues, expected[table], report);
      await queues.whenDone();

      const rebuild = [
        ...primaryKeys.map((k) => `ALTER TABLE "${k.table}" ADD CONSTRAINT "${k.name}" ${k.def}`),
        ...indexes.map((ix) => ix.def),
        ...foreignKeys.map((k) => `ALTER TABLE "${k.table}" ADD CONSTRAINT "${k.name}" ${k.def}`),
      ];
      steps += rebuild.length;
      report({ table: "indexes", done: 0, total: steps });
      for (const [i, statement] of rebuild.entries()) {
        await client.query(statement);
        report({ table: "indexes", done: i + 1, total: steps });
      }
      // identity columns: the next id follows the ones written
      for (const table of SEED_TABLES) {
        await client.query(`SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), coalesce(max(id), 0) + 1, false) FROM "${table}"`);
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK");
      throw err;
    }
    // planner statistics for the fresh tables and indexes
    await client.query(`ANALYZE ${SEED_TABLES.map((t) => `"${t}"`).join(", ")}`);
    report({ table: "indexes", done: steps, total: steps });
    return { counts: await queues.whenDone(), ms: performance.now() - started };
  } finally {
    client.release();
    await worker?.terminate();
  }
}
