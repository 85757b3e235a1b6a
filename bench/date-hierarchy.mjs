// `node bench/date-hierarchy.mjs DB [RUNS]`: the orders change list's dateHierarchy bar
// (ChangeListQuery.dateHierarchy) on a read-only demo database (400,000 seeded orders): the
// median time and the statements of each level, beside the page's own. Prints markdown rows.
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { ChangeListQuery } from "@weft/admin/query";
import { orders } from "@weft/admin-demo/dist/db/schema.js";
const db = drizzle(new Database(process.argv[2], { readonly: true }));
const RUNS = Number(process.argv[3] ?? 7);
const q = new ChangeListQuery(db, orders, { dateHierarchy: "createdAt", listFilter: ["status"], searchFields: ["^number"], listDisplay: ["number", "createdAt"], ordering: ["-createdAt"], listPerPage: 50 }, { timeZone: "UTC" });
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log("| state | bar ms (median) | bar statements | page ms | page statements |\n|---|---|---|---|---|");
for (const qs of ["", "status__exact=delivered", "q=ORD-1", "createdAt__year=2026", "createdAt__year=2026&createdAt__month=1", "createdAt__year=2026&createdAt__month=1&createdAt__day=15"]) {
  const s = q.parseState(qs);
  const bar = [];
  const page = [];
  let n = 0;
  let m = 0;
  for (let i = 0; i < RUNS; i++) {
    q.resetStatementCount();
    let t = performance.now();
    await q.dateHierarchy(s);
    bar.push(performance.now() - t);
    n = q.statementCount;
    q.resetStatementCount();
    t = performance.now();
    await q.fetchPage(s);
    page.push(performance.now() - t);
    m = q.statementCount;
  }
  console.log(`| \`${qs || "(all)"}\` | ${median(bar).toFixed(1)} | ${n} | ${median(page).toFixed(1)} | ${m} |`);
}
