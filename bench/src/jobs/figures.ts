/**
 * What the jobs bench measures (bench/src/jobs.ts): the plan of each figure, the targets it is
 * compared with, and the shape of the figures the phases gather and the report prints; plus
 * the bench's log line on stderr.
 */

/** A progress line on stderr. */
export const log = (msg: string) => process.stderr.write(`bench:jobs: ${msg}\n`);

/** What each figure does; the whole run stays under ~1 minute on a quiet machine. */
export const PLAN = {
  /** updates measured, after `latencyWarm` not counted, `latencySpacingMs` apart (more than the 50 ms coalescing) */
  latencyCount: 300,
  latencyWarm: 10,
  latencySpacingMs: 75,
  /** jobs cancelled, one after another */
  cancelJobs: 50,
  /** the flood: updates a second, for how long */
  floodRate: 10_000,
  floodSeconds: 5,
};
/** see measureLatency's afterRenewal */
export const RENEWAL_SHADOW_MS = 100;
export const TARGETS = { latencyP99: 20, cancelP99: 50, framesPerSecond: 20 };

import type { QueueFigures } from "./queue.js";

/** Everything one run gathered: the machine, the clock offsets, and each phase's samples. */
export interface Figures {
  env: { date: string; node: string; cpu: string; cores: number; os: string; loadStart: number[]; loadEnd: number[]; quiet: { waitedMs: number; busyPct: number } };
  clock: { a: { offset: number; uncertainty: number }; b: { offset: number; uncertainty: number } };
  /**
   * samples: update → frame on B's client; redisLeg: update → the record at a plain subscriber
   * of this process; quiet: the samples of updates not made right after a lease renewal;
   * slowAfterRenewal: samples over the p99 target among those made right after one
   */
  latency: { samples: number[]; redisLeg: number[]; quiet: number[]; renewals: number; slowAfterRenewal: number; merged: number; missing: number; busyPct: number };
  cancel: { samples: number[]; replies: number[]; statuses: Record<string, number>; busyPct: number };
  flood: {
    seconds: number;
    updates: number;
    published: number;
    frames: number;
    progressFrames: number;
    maxIn1s: number;
    progressMaxIn1s: number;
    minGapMs: number;
    lastShown: string;
    expected: string;
    cpuA: number;
    cpuB: number;
    busyPct: number;
  };
  /** the BullMQ phases (queue.ts) */
  queue: QueueFigures;
}
