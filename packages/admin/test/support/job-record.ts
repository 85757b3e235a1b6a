// A job record as the job history stores it, for tests that write one straight to the history.
import type { JobRecord } from "@weft/server/jobs";

/** A finished CSV export of `owner` (a user id as text) that finished at `finishedAt` (ms epoch); `over` replaces fields. */
export function exportRecord(name: string, owner: string, finishedAt: number, over: Partial<JobRecord> = {}): JobRecord {
  return {
    id: `${name}-${Math.random().toString(36).slice(2, 8)}`.padEnd(24, "x"),
    rev: 1,
    owner,
    ownerName: "ann",
    action: "shop.orders.export_csv",
    description: `export ${name}`,
    status: "done",
    current: 1,
    total: 1,
    message: "",
    log: [],
    error: null,
    cancellable: true,
    cancelRequested: false,
    cancelledBy: null,
    createdAt: finishedAt - 1_000,
    startedAt: finishedAt - 1_000,
    finishedAt,
    leaseUntil: finishedAt,
    worker: "w",
    ...over,
  };
}
