// `DATABASE_URL=postgres://… node bench/probe-request.mjs [--explain] [query ...]`: every statement
// a whole orders change-list request sends to PostgreSQL (the page, the dateHierarchy bar, the
// widget slots, the session read), with its parameters and time, then each one's
// `EXPLAIN (ANALYZE, BUFFERS)`, on a demo database the bench seeded and kept (`DATABASE_URL` with
// `node bench/dist/admin.js --engines postgres`). A profiling aid: `"/"` is the plain list.
import { buildApp } from "@weft/admin-demo/dist/app.js";
import { adminLogin } from "./dist/login.js";

const url = process.env.DATABASE_URL;
if (!url?.startsWith("postgres")) throw new Error("DATABASE_URL=postgres://… (a seeded demo database)");
const explain = process.argv.includes("--explain");
const queries = process.argv.slice(2).filter((a) => a !== "--explain");
const app = await buildApp({ dbFile: "", databaseUrl: url, simulateMs: 0 });
await app.ready();
const pool = app.weft.services.context.db.$client;
const cookie = await adminLogin(app, "admin", "admin");
const seen = [];
const original = pool.query;
pool.query = function (...args) {
  const a = args[0];
  const text = typeof a === "string" ? a : a.text;
  const values = typeof a === "string" || !a.values ? args[1] : a.values;
  const t0 = performance.now();
  const out = original.apply(this, args);
  if (out && typeof out.then === "function") out.then(() => seen.push([text, values ?? [], performance.now() - t0]), () => seen.push([text, values ?? [], -1]));
  return out;
};
const short = (v) => (Array.isArray(v) && v.length > 8 ? `[${v.slice(0, 4).join(",")},…(${v.length})]` : typeof v === "string" && v.length > 120 ? `${v.slice(0, 40)}…(${v.length} chars)` : v);
for (const qs of queries.length ? queries : ["/"]) {
  const path = `/admin/shop/order/${qs === "/" ? "" : `?${qs}`}`;
  for (let i = 0; i < 3; i++) await app.inject({ url: path, headers: { cookie } });
  seen.length = 0;
  const t0 = performance.now();
  const res = await app.inject({ url: path, headers: { cookie } });
  const total = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 20));
  console.log(`\n=== ${path}: ${res.statusCode} in ${total.toFixed(1)} ms, ${seen.length} statements, count: ${/id="cl-count">([^<]*)/.exec(res.body)?.[1]?.trim()}`);
  for (const [text, values, dt] of [...seen]) {
    console.log(`--- ${dt.toFixed(1)} ms: ${text.replace(/\s+/g, " ").slice(0, 700)}\n    params ${JSON.stringify(values.map(short)).slice(0, 400)}`);
    if (!explain || !/^\s*(select|with)/i.test(text)) continue;
    const plan = (await original.call(pool, `explain (analyze, buffers) ${text}`, values)).rows.map((r) => r["QUERY PLAN"]);
    console.log(plan.map((l) => `    ${l}`).join("\n"));
  }
}
await app.close();
process.exit(0);
