/**
 * The actions of the two-worker jobs suites (jobs-page.test.ts, jobs-http.test.ts): bulk actions
 * with progress whose bodies take one "step" per row from a {@link Stepper} the test controls
 * (so "it advances" is checked without timing assumptions), one that fails with a secret in its
 * error, one not cancellable, one that reports what its selection held, and a plain action.
 * What each body did is kept in `env.runs`, by job id.
 */
import { eq } from "drizzle-orm";
import type { Order } from "../../../../examples/admin-demo/src/db/schema.js";
import { withProgress, type AdminAction } from "../../src/index.js";
import type { PinnedSelection } from "../../src/jobs/index.js";
import { qb } from "../../src/query/dialect/index.js";
import type { DemoTables } from "./demo-shop.js";


/** Steps the test hands out: a body takes one per row, so the test decides how far it gets. */
export class Stepper {
  private credits = 0;
  private waiters = new Set<() => void>();
  release(n = 1): void {
    this.credits += n;
    for (const w of [...this.waiters]) w();
  }
  /** Waits for a step; rejects with the signal's reason when it aborts. */
  async take(signal?: AbortSignal): Promise<void> {
    while (this.credits === 0) {
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          this.waiters.delete(done);
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          this.waiters.delete(done);
          reject(signal!.reason);
        };
        this.waiters.add(done);
        if (signal?.aborted) return onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    this.credits--;
  }
}

/** What a body did, by job id. */
export interface Run {
  rows: number;
  exited: boolean;
  pinned?: PinnedSelection;
  size?: number;
  ids?: unknown[];
  count?: number;
  rowCount?: number;
}

/** The shop's tables on the engine under test (the describe blocks run one after another). */
let T: DemoTables;
/** Points the actions at `tables` (the suite's shop, before its workers start). */
export function useTables(tables: DemoTables): void {
  T = tables;
}

/** What the failing action's error says: it must reach the server log, never a page or frame. */
export const FAIL_SECRET = "kaboom-secret-detail-7731";
/** The file the failing action's error is thrown in: its stack names it. */
export const FAIL_SOURCE = "jobs-actions.ts";
/** The suite's stepper (a new one per test) and what each body did, by job id. */
export const env = { stepper: new Stepper(), runs: new Map<string, Run>() };

const refund = withProgress<Order>(
  { name: "refund_selected", label: "Refund selected orders", permissions: ["orders.refund_order"], description: ({ count }) => `Refund ${count} orders` },
  async (ctx, selection, progress) => {
    const run: Run = { rows: 0, exited: false, ids: await selection.ids() };
    env.runs.set(ctx.jobId, run);
    try {
      for (const id of run.ids!) {
        if (progress.cancelled) break;
        await env.stepper.take(progress.signal);
        const [order] = await selection.rows([id]);
        await qb(ctx.db).update(T.orders).set({ status: "refunded" }).where(eq(T.orders.id, id as number));
        run.rows++;
        progress.update({ current: run.rows, message: `Refunded ${order!.number}` });
        progress.log(`Refunded ${order!.number}`);
      }
    } finally {
      run.exited = true;
    }
  },
);
const explode = withProgress({ name: "explode", label: "Explode" }, async (ctx, _selection, progress) => {
  env.runs.set(ctx.jobId, { rows: 0, exited: true });
  progress.update({ current: 1, total: 2, message: "about to fail" });
  await null;
  throw new Error(FAIL_SECRET);
});
const finalize = withProgress({ name: "finalize", label: "Finalize orders", cancellable: false }, async (ctx, selection, progress) => {
  const run: Run = { rows: 0, exited: false };
  env.runs.set(ctx.jobId, run);
  try {
    for (const _id of await selection.ids()) {
      await env.stepper.take(); // not cancellable: no signal
      progress.update({ current: ++run.rows });
    }
  } finally {
    run.exited = true;
  }
});
const inspect = withProgress<Order>({ name: "inspect", label: "Inspect" }, async (ctx, selection) => {
  let rowCount = 0;
  for await (const batch of selection.batches(7)) rowCount += batch.length;
  env.runs.set(ctx.jobId, { rows: 0, exited: true, pinned: selection.pinned, size: selection.size, ids: await selection.ids(), count: await selection.count(), rowCount });
});
const plain: AdminAction = { name: "touch", label: "Touch", run: () => "touched" };

/** The order admin's actions: refund_selected, explode, finalize, inspect (with progress) and touch (plain). */
export const ACTIONS: AdminAction[] = [refund, explode, finalize, inspect, plain];
