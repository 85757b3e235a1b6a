/**
 * `pnpm bench:soak`: the load figures of issue 5 ("Load"), against the demo app.
 *
 * ```
 * node bench/dist/soak.js [--part all|soak|slow] [--minutes 10] [--views 2000]
 *                         [--slow-clients 500] [--slow-rounds 4] [--slow-seconds 20] [--no-write]
 * ```
 *
 * 1. **Soak**: `--views` joined views (counter, table and KPI in turn, 10 views per socket, the
 *    limit is 64) for `--minutes`; every counter and table view gets one event per second, the
 *    server publishes an order on the `orders` topic every second (each KPI view re-renders).
 *    Every reply is matched to its event (exactly one reply per event, in send order per view);
 *    p99 round trip per minute; server RSS and heapUsed after forced GCs at the start and end
 *    of the load; the server's open file descriptors before, during and after.
 * 2. **Slow reader** (soak/slow-reader.ts): 500 clients (one view each, counter / table,
 *    1 event/s) in `--slow-rounds` rounds of three `--slow-seconds` segments: alone, next to
 *    a client with 32 live-feed views reading, next to a fresh one not reading (its TCP socket
 *    paused): the server-side `bufferedAmount` of its socket, its catch-up, and the others' p99.
 *
 * Loopback only, one seeded temp database, the server in a child process (server.ts). It
 * prints figures and writes the `soak` and `soak-slow` sections of docs/benchmarks.md (the
 * parts it ran; unless `--no-write`); it
 * exits non-zero only when something broke, and a watchdog stops it whatever happens.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSeeded } from "@weft/admin-demo/dist/db/seed-cli.js";
import { randomSecret } from "@weft/server";
import { writeSection } from "./doc.js";
import { commit } from "./machine.js";
import { ServerHandle } from "./server-handle.js";
import { KINDS, SoakSocket, Tally } from "./soak/clients.js";
import { int, ms, percentile, pool, sleep, sorted } from "./stats.js";
import { slowMarkdown, slowReader } from "./soak/slow-reader.js";

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const minutes = opt("minutes", 10);
const totalViews = opt("views", 2000);
const slowSeconds = opt("slow-seconds", 20);
const slowClients = opt("slow-clients", 500);
const slowRounds = opt("slow-rounds", 4);
const partArg = argv.indexOf("--part");
const part = partArg >= 0 ? argv[partArg + 1] : "all";
if (part !== "all" && part !== "soak" && part !== "slow") throw new Error(`--part must be all, soak or slow, not ${part}`);
const write = !argv.includes("--no-write");
const VIEWS_PER_SOCKET = 10;

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const log = (msg: string) => process.stderr.write(`soak: ${msg}\n`);
let server: ServerHandle | undefined;

const budgetMs = (minutes * 60 + slowRounds * (slowSeconds * 3 + 150) + 600) * 1000;
const watchdog = setTimeout(() => {
  log(`watchdog: still running after ${Math.round(budgetMs / 60_000)} minutes, giving up`);
  server?.kill();
  process.exit(1);
}, budgetMs);
watchdog.unref();

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
const pct = (a: number, b: number) => `${b >= a ? "+" : ""}${((100 * (b - a)) / a).toFixed(1)} %`;
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" / ");

async function fds(): Promise<number> {
  return (await server!.request({ cmd: "fds" })).fds!;
}

/** Waits (at most `maxMs`) for the server's fd count to come back to `baseline`. */
async function fdsSettle(baseline: number, maxMs: number): Promise<number> {
  const end = Date.now() + maxMs;
  let n = await fds();
  while (n > baseline && Date.now() < end) {
    await sleep(250);
    n = await fds();
  }
  return n;
}

interface SoakResult {
  views: number;
  sockets: number;
  kinds: Record<string, number>;
  connectS: number;
  tally: Tally;
  lost: number;
  published: number;
  expectedPushes: number;
  perMinute: { minute: number; n: number; p50: number; p99: number; max: number }[];
  memStart: NodeJS.MemoryUsage;
  memEnd: NodeJS.MemoryUsage;
  fdBase: number;
  fdLoad: number;
  fdAfter: number;
  viewsAfter: number;
  cpuPct: number;
  loadStart: string;
  loadEnd: string;
}

async function soak(): Promise<SoakResult> {
  const s = server!;
  const fdBase = await fds();
  const sockets = Math.ceil(totalViews / VIEWS_PER_SOCKET);
  const kinds: Record<string, number> = {};
  const plans = Array.from({ length: sockets }, (_, i) => {
    const n = Math.min(VIEWS_PER_SOCKET, totalViews - i * VIEWS_PER_SOCKET);
    return Array.from({ length: n }, (_, j) => {
      const k = KINDS[(i * VIEWS_PER_SOCKET + j) % KINDS.length]!;
      kinds[k.kind] = (kinds[k.kind] ?? 0) + 1;
      return k;
    });
  });
  const tally = new Tally();
  log(`opening ${int(totalViews)} views on ${sockets} sockets…`);
  const c0 = Date.now();
  const socks = await pool(plans, 16, (p) => SoakSocket.open(s.base, p, tally));
  const connectS = (Date.now() - c0) / 1000;
  log(`  ${await s.views()} views connected in ${connectS.toFixed(1)} s`);

  const kpiViews = kinds.kpi ?? 0;
  const pub0 = (await s.request({ cmd: "ticker", topic: "orders", ms: 1000 })).published!;
  tally.t0 = performance.now();
  for (const k of socks) k.start();
  const loadStart = load();
  const cpu0 = await s.cpu();
  const w0 = Date.now();
  // Start of load: after the first 10 s, so every socket is sending and caches are warm.
  await sleep(10_000);
  const memStart = (await s.memory()).mem;
  log(`  start: RSS ${mb(memStart.rss)}, heapUsed ${mb(memStart.heapUsed)} (after GC)`);
  let fdLoad = 0;
  const end = w0 + minutes * 60_000;
  let minute = 0;
  while (Date.now() < end) {
    await sleep(Math.min(5_000, end - Date.now()));
    fdLoad = Math.max(fdLoad, await fds());
    const m = Math.floor((Date.now() - w0) / 60_000);
    if (m > minute || Date.now() >= end) {
      const lat = sorted(tally.perMinute[minute] ?? []);
      log(`  minute ${minute + 1}: ${int(lat.length)} replies, p99 ${ms(percentile(lat, 99))} ms, sent ${int(tally.sent)}, ${int(tally.sent - tally.replies)} in flight, load ${load()}`);
      minute = m;
    }
  }
  // End of load: stop the pushes and the events, let the last replies arrive, then measure
  // with every view still connected (the forced GCs stall the server; measuring after the
  // events stop keeps that stall out of the round trips).
  const cpu1 = await s.cpu();
  const wallUs = (Date.now() - w0) * 1000;
  const loadEnd = load();
  const published = (await s.request({ cmd: "ticker", topic: "orders", ms: 0 })).published! - pub0;
  for (const k of socks) k.stop();
  const drainEnd = Date.now() + 10_000;
  while (socks.some((k) => k.lost() > 0) && Date.now() < drainEnd) await sleep(100);
  await sleep(1500);
  const lost = socks.reduce((n, k) => n + k.lost(), 0);
  const memEnd = (await s.memory()).mem;
  log(`  end: RSS ${mb(memEnd.rss)}, heapUsed ${mb(memEnd.heapUsed)}; sent ${int(tally.sent)}, replies ${int(tally.replies)}, lost ${lost}, reordered ${tally.reordered}`);
  await pool(socks, 50, (k) => k.close());
  const fdAfter = await fdsSettle(fdBase, 10_000);
  const viewsAfter = await s.views();
  const perMinute = tally.perMinute.map((xs, i) => {
    const l = sorted(xs ?? []);
    return { minute: i + 1, n: l.length, p50: percentile(l, 50), p99: percentile(l, 99), max: l[l.length - 1] ?? NaN };
  });
  const cpuPct = (100 * (cpu1.user + cpu1.system - cpu0.user - cpu0.system)) / wallUs;
  return {
    views: totalViews, sockets, kinds, connectS, tally, lost, published,
    expectedPushes: published * kpiViews, perMinute, memStart, memEnd, fdBase, fdLoad, fdAfter, viewsAfter, cpuPct,
    loadStart, loadEnd,
  };
}

function markdown(r: SoakResult, meta: { date: string; commit: string; cpus: string; totalS: number }): string {
  const growth = (a: number, b: number) => (100 * (b - a)) / a;
  const ok = (b: boolean) => (b ? "yes" : "**no**");
  const rssG = growth(r.memStart.rss, r.memEnd.rss);
  const heapG = growth(r.memStart.heapUsed, r.memEnd.heapUsed);
  const short = minutes < 10 || totalViews < 2000;
  const lines = [
    "## Soak (`pnpm bench:soak`)",
    "",
    "Written by `node bench/dist/soak.js` (sources `bench/src/soak.ts`, `bench/src/soak/`); the",
    "issue 5 targets are the full run: `pnpm bench:soak` (= `--minutes 10 --views 2000`, about",
    "12 minutes; the slow reader is part 2, in its own section).",
    "",
    short
      ? `> **Short run**: ${minutes} minute(s), ${int(totalViews)} views (\`node bench/dist/soak.js --part soak --minutes ${minutes} --views ${totalViews}\`). The figures below are from it, not from the 10-minute, 2,000-view run the targets are about.`
      : `> Full run: ${minutes} minutes, ${int(totalViews)} views.`,
    "",
    "### Method",
    "",
    "- Same setup as the other benches: the demo app (`buildApp`) on a freshly seeded temp",
    "  SQLite file, in a child process (`bench/src/server.ts`, `--expose-gc`) on 127.0.0.1;",
    "  the load generator is the parent. Loopback only; a watchdog ends the run.",
    `- **Soak**: views are counter, table and KPI in turn, ${VIEWS_PER_SOCKET} per socket (each socket is one`,
    "  session: one GET per view with the socket's cookie, then a join each). Every counter and",
    "  table view gets one event per second (`inc`, `restock` with a random row), each socket",
    "  starting at a random phase; the server child publishes an `order.created` on `orders`",
    "  every second (a timer inside the server, no IPC per message), which re-renders every KPI view.",
    "- **No lost or reordered reply**: each view keeps the seqs it sent, in order; a reply (`a`,",
    "  or `!` naming a seq) must answer a waiting seq (else *unexpected*: a duplicate or a",
    "  stranger), and the oldest one (else *reordered*). After the load stops the client waits",
    "  up to 10 s; seqs still waiting are *lost*.",
    "- **Memory**: `gc()` three times in the server, then `process.memoryUsage()`: *start* is",
    "  10 s into the load (every socket sending; its GC stall shows in minute 1's max), *end*",
    "  right after the load stops (events and pushes stopped, last replies in), with the same",
    "  views still connected.",
    "- **File descriptors**: entries of the server's `/proc/self/fd` before any client, the",
    "  maximum seen under load (sampled every 5 s), and after every client closed (polled up",
    "  to 10 s for the count to come back).",
    "",
    "### Machine",
    "",
    `${meta.date}, commit ${meta.commit}, ${meta.cpus}, Node ${process.version}. Load average (1 / 5 / 15 min)`,
    `at the start of the soak load ${r.loadStart}, at its end ${r.loadEnd}. The load generator shares the two cores`,
    "with the server, so the round trips are pessimistic.",
    "",
    "### Soak",
    "",
    "| Figure | Measured | Target |",
    "|---|---|---|",
    `| Views / sockets | ${int(r.views)} (${Object.entries(r.kinds).map(([k, n]) => `${int(n)} ${k}`).join(", ")}) on ${r.sockets} sockets, connected in ${r.connectS.toFixed(1)} s | 2,000 |`,
    `| Duration | ${minutes} min | 10 min |`,
    `| Events sent / replies | ${int(r.tally.sent)} / ${int(r.tally.replies)} (${int(r.tally.errorReplies)} of them error frames) | every event answered |`,
    `| Lost / reordered / unexpected replies | ${r.lost} / ${r.tally.reordered} / ${r.tally.unexpected} | 0 / 0 / 0 (${ok(r.lost + r.tally.reordered + r.tally.unexpected === 0)}) |`,
    `| Sockets closed by the server | ${r.tally.closedEarly} | 0 |`,
    `| KPI pushes received / published × KPI views | ${int(r.tally.pushes)} / ${int(r.expectedPushes)} (${r.published} publishes) | all |`,
    `| Server RSS after GC, start → end | ${mb(r.memStart.rss)} → ${mb(r.memEnd.rss)} (${pct(r.memStart.rss, r.memEnd.rss)}) | ≤ +5 % (${ok(rssG <= 5)}) |`,
    `| Server heapUsed after GC, start → end | ${mb(r.memStart.heapUsed)} → ${mb(r.memEnd.heapUsed)} (${pct(r.memStart.heapUsed, r.memEnd.heapUsed)}) | ≤ +5 % (${ok(heapG <= 5)}) |`,
    `| Server file descriptors: baseline / under load / after disconnect | ${r.fdBase} / ${r.fdLoad} / ${r.fdAfter} (views left: ${r.viewsAfter}) | back to baseline (${ok(r.fdAfter <= r.fdBase && r.viewsAfter === 0)}) |`,
    `| Server CPU during the load | ${r.cpuPct.toFixed(0)} % of one core | |`,
    "",
    "Round trip per minute (by send time; the last minute may be partial):",
    "",
    "| Minute | Replies | p50 ms | p99 ms | max ms |",
    "|---|---|---|---|---|",
    ...r.perMinute.map((m) => `| ${m.minute} | ${int(m.n)} | ${ms(m.p50)} | ${ms(m.p99)} | ${ms(m.max)} |`),
    "",
    `Whole run: ${Math.round(meta.totalS)} s.`,
  ];
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const started = Date.now();
  const tmp = mkdtempSync(join(os.tmpdir(), "weft-soak-"));
  try {
    const dbFile = join(tmp, "demo.db");
    log("seeding a temp database (demo defaults)…");
    ensureSeeded(dbFile, { quiet: true });
    server = await ServerHandle.start(dbFile, randomSecret());
    const cpus = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "unknown CPU"}`;
    const meta = (t0: number) => ({ date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC", commit: commit(), cpus, totalS: (Date.now() - t0) / 1000 });
    const out: [string, string][] = [];
    if (part !== "slow") out.push(["soak", markdown(await soak(), meta(started))]);
    if (part !== "soak") {
      const t0 = Date.now();
      const sr = await slowReader({ server, clients: slowClients, seconds: slowSeconds, rounds: slowRounds, log, load });
      out.push(["soak-slow", slowMarkdown(sr, meta(t0))]);
    }
    await server.stop();
    for (const [name, md] of out) {
      process.stdout.write(md + "\n");
      if (write) {
        writeSection(join(REPO, "docs", "benchmarks.md"), name, md);
        log(`wrote the ${name} section of docs/benchmarks.md`);
      }
    }
  } finally {
    server?.kill();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
    server?.kill();
    process.exit(1);
  },
);
