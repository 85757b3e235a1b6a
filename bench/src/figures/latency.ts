/**
 * Figures 3 and 4 — event round trip and server CPU per event, on the 50-row table view.
 *
 * Round trip: from just before the client's `ws.send` of `["e",1,seq,"restock",{"id":"n"}]`
 * to the arrival (first line of the `message` handler) of the reply frame
 * `["ad",1,seq,delta]`, which the server sends after the handler ran, the view re-rendered
 * and the delta was computed. So it covers: client send, loopback, frame decode, payload
 * validation (zod), handler, Eta render of the whole table, diff, encode, send, loopback.
 *
 * Open loop: N clients, each on its own socket and view, send 1 event/s each, spread evenly
 * (one event every 1000/N ms, round robin), whatever the replies do: a slow server does not
 * slow the offered load down. Latency is taken from the actual send; the scheduler's own
 * lateness (the load generator's timer lag) is reported next to it.
 * Closed loop: each client sends its next event as soon as the reply to the previous one
 * arrives; the throughput is what one (or N) such client(s) get.
 *
 * Each run warms up first (not recorded), then records for a fixed window. Events sent
 * inside the window are recorded; after it the generator stops sending and waits for the
 * outstanding replies.
 *
 * CPU: `process.cpuUsage()` (user + system) of the server process, read over IPC at the
 * start of the window and after the last reply, divided by the events sent in the window.
 * It includes everything the server process does meanwhile (socket I/O, timers, GC), not
 * just the handler. Event-loop utilization and GC pauses of the server over the same window
 * are given too.
 */
import { performance } from "node:perf_hooks";
import os from "node:os";
import { openView, type OpenView } from "../connect.js";
import { machineCpu, machineCpuPct, type MachineCpu } from "../machine.js";
import type { ServerHandle } from "../server-handle.js";
import { percentile, pool, sleep, sorted } from "../stats.js";

/** One load run. */
export interface LoadResult {
  mode: "open" | "closed";
  clients: number;
  /** offered rate (open loop), events/s */
  offered?: number;
  /** length of the recorded window, s */
  seconds: number;
  /** replies recorded */
  events: number;
  /** error frames received during the run, warm-up included (rate_limited, …); should be 0 */
  errors: number;
  /** events still unanswered 10 s after the window (should be 0) */
  lost: number;
  p50: number;
  p99: number;
  max: number;
  /** replies per second over the window */
  throughput: number;
  /** server CPU µs per event sent in the window (user + system) */
  cpuUsPerEvent: number;
  /** the same, user time only (JavaScript, V8, libuv in user space) */
  cpuUserUsPerEvent: number;
  /** the same, system time only (the kernel: socket reads and writes, epoll) */
  cpuSysUsPerEvent: number;
  /** server CPU over the window, % of one core */
  serverCpuPct: number;
  /** server event-loop utilization over the window, 0–1 */
  serverElu: number;
  /** server GC over the window: collections, total pause ms, longest pause ms */
  gcCount: number;
  gcMs: number;
  gcMaxMs: number;
  /** load generator CPU over the window, % of one core */
  generatorCpuPct: number;
  /**
   * CPU used by other processes on the machine over the window (whole machine minus server
   * and generator), % of one core; NaN off Linux. High values mean the run competed for the
   * cores, and its latencies say more about the machine than about the server.
   */
  otherCpuPct: number;
  /** 1-minute load average at the end of the run */
  loadavg: number;
  /** open loop: p99 of how late the generator sent events against the schedule, ms */
  schedLagP99?: number;
}

/**
 * What the loops need of a client socket: {@link BenchSocket} (Weft) and the peer bench's
 * LiveViewJS socket (peers/lvjs-client.ts) both have it.
 */
export interface LoadSocket {
  /** events sent and not yet answered: seq → send time (performance.now()) */
  readonly pending: Map<number, number>;
  onReply?(latencyMs: number, ok: boolean, sentAt: number, frame: never): void;
  /** error frames received */
  errors: unknown[];
  /** sends event `name` with `payload` to view `ref`; returns its seq */
  event(ref: number, name: string, payload: object): number;
}

/** A joined view the loops drive (its view is ref 1 on its socket). */
export interface LoadView {
  sock: LoadSocket;
}

/** What the loops read of the server: its CPU so far (a {@link ServerHandle}, or the processes of a cluster). */
export type CpuSource = Pick<ServerHandle, "cpu">;

/** The event the loops send: a name and a payload maker (default: `restock` on the rows in turn). */
export interface LoadEvent {
  name: string;
  payload: () => object;
}

/** Opens `n` table views, each on its own socket with its own session (50 connects at a time). */
export function connectTables(base: string, n: number): Promise<OpenView[]> {
  return pool(Array.from({ length: n }, (_, i) => i), 50, () => openView(base, "/table"));
}

/** Closes the views' sockets. */
export async function closeAll(views: OpenView[]): Promise<void> {
  await pool(views, 100, (v) => v.sock.close());
}

interface Window {
  start: number;
  end: number;
  lat: number[];
  errors: number;
  sent: number;
}

/** Records replies to events sent inside the window. */
function recorder<V extends LoadView>(views: V[], w: Window, onEach?: (v: V) => void): void {
  for (const v of views) {
    v.sock.onReply = (latency, ok, sentAt) => {
      if (sentAt >= w.start && sentAt < w.end) {
        if (ok) w.lat.push(latency);
        else w.errors++;
      }
      onEach?.(v);
    };
  }
}

async function drain(views: LoadView[]): Promise<number> {
  const deadline = Date.now() + 10_000;
  const outstanding = () => views.reduce((s, v) => s + v.sock.pending.size, 0);
  while (outstanding() > 0 && Date.now() < deadline) await sleep(5);
  return outstanding();
}

let counter = 0;
/** The next restock payload: rows in turn, ids as strings as the browser sends them. */
const payload = () => ({ id: String((counter++ % 50) + 1) });
const RESTOCK: LoadEvent = { name: "restock", payload };

async function measure(
  server: CpuSource,
  views: LoadView[],
  w: Window,
  run: () => Promise<void>,
  mode: LoadResult["mode"],
  extra: Partial<LoadResult>,
): Promise<LoadResult> {
  let cpu0!: Awaited<ReturnType<ServerHandle["cpu"]>>;
  let gen0!: NodeJS.CpuUsage;
  let machine0!: MachineCpu;
  const atStart = sleep(w.start - performance.now()).then(async () => {
    machine0 = machineCpu();
    gen0 = process.cpuUsage();
    cpu0 = await server.cpu();
  });
  await run();
  await atStart;
  const lost = await drain(views);
  const cpu1 = await server.cpu();
  const gen1 = process.cpuUsage(gen0);
  const machinePct = machineCpuPct(machine0, machineCpu());
  const wall = (performance.now() - w.start) * 1000; // µs, window + drain
  const lat = sorted(w.lat);
  const serverUs = cpu1.user - cpu0.user + (cpu1.system - cpu0.system);
  return {
    mode,
    clients: views.length,
    seconds: (w.end - w.start) / 1000,
    events: lat.length,
    errors: views.reduce((s, v) => s + v.sock.errors.length, 0),
    lost,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat[lat.length - 1] ?? Number.NaN,
    throughput: lat.length / ((w.end - w.start) / 1000),
    cpuUsPerEvent: serverUs / w.sent,
    cpuUserUsPerEvent: (cpu1.user - cpu0.user) / w.sent,
    cpuSysUsPerEvent: (cpu1.system - cpu0.system) / w.sent,
    serverCpuPct: (100 * serverUs) / wall,
    gcCount: cpu1.gc.count - cpu0.gc.count,
    gcMs: cpu1.gc.totalMs - cpu0.gc.totalMs,
    gcMaxMs: cpu1.gc.maxMsSinceLast,
    serverElu: (cpu1.elu.active - cpu0.elu.active) / (cpu1.elu.active - cpu0.elu.active + cpu1.elu.idle - cpu0.elu.idle),
    generatorCpuPct: (100 * (gen1.user + gen1.system)) / wall,
    otherCpuPct: Math.max(0, machinePct - (100 * (serverUs + gen1.user + gen1.system)) / wall),
    loadavg: os.loadavg()[0]!,
    ...extra,
  };
}

/**
 * Open loop: `ratePerS` events/s (default: 1 per view), evenly spread, sent by `views` in
 * turn; `warmupS` unrecorded seconds, then `seconds` recorded.
 */
export async function openLoop(server: CpuSource, views: LoadView[], seconds: number, warmupS: number, ev: LoadEvent = RESTOCK, ratePerS = views.length): Promise<LoadResult> {
  for (const v of views) v.sock.errors = [];
  const n = views.length;
  const period = 1000 / ratePerS;
  const t0 = performance.now() + 20;
  const w: Window = { start: t0 + warmupS * 1000, end: t0 + (warmupS + seconds) * 1000, lat: [], errors: 0, sent: 0 };
  recorder(views, w);
  const lags: number[] = [];
  const run = () =>
    new Promise<void>((resolve) => {
      let j = 0;
      const tick = () => {
        const now = performance.now();
        for (let due = t0 + j * period; due <= now && due < w.end; due = t0 + ++j * period) {
          if (due >= w.start) {
            lags.push(now - due);
            w.sent++;
          }
          views[j % n]!.sock.event(1, ev.name, ev.payload());
        }
        const next = t0 + j * period;
        if (next >= w.end) return resolve();
        setTimeout(tick, Math.max(0, next - performance.now()));
      };
      setTimeout(tick, Math.max(0, t0 - performance.now()));
    });
  // w.sent counts what the scheduler sent in the window; the recorder keys on send time.
  const r = await measure(server, views, w, run, "open", { offered: ratePerS });
  r.schedLagP99 = percentile(sorted(lags), 99);
  return r;
}

/**
 * Closed loop: every client keeps exactly one event in flight; `warmupS` unrecorded seconds,
 * then `seconds` recorded.
 */
export async function closedLoop(server: CpuSource, views: LoadView[], seconds: number, warmupS: number, ev: LoadEvent = RESTOCK): Promise<LoadResult> {
  for (const v of views) v.sock.errors = [];
  const t0 = performance.now();
  const w: Window = { start: t0 + warmupS * 1000, end: t0 + (warmupS + seconds) * 1000, lat: [], errors: 0, sent: 0 };
  const send = (v: LoadView) => {
    const now = performance.now();
    if (now >= w.end) return;
    if (now >= w.start) w.sent++;
    v.sock.event(1, ev.name, ev.payload());
  };
  recorder(views, w, send);
  const run = async () => {
    for (const v of views) send(v);
    await sleep(w.end - performance.now());
  };
  return measure(server, views, w, run, "closed", {});
}

/** Connects `n` table views, runs `fn` on them, closes them. */
export async function withTables<T>(server: ServerHandle, n: number, fn: (views: OpenView[]) => Promise<T>): Promise<T> {
  const views = await connectTables(server.base, n);
  try {
    return await fn(views);
  } finally {
    await closeAll(views);
  }
}
