// `BENCH_SQLITE_DB=file | DATABASE_URL=postgres://… node bench/probe-cpu.mjs [query] [runs] [--profile out.cpuprofile]`:
// the CPU one change-list request costs the web process (what it spends outside SQL on SQLite, whose
// reads run in the read pool's processes), and the request's p50, on a demo database the bench
// seeded and kept. `query` is a query string ("q=ann"; "/" or none: the plain list); `runs` 200.
// CPU time is less sensitive than wall time to other work on a shared machine: compare builds
// with it (e.g. this checkout against main's, alternately in one lock hold). A profiling aid:
// `--profile` writes a CPU profile of the measured requests (open it in Chrome's DevTools).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { buildApp } from "@weft/admin-demo/dist/app.js";
import { adminLogin } from "./dist/login.js";

const argv = process.argv.slice(2);
const at = argv.indexOf("--profile");
const profile = at >= 0 ? argv.splice(at, 2)[1] : undefined;
const [qs = "/", runsArg = "200"] = argv;
const runs = Number(runsArg);
const url = process.env.DATABASE_URL;
if (!url?.startsWith("postgres") && !process.env.BENCH_SQLITE_DB) throw new Error("BENCH_SQLITE_DB=file or DATABASE_URL=postgres://… (a seeded demo database)");
const app = await buildApp(url?.startsWith("postgres") ? { dbFile: "", databaseUrl: url, simulateMs: 0 } : { dbFile: process.env.BENCH_SQLITE_DB, simulateMs: 0 });
await app.ready();
const cookie = await adminLogin(app, "admin", "admin");
const path = `/admin/shop/order/${qs === "/" ? "" : `?${qs}`}`;
for (let i = 0; i < 20; i++) await app.inject({ url: path, headers: { cookie } });
const session = new Session();
if (profile) {
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
}
const times = [];
const cpu0 = process.cpuUsage();
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const res = await app.inject({ url: path, headers: { cookie } });
  times.push(performance.now() - t0);
  if (res.statusCode !== 200) throw new Error(`${path}: HTTP ${res.statusCode}`);
}
const cpu = process.cpuUsage(cpu0);
if (profile) writeFileSync(profile, JSON.stringify((await session.post("Profiler.stop")).profile));
times.sort((a, b) => a - b);
const ms = (n) => n.toFixed(2);
console.log(`${path}: CPU ${ms((cpu.user + cpu.system) / 1000 / runs)} ms a request, p50 ${ms(times[runs >> 1])} ms, p90 ${ms(times[Math.floor(runs * 0.9)])} ms (${runs} runs)`);
await app.close();
process.exit(0);
