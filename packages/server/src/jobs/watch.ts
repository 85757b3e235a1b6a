import type { JobStore } from "./store.js";
import { isFinished, type JobRecord } from "./types.js";

/** Options of {@link watchJob}. */
export interface WatchJobOptions {
  /** shortest interval between two calls of `onRecord` (ms; default 50: at most 20 a second) */
  minIntervalMs?: number;
  /** called when a read fails (the store is unreachable); the watch retries on its own */
  onError?: (err: unknown) => void;
}

/**
 * Follows one job for a page: reads it, then calls `onRecord` with every newer record
 * published on `job:<id>` (highest `rev` wins; calls coalesced to one per `minIntervalMs`,
 * the latest always delivered). When an unfinished job's lease expires without news, it
 * re-reads the record, which stores and returns it as `lost`; when the channel layer becomes
 * healthy again after an outage, it re-reads what it may have missed.
 *
 * `onRecord(undefined)` means the job does not exist (or no longer does): answer 404, or show
 * "no longer available" when a record was shown before.
 * @returns the function that stops watching (call it from the view's unmount)
 */
export function watchJob(store: JobStore, id: string, onRecord: (record: JobRecord | undefined) => void, options: WatchJobOptions = {}): () => void {
  const minInterval = options.minIntervalMs ?? 50;
  let latest: JobRecord | undefined;
  let delivered: JobRecord | undefined | null = null; // null: nothing yet
  let lastDelivery = 0;
  let deliverTimer: NodeJS.Timeout | undefined;
  let leaseTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const deliver = () => {
    deliverTimer = undefined;
    if (stopped || delivered === latest) return;
    delivered = latest;
    lastDelivery = Date.now();
    onRecord(latest);
  };
  const schedule = () => {
    if (deliverTimer) return;
    deliverTimer = setTimeout(deliver, Math.max(0, lastDelivery + minInterval - Date.now()));
  };
  const accept = (rec: JobRecord | undefined, fromRead: boolean) => {
    if (stopped || (rec ? latest && rec.rev <= latest.rev : !fromRead)) return;
    latest = rec;
    armLease();
    // a lease renewal changes nothing a page shows: keep it (for the lease) without a render,
    // so it neither costs a frame nor holds back the next real update
    if (rec && !deliverTimer && delivered && sameShown(delivered, rec)) {
      delivered = rec;
      return;
    }
    if (rec) schedule();
    else if (delivered !== undefined) {
      delivered = undefined; // gone (expired, evicted, or lost with Redis's data): a later publish brings it back
      onRecord(undefined);
    }
  };
  const refresh = () => {
    if (stopped) return;
    store.read(id).then(
      (rec) => accept(rec, true),
      (err: unknown) => {
        options.onError?.(err);
        if (!stopped) {
          clearTimeout(leaseTimer);
          leaseTimer = setTimeout(refresh, 1_000);
        }
      },
    );
  };
  const armLease = () => {
    clearTimeout(leaseTimer);
    leaseTimer = undefined;
    if (latest && !isFinished(latest.status)) leaseTimer = setTimeout(refresh, Math.max(0, latest.leaseUntil - Date.now()) + 50);
  };

  const unsubscribe = store.subscribe(id, (rec) => accept(rec, false));
  const unhealth = store.layer.onHealthChange((healthy) => healthy && refresh());
  refresh();
  return () => {
    stopped = true;
    unsubscribe();
    unhealth();
    clearTimeout(deliverTimer);
    clearTimeout(leaseTimer);
  };
}

/** Whether two records of a job differ only in what a lease renewal writes (`rev`, `leaseUntil`). */
function sameShown(a: JobRecord, b: JobRecord): boolean {
  for (const k of Object.keys(b) as Array<keyof JobRecord>) {
    if (k === "rev" || k === "leaseUntil") continue;
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false;
  }
  return true;
}
