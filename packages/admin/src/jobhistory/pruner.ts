/**
 * The job history's scheduled prune: at start-up and then every `everyMs` (default one hour),
 * by one process at a time. Every process of a site runs a pruner; before pruning, one takes a
 * lease in the channel layer (`ChannelLayer.claim` of `jobhistory:prune`, one slot, lasting
 * almost `everyMs`), so the others skip that round. The prune itself is safe to run twice at once
 * (see `JobHistory.prune`): the lease only saves the work. After each prune, `sweep` removes
 * what lasts as long as a job's history: the files of CSV exports whose job was pruned.
 */
import { randomBytes } from "node:crypto";
import type { JobLogger } from "@weft/server/jobs";
import type { ChannelLayer } from "@weft/server/pubsub";
import type { JobHistory } from "./store.js";

/** The lease's key in the channel layer. */
export const PRUNE_LEASE_KEY = "jobhistory:prune";

/** Options of {@link startHistoryPruner}. */
export interface HistoryPrunerOptions {
  /** how often a prune is due (ms; default 3,600,000 = one hour) */
  everyMs?: number;
  /** where a failed prune is reported */
  logger?: Pick<JobLogger, "warn">;
  /** this process's member name in the lease (default: random) */
  member?: string;
  /**
   * called after every prune this process runs, with the history's clock (ms epoch): removes
   * what lasts as long as the history (the admin passes the CSV exports' sweep, `sweepExports`);
   * returns how many things it removed. A failure is reported as the prune's.
   */
  sweep?: (now: number) => Promise<number>;
}

/** A running pruner. */
export interface HistoryPruner {
  /**
   * Prunes now if this process gets the lease.
   * @returns how many rows it deleted, or `undefined` when another process holds the lease
   * @throws (rejects) the database's or the channel layer's error
   */
  runOnce(): Promise<number | undefined>;
  /** Stops the schedule (a prune under way finishes). */
  stop(): void;
}

/**
 * Starts pruning `history` now and every `everyMs` (see the module's comment).
 * @throws RangeError when `everyMs` is not a finite number ≥ 1
 */
export function startHistoryPruner(history: JobHistory, layer: ChannelLayer, options: HistoryPrunerOptions = {}): HistoryPruner {
  const everyMs = options.everyMs ?? 3_600_000;
  if (!(Number.isFinite(everyMs) && everyMs >= 1)) throw new RangeError(`startHistoryPruner: everyMs (${everyMs}) must be a finite number of ms ≥ 1`);
  const member = options.member ?? randomBytes(9).toString("base64url");
  // the lease ends a little before the next round, so whichever process comes first then gets it
  const leaseMs = Math.max(1, everyMs - Math.min(60_000, Math.floor(everyMs / 10)));
  let stopped = false;
  const runOnce = async (): Promise<number | undefined> => {
    if (!(await layer.claim(PRUNE_LEASE_KEY, member, 1, leaseMs))) return undefined;
    const now = history.now();
    const deleted = await history.prune(now);
    await options.sweep?.(now);
    return deleted;
  };
  const round = () => {
    if (stopped) return;
    runOnce().catch((err: unknown) => options.logger?.warn({ err }, "weft: job history prune failed; trying again next round"));
  };
  const timer = setInterval(round, everyMs);
  timer.unref();
  round();
  return {
    runOnce,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
