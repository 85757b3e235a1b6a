// `node bench/probe-cl.mjs DB_OR_URL [query ...]`: the orders change list's statements for each
// query string (the page's, then its dateHierarchy bar's), each timed and with its plan (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN
// ANALYZE), on a seeded demo database (SQLite file, or postgres:// URL). A profiling aid.
import { buildAdmin } from "@weft/admin-demo/dist/admin.js";
import { openDemoDatabase } from "@weft/admin-demo/dist/db/connect.js";
const target = process.argv[2];
const queries = process.argv.slice(3);
const pg = target.startsWith("postgres");
const { db } = await openDemoDatabase(pg ? { dbFile: "", databaseUrl: target } : { dbFile: target }, () => "x".repeat(32));
const site = buildAdmin(db);
await site.migrateSearchIndexes();
const admin = site.all().find((a) => a.name === "order");
const list = site.query(admin);
const stmts = [];
const timed = [];
const run = async (text, params) => {
  if (pg) {
    const pool = db.$client;
    const t0 = performance.now();
    await pool.query(text, params);
    const dt = performance.now() - t0;
    const plan = (await pool.query(`explain (analyze, buffers off) ${text}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n");
    return [dt, plan];
  }
  const st = db.$client.prepare(text);
  const t0 = performance.now();
  st.all(...params);
  const dt = performance.now() - t0;
  const plan = db.$client.prepare(`explain query plan ${text}`).all(...params).map((r) => `${r.id}/${r.parent} ${r.detail}`).join("\n");
  return [dt, plan];
};
for (const qs of queries) {
  const state = list.parseState(qs);
  const orig = list.exec ?? null;
  const seen = [];
  const q2 = new (list.constructor)(db, list.config.table, admin.options, { onStatement: (s, p) => seen.push([s, p]) });
  // as a running change list, which has seen its table's size (the plan of a searched page weighs it)
  await q2.estimatedTotal();
  seen.length = 0;
  const t0 = performance.now();
  const page = await q2.fetchPage(state);
  const t1 = performance.now();
  // the dateHierarchy bar as the change list builds it (after the page: its keys, its capped flag)
  await q2.dateHierarchy(state, { dense: page.capped, page });
  console.log(`\n=== ${qs}: fetchPage ${(t1 - t0).toFixed(1)} ms, total ${page.total}${page.capped ? "+" : ""}, page ${page.page}; the bar ${(performance.now() - t1).toFixed(1)} ms`);
  for (const [s, p] of seen) {
    const ps = p.map((v) => (typeof v === "string" && v.length > 200 ? `${v.slice(0, 40)}…(${v.length} chars)` : v));
    const [dt, plan] = await run(s, p);
    console.log(`--- ${dt.toFixed(1)} ms: ${s.slice(0, 400)}\n    params ${JSON.stringify(ps).slice(0, 300)}\n${plan.split("\n").map((l) => "    " + l).join("\n")}`);
  }
}
process.exit(0);
