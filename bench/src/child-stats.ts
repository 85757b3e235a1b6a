/**
 * What a bench server child measures about itself, and the order ticker it runs, shared by the
 * Weft child (server.ts) and the LiveViewJS child (peers/lvjs-server.ts) so both answer `cpu`,
 * `mem` and `ticker` the same way.
 */
import { PerformanceObserver, performance } from "node:perf_hooks";

/** Garbage collections (from `PerformanceObserver("gc")`; each entry is one GC pause on the main thread). */
export interface GcStats {
  /** collections since the server started */
  count: number;
  /** their total duration, ms */
  totalMs: number;
  /** the longest one since the previous `cpu` request, ms */
  maxMsSinceLast: number;
}

/** The `cpu` answer: CPU so far, event-loop utilization, GC pauses. */
export interface CpuReading {
  cpu: NodeJS.CpuUsage;
  elu: { idle: number; active: number };
  gc: GcStats;
}

/** Starts counting GC pauses; returns a reader of `cpu` answers (each read resets the longest pause). */
export function cpuReader(): () => CpuReading {
  const gcStats: GcStats = { count: 0, totalMs: 0, maxMsSinceLast: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcStats.count++;
      gcStats.totalMs += e.duration;
      gcStats.maxMsSinceLast = Math.max(gcStats.maxMsSinceLast, e.duration);
    }
  }).observe({ entryTypes: ["gc"] });
  return () => {
    const gc = { ...gcStats };
    gcStats.maxMsSinceLast = 0;
    return { cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), gc };
  };
}

/**
 * Full GCs (the process runs with `--expose-gc`), three with a pause between: the first pass
 * runs finalizers / weak callbacks (sockets, timers), the next collect what they released.
 * Then `process.memoryUsage()`.
 *
 * @throws Error when the process runs without `--expose-gc`
 */
export async function memoryAfterGc(): Promise<NodeJS.MemoryUsage> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the server with --expose-gc");
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  return process.memoryUsage();
}

/** The message the `ticker` command publishes. */
export interface OrderCreated {
  type: "order.created";
  /** counts up from 1 over the ticker's life */
  id: number;
  totalCents: number;
}

/** The `ticker` command's publisher. */
export interface OrderTicker {
  /** From now on publishes an {@link OrderCreated} through `publish` every `ms` ms (0 stops it); returns how many were published so far. */
  set(ms: number, publish: (msg: OrderCreated) => unknown): number;
  stop(): void;
}

/** A stopped {@link OrderTicker}. */
export function orderTicker(): OrderTicker {
  let timer: NodeJS.Timeout | undefined;
  let published = 0;
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  return {
    set(ms, publish) {
      stop();
      if (ms > 0) {
        timer = setInterval(() => {
          published++;
          void publish({ type: "order.created", id: published, totalCents: 1234 });
        }, ms);
      }
      return published;
    },
    stop,
  };
}
