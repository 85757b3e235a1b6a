/**
 * Seeding from the command line, and {@link ensureSeeded} for `pnpm demo`.
 *
 * ```
 * node dist/db/seed-cli.js [file|postgres://…] [--fresh] [--customers N] [--products N] [--orders N] [--tickets N]
 * ```
 *
 * The target defaults to `$DATABASE_URL` (a `postgres://` URL: PostgreSQL, loaded with COPY),
 * else `$DEMO_DB`, else `examples/admin-demo/demo.db`. An already seeded database is left alone
 * unless `--fresh` deletes the file (SQLite) or empties the shop's tables (PostgreSQL) first.
 * On a terminal each table gets a progress bar; the last line gives the row counts and the
 * seconds taken.
 */
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { databaseFile, isMain } from "./cli.js";
import { openDatabase } from "./open.js";
import { isPostgresUrl, openPostgres, withStartLock } from "./open-pg.js";
import { SEED_TABLES, seed, type SeedOptions, type SeedProgress, type SeedResult } from "./seed.js";
import { seedPostgres } from "./seed-pg.js";

/** Options for {@link ensureSeeded}. */
export interface EnsureSeededOptions {
  /** Row counts and the like, passed to `seed` (its `onProgress` is replaced by the printer). */
  seed?: Omit<SeedOptions, "onProgress">;
  /** Where progress goes: progress bars on a TTY, one line per table otherwise (default stderr). */
  stream?: NodeJS.WriteStream;
  /** Print nothing. */
  quiet?: boolean;
}

/** What {@link ensureSeeded} did. */
export interface EnsureSeededResult {
  /** True if this call seeded the database, false if it already had orders. */
  seeded: boolean;
  /** The seed's counts and time, when it ran. */
  result?: SeedResult;
}

const TABLE_LABELS: Record<SeedProgress["table"], string> = {
  customers: "customers",
  products: "products",
  orders: "orders+items",
  order_items: "order items",
  support_tickets: "tickets",
  indexes: "indexes",
};

/**
 * Builds a progress printer for {@link seed}: cli-progress bars on a terminal (redrawn from
 * inside the synchronous seed, at most ten times a second), plain lines when not a terminal.
 *
 * @param stream - where to write.
 * @returns the `onProgress` callback and `stop()` to call when the seed returns or throws.
 */
export function createSeedProgressPrinter(stream: NodeJS.WriteStream = process.stderr): {
  onProgress: (progress: SeedProgress) => void;
  stop: () => void;
} {
  if (!stream.isTTY) {
    return {
      onProgress: ({ table, done, total }) => {
        if (done === total) stream.write(`seed: ${TABLE_LABELS[table]} ${done}/${total}\n`);
      },
      stop: () => {},
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: " {table} |{bar}| {percentage}% {value}/{total}",
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<SeedProgress["table"], cliProgress.SingleBar>();
  let lastDraw = 0;
  return {
    onProgress: ({ table, done, total }) => {
      let bar = bars.get(table);
      if (!bar) {
        bar = multi.create(total, 0, { table: TABLE_LABELS[table].padEnd(12) });
        bars.set(table, bar);
      }
      bar.update(done);
      const now = performance.now();
      // The seed never yields to the event loop, so cli-progress's own timer cannot fire.
      if (done === total || now - lastDraw > 100) {
        lastDraw = now;
        multi.update();
      }
    },
    stop: () => multi.stop(),
  };
}

/** One line summing up a seed: row counts per table and seconds. */
export function formatSeedSummary(result: SeedResult): string {
  const parts = Object.entries(result.counts).map(([table, n]) => `${table}=${n}`);
  return `seeded ${parts.join(" ")} in ${(result.ms / 1000).toFixed(1)} s`;
}

/** The progress printer `options` ask for (none when quiet), and the summary line after. */
function seedPrinter(options: EnsureSeededOptions): { onProgress: (p: SeedProgress) => void; stop: () => void; summary: (r: SeedResult) => void } {
  const stream = options.stream ?? process.stderr;
  const printer = options.quiet ? { onProgress: () => {}, stop: () => {} } : createSeedProgressPrinter(stream);
  return { ...printer, summary: (r) => void (options.quiet || stream.write(`${formatSeedSummary(r)}\n`)) };
}

/**
 * Opens the database file (creating it and applying migrations as needed) and seeds it when
 * its orders table is empty, printing progress. The connection is closed before returning.
 *
 * @param file - path of the SQLite file.
 * @param options - seed sizes, output stream, quiet mode.
 */
export function ensureSeeded(file: string, options: EnsureSeededOptions = {}): EnsureSeededResult {
  const { sqlite } = openDatabase(file);
  try {
    const hasOrders = sqlite.prepare("SELECT EXISTS (SELECT 1 FROM orders)").pluck().get() === 1;
    if (hasOrders) return { seeded: false };
    const printer = seedPrinter(options);
    let result: SeedResult;
    try {
      result = seed(sqlite, { ...options.seed, onProgress: printer.onProgress });
    } finally {
      printer.stop();
    }
    printer.summary(result);
    return { seeded: true, result };
  } finally {
    sqlite.close();
  }
}

/**
 * {@link ensureSeeded} on PostgreSQL: migrates, then seeds with COPY when the orders table is
 * empty — under the demo's advisory lock, so processes starting together on several machines
 * seed once. `fresh` empties the shop's tables first (`TRUNCATE … RESTART IDENTITY`).
 *
 * @param url - `postgres://…`
 * @param options - seed sizes, output stream, quiet mode, `fresh`
 */
export async function ensureSeededPostgres(url: string, options: EnsureSeededOptions & { fresh?: boolean } = {}): Promise<EnsureSeededResult> {
  const { pool } = await openPostgres(url, { max: 2, statementTimeoutMs: 0 });
  try {
    return await withStartLock(pool, async (client) => {
      if (options.fresh) await client.query(`TRUNCATE ${SEED_TABLES.map((t) => `"${t}"`).join(", ")} RESTART IDENTITY CASCADE`);
      const { rows } = await client.query<{ has: boolean }>("SELECT EXISTS (SELECT 1 FROM orders) AS has");
      if (rows[0]!.has) return { seeded: false };
      const printer = seedPrinter(options);
      let result: SeedResult;
      try {
        result = await seedPostgres(pool, { ...options.seed, onProgress: printer.onProgress });
      } finally {
        printer.stop();
      }
      printer.summary(result);
      return { seeded: true, result };
    });
  } finally {
    await pool.end();
  }
}

function parseCount(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${value}`);
  return n;
}

/** The seed's arguments (also shown by `weft seed --help` in the demo). */
export const SEED_USAGE = `[file|postgres://…] [--fresh] [--customers N] [--products N] [--orders N] [--tickets N]

The target defaults to $DATABASE_URL (PostgreSQL, loaded with COPY), else $DEMO_DB, else
examples/admin-demo/demo.db; --fresh deletes the file (PostgreSQL: empties the shop's tables) first.
`;

/**
 * The CLI: parses `argv` (without node and script), seeds the file, returns the exit code.
 *
 * @param argv - e.g. `["demo.db", "--fresh"]`.
 */
export async function runSeedCli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      fresh: { type: "boolean", default: false },
      customers: { type: "string" },
      products: { type: "string" },
      orders: { type: "string" },
      tickets: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`usage: node dist/db/seed-cli.js ${SEED_USAGE}`);
    return 0;
  }
  const target = positionals[0] ?? (isPostgresUrl(process.env.DATABASE_URL) ? process.env.DATABASE_URL : undefined);
  const postgres = isPostgresUrl(target);
  const file = postgres ? target : databaseFile(target);
  if (values.fresh && !postgres) for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
  const seedOptions: Omit<SeedOptions, "onProgress"> = {};
  const customers = parseCount(values.customers, "customers");
  const products = parseCount(values.products, "products");
  const orders = parseCount(values.orders, "orders");
  const tickets = parseCount(values.tickets, "tickets");
  if (customers !== undefined) seedOptions.customers = customers;
  if (products !== undefined) seedOptions.products = products;
  if (orders !== undefined) seedOptions.orders = orders;
  if (tickets !== undefined) seedOptions.tickets = tickets;
  const options = { seed: seedOptions, stream: process.stdout };
  const { seeded } = postgres ? await ensureSeededPostgres(file, { ...options, fresh: values.fresh }) : ensureSeeded(file, options);
  if (!seeded) process.stdout.write(`${postgres ? "the PostgreSQL database" : file} already has orders; nothing to do (use --fresh to reseed)\n`);
  return 0;
}

if (isMain(import.meta.url)) {
  try {
    process.exitCode = await runSeedCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`seed failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
