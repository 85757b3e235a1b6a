/**
 * `pnpm bench:admin`: the admin's figures on the demo's real-size database — server time and
 * SQL statements for a 50-row change-list page of the 400,000 orders (plain, searched — a word,
 * one letter, three letters —, sorted by a related column, filtered), and the bytes of a first load (HTML + CSS + JS, gzip).
 * Writes its section of docs/benchmarks.md; prints figures, never fails on a timing.
 *
 * ```
 * node bench/dist/admin.js [--no-write]
 * ```
 *
 * Method: the demo app (`buildApp`) runs in this process and requests go through fastify's
 * `inject` (the whole HTTP pipeline — routing, session load, the view's disconnected mount and
 * render, layout, compression — without a socket), so the time is the server's own. Statements
 * are counted by wrapping the SQLite connection's `prepare` (drizzle prepares each statement
 * it runs), for the whole request and for the change list's queries alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildApp } from "@weft/admin-demo/dist/app.js";
import { ensureSeeded } from "@weft/admin-demo/dist/db/seed-cli.js";
import { countStatements } from "@weft/admin/query";
import { writeSection } from "./doc.js";
import { int, ms, percentile, sorted } from "./stats.js";
import { adminLogin } from "./login.js";

const write = !process.argv.includes("--no-write");
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const log = (msg: string) => process.stderr.write(`bench:admin: ${msg}\n`);

/** The pages measured: what a member of staff does on the orders change list. */
const PAGES: Array<[string, string]> = [
  ["plain (newest first)", "/admin/shop/order/"],
  ["searched (`smith`)", "/admin/shop/order/?q=smith"],
  ["searched, one letter (`a`)", "/admin/shop/order/?q=a"],
  ["searched, three letters (`ann`)", "/admin/shop/order/?q=ann"],
  ["searched, three letters, page 100 (`ann`)", "/admin/shop/order/?q=ann&p=100"],
  ["sorted by a related column (customer)", "/admin/shop/order/?sort=customer"],
  ["filtered (status = paid)", "/admin/shop/order/?status__exact=paid"],
  ["filtered + page 100", "/admin/shop/order/?status__exact=paid&p=100"],
];
const RUNS = 60;
const WARM = 5;

interface PageFigure {
  label: string;
  url: string;
  p50: number;
  p99: number;
  statements: number;
  requestStatements: number;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(os.tmpdir(), "weft-bench-admin-"));
  try {
    const dbFile = join(tmp, "demo.db");
    log("seeding a temp database (demo defaults: 400,000 orders)…");
    ensureSeeded(dbFile, { quiet: true });
    const app = await buildApp({ dbFile, simulateMs: 0 });
    await app.ready();
    const db = (app.weft.services.context as { db: Parameters<typeof countStatements>[0] }).db;

    // log in through the real form, as a browser would
    const cookie = await adminLogin(app, "admin", "admin");

    const figures: PageFigure[] = [];
    for (const [label, url] of PAGES) {
      log(`page: ${label}`);
      const times: number[] = [];
      let statements = 0;
      let requestStatements = 0;
      for (let i = 0; i < WARM + RUNS; i++) {
        const counter = countStatements(db);
        const t0 = process.hrtime.bigint();
        const res = await app.inject({ url, headers: { cookie } });
        const dt = Number(process.hrtime.bigint() - t0) / 1e6;
        counter.restore();
        if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode}`);
        if (i < WARM) continue;
        times.push(dt);
        requestStatements = counter.count;
        if (process.env.BENCH_SQL) log(`${url}: ${counter.statements.map((x) => x.replace(/\s+/g, " ").slice(0, 90)).join("\n   ")}`);
        // the change list's own queries are drizzle's (lower-case, quoted names) on "orders";
        // the widget slots' and badges' hand-written SQL and the session load are the rest
        statements = counter.statements.filter((s) => /^(select|with)\b[\s\S]*\bfrom "orders"/.test(s)).length;
      }
      const s = sorted(times);
      figures.push({ label, url, p50: percentile(s, 50), p99: percentile(s, 99), statements, requestStatements });
    }

    log("first load bytes");
    const page = await app.inject({ url: "/admin/shop/order/", headers: { cookie, "accept-encoding": "gzip" } });
    const plain = await app.inject({ url: "/admin/shop/order/", headers: { cookie } });
    const assets = [...plain.body.matchAll(/(?:href|src)="(\/live\/[^"]+\.(?:css|js))"/g)].map((m) => m[1]);
    let total = page.rawPayload.length;
    const parts: Array<[string, number]> = [["HTML (change list, 50 rows)", page.rawPayload.length]];
    for (const a of assets) {
      const r = await app.inject({ url: a, headers: { "accept-encoding": "gzip" } });
      const n = r.headers["content-encoding"] === "gzip" ? r.rawPayload.length : gzipSync(r.rawPayload, { level: 9 }).length;
      parts.push([a.replace(/\.[0-9a-f]{10}\./, "."), n]);
      total += n;
    }
    await app.close();

    const md = markdownOf(figures, parts, total);
    process.stdout.write(md);
    if (write) {
      writeSection(join(REPO, "docs", "benchmarks.md"), "admin", md);
      log("wrote docs/benchmarks.md (admin section)");
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function markdownOf(figures: PageFigure[], parts: Array<[string, number]>, total: number): string {
  const rows = figures.map((f) => `| ${f.label} | \`${f.url.replace("/admin/shop/order/", "")}\` | ${ms(f.p50)} ms | ${ms(f.p99)} ms | ${f.statements} | ${f.requestStatements} |`);
  const bytes = parts.map(([name, n]) => `| ${name} | ${int(n)} B |`);
  return `## Admin (\`pnpm bench:admin\`)

${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, Node ${process.version}, ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, load average ${os.loadavg()[0].toFixed(1)} at the end (other work on the machine inflates p99). The demo's database
(400,000 orders, 50,000 customers), logged in as a superuser; each page requested ${RUNS} times
after ${WARM} warm-up requests through fastify's \`inject\` (the full pipeline without a socket:
session load, the change list's disconnected mount and render, layout, compression).

| Change-list page (50 rows) | query | p50 | p99 | change-list statements | statements in the request |
|---|---|---:|---:|---:|---:|
${rows.join("\n")}

Targets: ≤ 3 statements and p50 ≤ 15 ms per page. For scale: the seed's Django case went from 101
queries to 3. "Statements in the request" adds the session load (one statement), the widget
slots rendered above the list (their own queries) and the shell's badges (cached) to the change
list's own queries.

First load of the change list (gzip, as sent with \`Accept-Encoding: gzip\`):

| Resource | bytes |
|---|---:|
${bytes.join("\n")}
| **Total** | **${int(total)} B** |

Target: ≤ 40 KB in total. For scale: AdminJS users report tens of MB of JavaScript per load.
`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
