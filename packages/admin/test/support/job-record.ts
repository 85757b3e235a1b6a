// A job record as the job history stores it, for tests that write one straight to the history.
import type { JobRecord } from "@weft/server/jobs";

/** A record with every field filled (a finished job of user "1"); `over` replaces fields. */
export function jobRecord(over: Partial<JobRecord> = {}): JobRecord {
  const finishedAt = over.finishedAt ?? 0;
  return {
    id: "job".padEnd(24, "x"),
    rev: 1,
    owner: "1",
    ownerName: "ann",
    action: "shop.orders.export_csv",
    description: "export",
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

/** A finished CSV export of `owner` (a user id as text) that finished at `finishedAt` (ms epoch); `over` replaces fields. */
export function exportRecord(name: string, owner: string, finishedAt: number, over: Partial<JobRecord> = {}): JobRecord {
  return jobRecord({ id: `${name}-${Math.random().toString(36).slice(2, 8)}`.padEnd(24, "x"), owner, description: `export ${name}`, finishedAt, ...over });
}
