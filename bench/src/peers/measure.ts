/**
 * One run of the peer bench on one server (a fresh child): every figure of the comparison.
 *
 * 1. Frames: 20 counter increments, a restock of each of the 50 rows, 10 KPI pushes (median
 *    bytes of the exact text frame), and the join reply of each view.
 * 2. Memory (RSS and heap after forced GCs in the child): pages fetched first (the HTTP
 *    render is not counted), then memory before, `n` sockets opened and joined (one view per
 *    socket), memory after; counter, then table, then KPI, each kept open so every delta is
 *    growth (no reuse of memory the previous kind freed). A warm-up of each kind runs first.
 * 3. Counter, `loadViews` sockets: open loop at 1 event/s each (round trip p50/p99, CPU per
 *    event), then closed loop (events/s, CPU per event). The loops are figures/latency.ts's.
 * 4. KPI, `loadViews` viewers: the server publishes every 100 ms (10/s) for a window; server
 *    CPU per push frame = CPU / (publishes × viewers); every frame is counted at the clients.
 */
import { performance } from "node:perf_hooks";
import { closedLoop, openLoop, type LoadEvent, type LoadResult } from "../figures/latency.js";
import { ServerHandle } from "../server-handle.js";
import { percentile, pool, sleep, sorted } from "../stats.js";
import type { Peer, PeerView } from "./peer.js";

/** Window lengths and sizes of one run. */
export interface Plan {
  loadViews: number;
  tableViews: number;
  openS: number;
  closedS: number;
  pushS: number;
  warmS: number;
}

/** Memory growth per connection for one view kind. */
export interface PerConnection {
  rss: number;
  heap: number;
}

/** Everything one run measured on one server. */
export interface PeerRun {
  peer: Peer["name"];
  frames: { counter: number; table: number; kpi: number };
  join: { counter: number; table: number; kpi: number };
  examples: { counter: string; table: string; kpi: string };
  memory: { counter: PerConnection; table: PerConnection; kpi: PerConnection };
  open: LoadResult;
  closed: LoadResult;
  push: { cpuUsPerFrame: number; frames: number; expected: number; publishes: number };
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const median = (xs: number[]) => percentile(sorted(xs), 50);
const INC: LoadEvent = { name: "inc", payload: () => ({}) };

async function frames(peer: Peer, server: ServerHandle): Promise<Pick<PeerRun, "frames" | "join" | "examples">> {
  const base = server.base;
  const open = async (path: string) => peer.join(base, await peer.page(base, path));
  const c = await open("/counter");
  const counter: string[] = [];
  for (let i = 0; i < 20; i++) counter.push(await c.request("inc", {}));
  const t = await open("/table");
  const table: string[] = [];
  for (let id = 1; id <= 50; id++) table.push(await t.request("restock", { id: String(id) }));
  const k = await open("/kpi");
  const kpi: string[] = [];
  for (let i = 0; i < 10; i++) {
    const got = k.nextPush();
    await server.publish("orders", { type: "order.created", id: 1_000_000 + i, totalCents: 4200 });
    kpi.push(await got);
  }
  for (const v of [c, t, k]) await v.close();
  const pick = (xs: string[]) => xs.find((x) => bytes(x) === median(xs.map(bytes)))!;
  return {
    frames: { counter: median(counter.map(bytes)), table: median(table.map(bytes)), kpi: median(kpi.map(bytes)) },
    join: { counter: bytes(c.joinText), table: bytes(t.joinText), kpi: bytes(k.joinText) },
    examples: { counter: pick(counter), table: pick(table).slice(0, 160), kpi: pick(kpi) },
  };
}

async function waitViews(server: ServerHandle, n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await server.views()) !== n) {
    if (Date.now() > deadline) throw new Error(`the server has ${await server.views()} views, expected ${n}`);
    await sleep(20);
  }
}

/** Fetches `n` pages of `path`, then measures memory around joining them all. */
async function joinMeasured(peer: Peer, server: ServerHandle, path: string, n: number, already: number): Promise<{ views: PeerView[]; per: PerConnection }> {
  const pages = await pool(Array.from({ length: n }), 50, () => peer.page(server.base, path));
  await waitViews(server, already);
  const before = await server.memory();
  const views = await pool(pages, 50, (p) => peer.join(server.base, p));
  await waitViews(server, already + n);
  const after = await server.memory();
  return { views, per: { rss: (after.mem.rss - before.mem.rss) / n, heap: (after.mem.heapUsed - before.mem.heapUsed) / n } };
}

async function pushCpu(server: ServerHandle, kpis: PeerView[], plan: Plan): Promise<PeerRun["push"]> {
  let frames = 0;
  let counting = false;
  const listen = (v: PeerView) =>
    void v.nextPush(60_000).then(
      () => {
        if (counting) frames++;
        listen(v);
      },
      () => {},
    );
  kpis.forEach(listen);
  await server.request({ cmd: "ticker", topic: "orders", ms: 100 });
  await sleep(plan.warmS * 1000);
  counting = true;
  const p0 = (await server.request({ cmd: "ticker", topic: "orders", ms: 100 })).published!;
  const c0 = await server.cpu();
  const t0 = performance.now();
  await sleep(plan.pushS * 1000);
  const c1 = await server.cpu();
  const p1 = (await server.request({ cmd: "ticker", topic: "orders", ms: 0 })).published!;
  void t0;
  await sleep(500); // the last publishes' frames
  counting = false;
  const publishes = p1 - p0;
  const cpu = c1.user - c0.user + c1.system - c0.system;
  return { cpuUsPerFrame: cpu / (publishes * kpis.length), frames, expected: publishes * kpis.length, publishes };
}

/** One run of every figure on a fresh `peer` server. */
export async function peerRun(peer: Peer, dbFile: string, secret: string, plan: Plan, log: (m: string) => void): Promise<PeerRun> {
  const server = await ServerHandle.start(dbFile, secret, { maxEventsPerSecond: 1_000_000 }, peer.script);
  try {
    const f = await frames(peer, server);
    // warm-up: each kind joined and closed once, so JIT and pools are warm before memory
    for (const path of ["/counter", "/table", "/kpi"]) {
      const warm = await pool(Array.from({ length: 30 }), 30, async () => peer.join(server.base, await peer.page(server.base, path)));
      await pool(warm, 30, (v) => v.close());
    }
    await waitViews(server, 0);
    const counter = await joinMeasured(peer, server, "/counter", plan.loadViews, 0);
    const table = await joinMeasured(peer, server, "/table", plan.tableViews, plan.loadViews);
    const kpi = await joinMeasured(peer, server, "/kpi", plan.loadViews, plan.loadViews + plan.tableViews);
    log(`    ${peer.name}: RSS/conn counter ${(counter.per.rss / 1024).toFixed(1)} KiB, table ${(table.per.rss / 1024).toFixed(1)} KiB, KPI ${(kpi.per.rss / 1024).toFixed(1)} KiB`);
    const open = await openLoop(server, counter.views, plan.openS, plan.warmS, INC);
    log(`    ${peer.name}: open loop p50 ${open.p50.toFixed(2)} ms, p99 ${open.p99.toFixed(2)} ms, ${open.cpuUsPerEvent.toFixed(0)} µs/event, lost ${open.lost}, errors ${open.errors}`);
    const closed = await closedLoop(server, counter.views, plan.closedS, plan.warmS, INC);
    log(`    ${peer.name}: closed loop ${closed.throughput.toFixed(0)} events/s, ${closed.cpuUsPerEvent.toFixed(0)} µs/event, lost ${closed.lost}`);
    const push = await pushCpu(server, kpi.views, plan);
    log(`    ${peer.name}: push ${push.cpuUsPerFrame.toFixed(1)} µs/frame, ${push.frames}/${push.expected} frames`);
    await pool([...counter.views, ...table.views, ...kpi.views], 100, (v) => v.close());
    return { peer: peer.name, ...f, memory: { counter: counter.per, table: table.per, kpi: kpi.per }, open, closed, push };
  } finally {
    await server.stop();
  }
}
