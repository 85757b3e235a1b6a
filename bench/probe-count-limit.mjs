// `node bench/probe-count-limit.mjs DB_OR_URL [RUNS] [LIMITS]`: what a search's bounded count costs
// against the ModelAdmin's `countLimit` (a proposal's figures, issue 11): the orders change list's
// count statement and its page (`fetchPage`: count + rows) for broad searches, each `countLimit`
// in turn, interleaved in one process so machine load hits every side alike, on a seeded demo
// database (SQLite file, or postgres:// URL). Prints p50 and min of each, and what the list says.
import { buildAdmin } from "@weft/admin-demo/dist/admin.js";
import { openDemoDatabase } from "@weft/admin-demo/dist/db/connect.js";
const target = process.argv[2];
const RUNS = Number(process.argv[3] ?? 15);
const LIMITS = (process.argv[4] ?? "10000,2000,1000").split(",").map(Number);
const pg = target.startsWith("postgres");
const { db } = await openDemoDatabase(pg ? { dbFile: "", databaseUrl: target } : { dbFile: target }, () => "x".repeat(32));
const site = buildAdmin(db);
await site.migrateSearchIndexes();
const admin = site.all().find((a) => a.name === "order");
const base = site.query(admin);
const lists = LIMITS.map((countLimit) => {
  const times = [];
  const list = new base.constructor(db, base.config.table, { ...admin.options, countLimit }, { onStatement: () => times.push(performance.now()) });
  return { countLimit, list, times };
});
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((p / 100) * a.length))];
for (const q of ["a", "ann", "smith", "a&p=100"]) {
  const out = lists.map(() => ({ page: [], count: [], shown: "" }));
  for (let i = 0; i < RUNS + 2; i++) {
    for (const k of i % 2 ? [...lists.keys()] : [...lists.keys()].reverse()) {
      const { list, times } = lists[k];
      const state = list.parseState(`q=${q}`);
      times.length = 0;
      const t0 = performance.now();
      const page = await list.fetchPage(state);
      const t1 = performance.now();
      // onStatement fires as each statement is sent: the count ends when the rows statement starts
      if (i >= 2) out[k].page.push(t1 - t0), out[k].count.push((times[1] ?? t1) - t0);
      out[k].shown = `${page.capped ? "more than " : ""}${page.total.toLocaleString("en-US")}`;
    }
  }
  for (const [k, o] of out.entries()) console.log(`${pg ? "postgres" : "sqlite"} q=${q} countLimit ${lists[k].countLimit}: page p50 ${pct(o.page, 50).toFixed(1)} ms (min ${Math.min(...o.page).toFixed(1)}), count p50 ${pct(o.count, 50).toFixed(1)} ms (min ${Math.min(...o.count).toFixed(1)}); "${o.shown}"`);
}
process.exit(0);
