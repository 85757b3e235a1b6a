// `node bench/ab-request.mjs BASE_TREE NEW_TREE sqlite|postgres 400k|4m RUNS query...`: whole
// orders change-list requests (fastify `inject`, logged in) of two built checkouts' demo apps, side
// by side in one process on the same seeded database (/work/bench-data/demo<size>.db or
// postgres://…/bench<size>), alternating request by request, so machine load hits both alike.
// Prints each query's p50 for both, with the count the page shows. An A/B aid: figures, no asserts.
const [baseTree, newTree, engine, size, runsArg, ...pages] = process.argv.slice(2);
const runs = Number(runsArg);
const trees = { base: baseTree, new: newTree };
const apps = {};
for (const [k, root] of Object.entries(trees)) {
  const { buildApp } = await import(`${root}/examples/admin-demo/dist/app.js`);
  const { adminLogin } = await import(`${root}/bench/dist/login.js`);
  const opts = engine === "sqlite" ? { dbFile: `/work/bench-data/demo${size}.db` } : { dbFile: "", databaseUrl: `postgres://postgres@127.0.0.1:5432/bench${size}` };
  const app = await buildApp({ ...opts, simulateMs: 0 });
  await app.ready();
  const cookie = await adminLogin(app, "admin", "admin");
  apps[k] = { app, cookie };
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const { loadavg } = await import("node:os");
for (const qs of pages) {
  const t = { base: [], new: [] };
  const shown = {};
  for (const k of Object.keys(apps)) for (let i = 0; i < 5; i++) { const r = await apps[k].app.inject({ url: `/admin/shop/order/?${qs}`, headers: { cookie: apps[k].cookie } }); shown[k] = /id="cl-count">([^<]*)/.exec(r.body)?.[1]?.trim() ?? r.statusCode; }
  for (let i = 0; i < runs; i++) {
    for (const k of i % 2 ? ["new", "base"] : ["base", "new"]) {
      const t0 = performance.now();
      await apps[k].app.inject({ url: `/admin/shop/order/?${qs}`, headers: { cookie: apps[k].cookie } });
      t[k].push(performance.now() - t0);
    }
  }
  console.log(`${engine} ${size} ${qs}: base ${med(t.base).toFixed(1)} ms (${shown.base}) -> new ${med(t.new).toFixed(1)} ms (${shown.new}), load ${loadavg()[0].toFixed(1)}`);
}
process.exit(0);
