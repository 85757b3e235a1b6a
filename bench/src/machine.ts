/**
 * How busy the whole machine was during a run, to tell a slow server from a crowded machine.
 * Reads the aggregate line of `/proc/stat` (Linux only; elsewhere every figure is NaN).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

/** A reading of the machine's CPU counters (clock ticks since boot, all cores together). */
export interface MachineCpu {
  busy: number;
  total: number;
}

/** Reads `/proc/stat`; busy = everything but idle and iowait. */
export function machineCpu(): MachineCpu {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
    const t = line.trim().split(/\s+/).slice(1).map(Number);
    const total = t.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal; guest is inside user
    const idle = (t[3] ?? 0) + (t[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

/** CPU the whole machine used between two readings, in % of one core (100 × cores at most). */
export function machineCpuPct(a: MachineCpu, b: MachineCpu): number {
  return (100 * os.cpus().length * (b.busy - a.busy)) / (b.total - a.total);
}

/**
 * Waits until the machine is quiet: CPU use of the whole machine over a 1 s sample below
 * `thresholdPct` % of one core (call it while the bench itself is idle, so what is measured
 * is other work), or until `maxMs` has passed. Off Linux it returns at once.
 *
 * @returns how long it waited, ms, and the machine's CPU use in the last sample (% of one core)
 */
export async function waitForQuiet(maxMs: number, thresholdPct = 25): Promise<{ waitedMs: number; busyPct: number }> {
  const start = Date.now();
  for (;;) {
    const a = machineCpu();
    if (Number.isNaN(a.total)) return { waitedMs: 0, busyPct: Number.NaN };
    await new Promise((r) => setTimeout(r, 1000));
    const busyPct = machineCpuPct(a, machineCpu());
    if (busyPct < thresholdPct || Date.now() - start >= maxMs) return { waitedMs: Date.now() - start, busyPct };
  }
}

const REPO = new URL("../../", import.meta.url);

/** The checked-out commit, for the figures' provenance: `abc1234`, `abc1234 + uncommitted changes` or `unknown`. */
export function commit(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: REPO, encoding: "utf8" }).trim();
    return dirty ? `${sha} + uncommitted changes` : sha;
  } catch {
    return "unknown";
  }
}
