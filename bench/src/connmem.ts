/**
 * Memory per connection of the demo app, the page loads and the sockets measured apart, as
 * `bench:scale` connects its views (a GET, then a socket and a join per view, one session each):
 *
 * 1. warm-up: 150 views opened and closed (code compiled, pools and caches at working size);
 * 2. N GETs (counter, 50-row table, KPI in turn; connections closed): what page loads leave;
 * 3. N sockets, each joining its page's view: what a connected view holds.
 *
 * Each step is measured after `gc()` ×3 in the server child (`process.memoryUsage()`), and
 * printed per GET / per view in KiB. `BENCH_SNAPSHOTS=<dir>` also writes a heap snapshot at each
 * measurement, to diff by constructor.
 *
 * ```
 * node bench/dist/connmem.js [--views 2000] [--kinds counter,table,kpi]
 * ```
 */
import { randomSecret } from "@weft/server";
import { getPage, type Page } from "./http.js";
import { benchDatabase } from "./peers/db.js";
import { ServerHandle } from "./server-handle.js";
import { int, pool, sleep } from "./stats.js";
import { BenchSocket } from "./wsclient.js";

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const N = Number(arg("--views") ?? 2000);
const KINDS = (arg("--kinds") ?? "counter,table,kpi").split(",").map((k) => `/${k}`);

type Memory = Awaited<ReturnType<ServerHandle["memory"]>>;
const FIELDS = ["heapUsed", "rss", "external"] as const;

/** `after − before` per unit, KiB, for each field. */
function per(before: Memory, after: Memory, n: number): string {
  return FIELDS.map((k) => `${k} ${((after.mem[k] - before.mem[k]) / n / 1024).toFixed(2)}`).join(", ");
}

async function main(): Promise<void> {
  const server = await ServerHandle.start(benchDatabase(), randomSecret());
  const fetchAll = (n: number) => pool(Array.from({ length: n }, (_, i) => KINDS[i % KINDS.length]!), 50, async (path) => ({ path, page: await getPage(server.base, path) }));
  const open = (pages: Array<{ path: string; page: Page }>) =>
    pool(pages, 50, async ({ path, page }) => {
      const s = await BenchSocket.open(server.base, page.cookie);
      await s.join(1, page.roots[0]!.token, server.base + path);
      return s;
    });
  try {
    const start = await server.memory();
    await pool(await open(await fetchAll(150)), 50, (s) => s.close());
    while ((await server.views()) !== 0) await sleep(20);
    const warm = await server.memory();
    const pages = await fetchAll(N);
    const loaded = await server.memory();
    const socks = await open(pages);
    const joined = await server.memory();
    const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;
    process.stdout.write(
      [
        `start: heap ${mb(start.mem.heapUsed)}, rss ${mb(start.mem.rss)}; ${int(N)} views of ${KINDS.join(" ")} in turn`,
        `per GET (KiB): ${per(warm, loaded, N)}`,
        `per view, socket + join (KiB): ${per(loaded, joined, N)} (${int(joined.views)} views connected)`,
        `per view, GET + socket + join from the start, as bench:scale counts it (KiB): ${per(start, joined, N)}`,
        "",
      ].join("\n"),
    );
    await pool(socks, 100, (s) => s.close());
  } finally {
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`connmem: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
