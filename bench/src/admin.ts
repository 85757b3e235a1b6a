/**
 * `pnpm bench:admin`: the admin's figures on the demo's real-size database, on SQLite and
 * PostgreSQL side by side — server time and SQL statements for a 50-row change-list page of the
 * orders (plain, searched — a word, one letter, three letters, a deep page —, sorted by a
 * related column, filtered, a deep filtered page), and the bytes of a first load (HTML + CSS +
 * JS, gzip). Writes its section of docs/benchmarks.md (the figures of every engine × size run
 * so far are kept in bench/results/admin.json, so runs of one engine or size add up); prints
 * figures, never fails on a timing.
 *
 * ```
 * node bench/dist/admin.js [--orders 400000] [--engines sqlite,postgres] [--runs 60] [--pages "/,q=a"] [--no-write] [--report]
 * ```
 *
 * `--pages` measures only the pages whose query string is listed (`/` for the plain list) and
 * writes nothing (a before/after comparison, interleaved on a shared machine).
 *
 * PostgreSQL: `DATABASE_URL` when set (seeded there once), else a database of its own on the
 * server `createTestDatabase` finds or starts (dropped at the end). SQLite: the file
 * `BENCH_SQLITE_DB` names when set (seeded there once), else a temporary file.
 *
 * Method: the demo app (`buildApp`) runs in this process and requests go through fastify's
 * `inject` (the whole HTTP pipeline — routing, session load, the view's disconnected mount and
 * render, layout, compression — without a socket), so the time is the server's own. Statements
 * are counted at the driver (SQLite: the connection's `prepare`; PostgreSQL: the pool's
 * `query`), for the whole request and for the change list's queries alone. Each page is
 * requested `--runs` times (or for 20 s, whichever ends first) after 5 warm-up requests; the
 * load average (`os.loadavg()[0]`) is noted next to every figure: the machine is shared.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { openDemo, type BenchDemo, type BenchEngine } from "./admin-engine.js";
import { writeSection } from "./doc.js";
import { int, ms, percentile, sorted } from "./stats.js";
import { adminLogin } from "./login.js";

const { values: args } = parseArgs({
  options: {
    orders: { type: "string", default: "400000" },
    engines: { type: "string", default: "sqlite,postgres" },
    runs: { type: "string", default: "60" },
    // only these pages' query strings ("/" for the plain list); implies --no-write
    pages: { type: "string" },
    "no-write": { type: "boolean", default: false },
    // rewrite the doc section from bench/results/admin.json, measuring nothing
    report: { type: "boolean", default: false },
  },
});
const write = !args["no-write"] && args.pages === undefined;
const ORDERS = Number(args.orders);
const ENGINES = args.engines!.split(",").map((e) => e.trim()) as BenchEngine[];
if (!Number.isSafeInteger(ORDERS) || ORDERS < 1000) throw new Error(`--orders must be an integer >= 1000, got ${args.orders}`);
for (const e of ENGINES) if (e !== "sqlite" && e !== "postgres") throw new Error(`--engines: unknown engine "${e}" (sqlite, postgres)`);
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const RESULTS = join(REPO, "bench", "results", "admin.json");
const log = (msg: string) => process.stderr.write(`bench:admin: ${msg}\n`);

/** The pages measured: what a member of staff does on the orders change list. */
const PAGES: Array<[string, string]> = [
  ["plain (newest first)", "/admin/shop/order/"],
  ["searched (`smith`)", "/admin/shop/order/?q=smith"],
  ["searched, one letter (`a`)", "/admin/shop/order/?q=a"],
  ["searched, three letters (`ann`)", "/admin/shop/order/?q=ann"],
  ["searched, one letter, page 100 (`a`)", "/admin/shop/order/?q=a&p=100"],
  ["searched, three letters, page 100 (`ann`)", "/admin/shop/order/?q=ann&p=100"],
  ["sorted by a related column (customer)", "/admin/shop/order/?sort=customer"],
  ["filtered (status = paid)", "/admin/shop/order/?status__exact=paid"],
  ["filtered (status = delivered: 92 % of the orders)", "/admin/shop/order/?status__exact=delivered"],
  ["filtered (delivered) + page 100", "/admin/shop/order/?status__exact=delivered&p=100"],
];
const RUNS = Number(args.runs);
/** The statements ChangeListQuery.fetchPage sends for the orders (the count in its forms, the rows). */
const CHANGE_LIST_SQL = /^(with "weft_m\d+"|select count\(\*\) from (\(select 1 |"orders")|select case when [\s\S]*from "orders"|select "orders"\."id", )/;
const WARM = 5;
/** A page stops being measured after this long (a slow page on a loaded machine), with the runs done so far. */
const PAGE_BUDGET_MS = 20_000;

interface PageFigure {
  label: string;
  url: string;
  p50: number;
  p99: number;
  runs: number;
  statements: number;
  requestStatements: number;
  /** the matches the page shows ("more than 10,000 orders", "1,945 results") */
  count: string;
  /** 1-minute load average when the page's runs ended */
  load: number;
}

interface EngineRun {
  engine: BenchEngine;
  orders: number;
  at: string;
  node: string;
  cpu: string;
  seedSeconds: number;
  pages: PageFigure[];
}

async function measure(demo: BenchDemo): Promise<PageFigure[]> {
  const { app } = demo;
  // log in through the real form, as a browser would
  const cookie = await adminLogin(app, "admin", "admin");
  const figures: PageFigure[] = [];
  const only = args.pages?.split(",").map((p) => p.trim());
  for (const [label, url] of PAGES) {
    if (only && !only.includes(url.replace("/admin/shop/order/", "").replace(/^\?/, "") || "/")) continue;
    const times: number[] = [];
    let statements = 0;
    let requestStatements = 0;
    let count = "";
    let timeouts = 0;
    const began = Date.now();
    for (let i = 0; i < WARM + RUNS && (i <= WARM || Date.now() - began < PAGE_BUDGET_MS); i++) {
      const counter = demo.count();
      const t0 = process.hrtime.bigint();
      const res = await app.inject({ url, headers: { cookie } });
      const dt = Number(process.hrtime.bigint() - t0) / 1e6;
      counter.stop();
      if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode}`);
      // past the site's query budget (2 s): the user reads "This search took too long"; counted, not timed
      if (/took too long/.test(res.body)) {
        if (i >= WARM) timeouts++;
        continue;
      }
      if (i < WARM) continue;
      times.push(dt);
      requestStatements = counter.statements.length;
      if (process.env.BENCH_SQL && i === WARM) log(`${url}:\n   ${counter.statements.map((x) => x.replace(/\s+/g, " ").slice(0, 160)).join("\n   ")}`);
      // the change list's own statements: its count (bounded, estimated, or with the related
      // search's CTE) and its rows; the widget slots' and badges' SQL and the session load are the rest
      statements = counter.statements.filter((x) => CHANGE_LIST_SQL.test(x)).length;
      count = /id="cl-count">([^<]*)/.exec(res.body)?.[1]?.trim() ?? "";
    }
    if (timeouts > 0) count = `${count} (${timeouts} of ${timeouts + times.length} past the 2 s budget)`;
    const s = sorted(times);
    const f: PageFigure = { label, url, p50: percentile(s, 50), p99: percentile(s, 99), runs: times.length, statements, requestStatements, count, load: os.loadavg()[0] };
    log(`${demo.engine} ${label}: p50 ${ms(f.p50)} ms, p99 ${ms(f.p99)} ms (${f.runs} runs), ${statements} statements, ${count}, load ${f.load.toFixed(1)}`);
    figures.push(f);
  }
  return figures;
}

async function firstLoadBytes(app: BenchDemo["app"]): Promise<{ parts: Array<[string, number]>; total: number }> {
  const cookie = await adminLogin(app, "admin", "admin");
  const page = await app.inject({ url: "/admin/shop/order/", headers: { cookie, "accept-encoding": "gzip" } });
  const plain = await app.inject({ url: "/admin/shop/order/", headers: { cookie } });
  const assets = [...plain.body.matchAll(/(?:href|src)="(\/live\/[^"]+\.(?:css|js))"/g)].map((m) => m[1]!);
  let total = page.rawPayload.length;
  const parts: Array<[string, number]> = [["HTML (change list, 50 rows)", page.rawPayload.length]];
  for (const a of assets) {
    const r = await app.inject({ url: a, headers: { "accept-encoding": "gzip" } });
    const n = r.headers["content-encoding"] === "gzip" ? r.rawPayload.length : gzipSync(r.rawPayload, { level: 9 }).length;
    parts.push([a.replace(/\.[0-9a-f]{10}\./, "."), n]);
    total += n;
  }
  return { parts, total };
}

interface Stored {
  runs: EngineRun[];
  bytes?: { parts: Array<[string, number]>; total: number };
}

function load(): Stored {
  return existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, "utf8")) as Stored) : { runs: [] };
}

async function main(): Promise<void> {
  if (args.report) {
    writeSection(join(REPO, "docs", "benchmarks.md"), "admin", markdownOf(load()));
    log("wrote docs/benchmarks.md (admin section) from bench/results/admin.json");
    return;
  }
  for (const engine of ENGINES) {
    const demo = await openDemo(engine, ORDERS, log);
    let run: EngineRun;
    let bytes: Stored["bytes"];
    try {
      const pages = await measure(demo);
      run = { engine, orders: ORDERS, at: new Date().toISOString().slice(0, 16).replace("T", " "), node: process.version, cpu: `${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}`, seedSeconds: demo.seedSeconds, pages };
      if (engine === "sqlite" && ORDERS === 400_000) bytes = await firstLoadBytes(demo.app);
    } finally {
      await demo.close();
    }
    // saved after each engine, merged with what is on disk now (another run may have added its figures)
    const stored = load();
    stored.runs = [...stored.runs.filter((r) => !(r.engine === engine && r.orders === ORDERS)), run];
    stored.runs.sort((a, b) => a.orders - b.orders || a.engine.localeCompare(b.engine));
    if (bytes) stored.bytes = bytes;
    const md = markdownOf(stored);
    process.stdout.write(md);
    if (write) {
      mkdirSync(dirname(RESULTS), { recursive: true });
      writeFileSync(RESULTS, `${JSON.stringify(stored, null, 1)}\n`);
      writeSection(join(REPO, "docs", "benchmarks.md"), "admin", md);
      log("wrote docs/benchmarks.md (admin section) and bench/results/admin.json");
    }
  }
}

/**
 * What the profiles found and what changed, kept as Markdown in bench/admin-findings.md (edited by
 * hand, with the command and load of every figure) and copied into the doc section after the table.
 */
function findings(): string {
  return readFileSync(join(REPO, "bench", "admin-findings.md"), "utf8").trimEnd();
}

function markdownOf(stored: Stored): string {
  const engines = stored.runs.map((r) => `${r.engine} ${int(r.orders)} orders: ${r.at} UTC, Node ${r.node}, ${r.cpu}, seeded in ${r.seedSeconds.toFixed(0)} s`);
  const rows: string[] = [];
  for (const [label, url] of PAGES) {
    for (const r of stored.runs) {
      const f = r.pages.find((p) => p.url === url);
      if (!f) continue;
      rows.push(`| ${label} | \`${url.replace("/admin/shop/order/", "") || "/"}\` | ${r.engine} | ${int(r.orders)} | ${ms(f.p50)} ms | ${ms(f.p99)} ms | ${f.statements} | ${f.requestStatements} | ${f.count} | ${f.load.toFixed(1)} |`);
    }
  }
  const bytes = stored.bytes ? stored.bytes.parts.map(([name, n]) => `| ${name} | ${int(n)} B |`) : [];
  return `## Admin (\`pnpm bench:admin\`)

\`node bench/dist/admin.js --orders N --engines sqlite,postgres\` (figures kept per engine × size in
bench/results/admin.json). The demo's database (N orders, 50,000 customers), logged in as a
superuser; each page requested up to 60 times (or for 20 s) after 5 warm-up requests through
fastify's \`inject\` (the full pipeline without a socket: session load, the change list's
disconnected mount and render, layout, compression). The machine is shared by other work:
"load" is the 1-minute load average on 2 cores when the page's runs ended, and it inflates p99
(and p50 when high).

${engines.map((e) => `- ${e}`).join("\n")}

| Change-list page (50 rows) | query | engine | orders | p50 | p99 | change-list statements | statements in the request | count shown | load |
|---|---|---|---:|---:|---:|---:|---:|---|---:|
${rows.join("\n")}

Targets (issue 11): ≤ 3 statements and p50 ≤ 15 ms per page at 400,000 orders on both engines;
searched pages ≤ 25 ms at 4,000,000. A search or filter counts at most \`countLimit\` (10,000)
matches (deep pages to their own end, searches 8× that): "more than 10,000 orders".
"Statements in the request" adds the session load (one statement), the widget slots rendered
above the list (their own queries) and the shell's badges (cached) to the change list's own
queries.

${findings()}
${bytes.length === 0 ? "" : `
First load of the change list (gzip, as sent with \`Accept-Encoding: gzip\`):

| Resource | bytes |
|---|---:|
${bytes.join("\n")}
| **Total** | **${int(stored.bytes!.total)} B** |

Target: ≤ 40 KB in total. For scale: AdminJS users report tens of MB of JavaScript per load.
`}`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
