// `node bench/search-ab.mjs DB [RUNS]`: the orders change list's search with and without
// searchIndex "trigram", interleaved in one process on one read-only database (the demo's, after
// its start-up built the indexes), so machine load hits both sides alike. Prints markdown rows
// (docs/benchmarks.md, "Index-backed search"); fails when the two totals differ.
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { ChangeListQuery } from "@weft/admin/query";
import { orders, customers } from "@weft/admin-demo/dist/db/schema.js";
const sqlite = new Database(process.argv[2], { readonly: true });
const db = drizzle(sqlite);
const opts = { relations: { customer: { column: orders.customerId, table: customers, display: customers.name } }, listDisplay: ["number", "customer", "status", "totalCents", "createdAt"], searchFields: ["^number", "customer.name", "customer.email"], ordering: ["-createdAt"], listPerPage: 50 };
const plain = new ChangeListQuery(db, orders, opts);
const indexed = new ChangeListQuery(db, orders, { ...opts, searchIndex: "trigram" });
const RUNS = Number(process.argv[3] ?? 21);
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
for (const [q, page] of [["a", 1], ["ann", 1], ["ann", 100], ["smith", 1], ["ord-0001", 1]]) {
  const t = { plain: [], indexed: [] };
  let totals = {};
  for (let i = 0; i < RUNS + 2; i++) {
    for (const [name, cl] of i % 2 ? [["plain", plain], ["indexed", indexed]] : [["indexed", indexed], ["plain", plain]]) {
      const state = { ...cl.parseState(new URLSearchParams({ q })), page };
      const t0 = process.hrtime.bigint();
      const p = await cl.fetchPage(state);
      const dt = Number(process.hrtime.bigint() - t0) / 1e6;
      totals[name] = p.total;
      if (i >= 2) t[name].push(dt);
    }
  }
  if (totals.plain !== totals.indexed) throw new Error(`totals differ for ${q}`);
  const f = (a) => `p50 ${pct(a, 50).toFixed(1)} ms, min ${Math.min(...a).toFixed(1)} ms`;
  console.log(`| \`q=${q}${page > 1 ? `&p=${page}` : ""}\` | ${totals.plain.toLocaleString("en-US")} | ${f(t.plain)} | ${f(t.indexed)} |`);
}
