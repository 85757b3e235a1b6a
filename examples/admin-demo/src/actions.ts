/**
 * The demo's bulk actions on orders, each a background job with a live progress page
 * (`withProgress`): select orders in the change list, pick the action, press Go, and the
 * browser lands on `/admin/jobs/<id>/`, which follows the job on whichever worker it runs.
 *
 * - "Refund selected orders" — needs `orders.refund_order` (the "manager" login has it);
 *   cancellable: checks `progress.cancelled` between rows; resumable: with job workers
 *   (`--job-workers`), a worker's crash hands it to another, which goes on after the last
 *   checkpoint (an order already refunded is skipped, so none is refunded twice); refunds paid / shipped / delivered
 *   orders (status → refunded, an audit entry each), skips the others, logs every order.
 * - "Sync with vendor" — cancellable through `progress.signal`: each order waits on a fake
 *   vendor call (a timer that honours the AbortSignal), so Cancel interrupts the call in flight.
 *   **Fails on purpose** when an order's note contains `FAIL-SYNC` (the tests use it to check
 *   that a failed job shows a generic message and never the error or its stack).
 * - "Finalize orders" — declared NOT cancellable and NOT resumable (a crash shows it lost) (no Cancel button; a crafted cancel is
 *   refused): marks shipped orders as delivered.
 *
 * Each waits `ACTION_ROW_DELAY_MS` per order (default 100 ms) so a person can watch the bar.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { eq } from "drizzle-orm";
import { type Progress } from "@weft/server/jobs";
import { publishModelEvent, recordAudit, withProgress, withTransaction, type AdminAction, type JobSelection, type ProgressActionContext } from "@weft/admin";
import { engineOf, type AnyDemoDb } from "./db/engine.js";
import type { Order, OrderStatus } from "./db/schema.js";

/** An order whose note contains this makes "Sync with vendor" fail (on purpose, for tests). */
export const FAIL_SYNC_MARKER = "FAIL-SYNC";

/** The pause per order of the demo actions (ms): `ACTION_ROW_DELAY_MS`, default 100. */
export function rowDelayMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.ACTION_ROW_DELAY_MS ?? 100);
  return Number.isFinite(n) && n >= 0 ? n : 100;
}

/** Orders that can be refunded. */
const REFUNDABLE: ReadonlySet<OrderStatus> = new Set(["paid", "shipped", "delivered"]);

const plural = (n: number, one: string) => `${n.toLocaleString("en-US")} ${one}${n === 1 ? "" : "s"}`;
const euros = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;

/** Sets an order's status in one transaction with its audit entry, then tells live pages. */
async function setStatus(ctx: ProgressActionContext, order: Order, status: OrderStatus): Promise<void> {
  const { orders } = engineOf(ctx.db as AnyDemoDb).t;
  await withTransaction(ctx.db, async (tx) => {
    await tx.update(orders).set({ status, updatedAt: new Date() }).where(eq(orders.id, order.id));
    await recordAudit(tx, {
      userId: ctx.user.id,
      action: "change",
      model: `${ctx.admin.app}.${ctx.admin.name}`,
      objectId: order.id,
      objectRepr: order.number,
      changes: { status: [order.status, status] },
    });
  });
  void publishModelEvent(ctx.pubsub, ctx.admin, "changed", order.id, (err) => ctx.log.warn({ err }, "demo: order change not published"));
}

/**
 * Walks the selection one fresh row at a time, calling `each` and reporting progress; stops
 * between rows when `progress.cancelled` (for cancellable actions).
 */
async function eachOrder(
  selection: JobSelection<Order>,
  progress: Progress,
  opts: { cancellable: boolean; delayMs: number; signal?: AbortSignal },
  each: (order: Order) => Promise<string> | string,
): Promise<number> {
  const ids = await selection.ids();
  // a resumed job (its worker crashed) goes on after its last checkpoint: rows in key order
  const after = (progress.lastCheckpoint as { lastId?: number } | undefined)?.lastId;
  const todo = after === undefined ? ids : ids.filter((id) => (id as number) > after);
  let done = ids.length - todo.length;
  progress.update({ current: done, total: ids.length });
  for (const id of todo) {
    if (opts.cancellable && progress.cancelled) {
      progress.log(`Cancelled after ${plural(done, "order")}.`);
      break;
    }
    const [order] = await selection.rows([id]); // fresh: someone may have changed it meanwhile
    const line = order ? await each(order) : `Order #${String(id)} is gone; skipped.`;
    progress.log(line);
    done++;
    progress.checkpoint({ lastId: id });
    progress.update({ current: done, message: line });
    if (opts.delayMs > 0) await sleep(opts.delayMs, undefined, opts.signal ? { signal: opts.signal } : {});
  }
  return done;
}

/** "Refund selected orders": cancellable, checks the flag between rows. */
export const refundSelected: AdminAction = withProgress<Order>(
  {
    name: "refund_selected",
    label: "Refund selected orders",
    permissions: ["orders.refund_order"],
    // a crashed job worker's refund goes on on another one: an order already refunded is skipped
    resumable: true,
    description: ({ count }) => `Refund ${plural(count, "order")} (paid, shipped or delivered ones; others are skipped)`,
  },
  async (ctx, selection, progress) => {
    let refunded = 0;
    const done = await eachOrder(selection, progress, { cancellable: true, delayMs: rowDelayMs() }, async (order) => {
      if (!REFUNDABLE.has(order.status)) return `Skipped ${order.number}: it is ${order.status}.`;
      await setStatus(ctx, order, "refunded");
      refunded++;
      return `Refunded ${order.number} (${euros(order.totalCents, order.currency)}).`;
    });
    if (!progress.cancelled) progress.update({ message: `Done: refunded ${plural(refunded, "order")} of ${done}.` });
  },
);

/** The fake vendor API: answers after `ms`, or rejects at once with an AbortError when `signal` aborts. */
async function vendorCall(order: Order, ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal });
  if (order.note?.includes(FAIL_SYNC_MARKER)) {
    throw new Error(`vendor API rejected ${order.number}: note contains ${FAIL_SYNC_MARKER} (demo failure; the stack stays in the server log)`);
  }
}

/** "Sync with vendor": cancellable through `progress.signal` (the call in flight is interrupted); fails on FAIL-SYNC notes. */
export const syncWithVendor: AdminAction = withProgress<Order>(
  {
    name: "sync_with_vendor",
    label: "Sync with vendor",
    permissions: ["shop.change_order"],
    description: ({ count }) => `Send ${plural(count, "order")} to the fulfilment vendor`,
  },
  async (_ctx, selection, progress) => {
    const delayMs = rowDelayMs();
    // the vendor session first: the total is unknown meanwhile (an indeterminate bar)
    progress.update({ total: null, message: "Connecting to the vendor…" });
    await sleep(delayMs * 3, undefined, { signal: progress.signal });
    await eachOrder(selection, progress, { cancellable: true, delayMs: 0, signal: progress.signal }, async (order) => {
      await vendorCall(order, delayMs, progress.signal);
      return `Synced ${order.number} with the vendor.`;
    });
    progress.update({ message: "The vendor has every order." });
  },
);

/** "Finalize orders": declared not cancellable; marks shipped orders as delivered. */
export const finalizeOrders: AdminAction = withProgress<Order>(
  {
    name: "finalize_orders",
    label: "Finalize orders",
    permissions: ["shop.change_order"],
    cancellable: false,
    description: ({ count }) => `Finalize ${plural(count, "order")}: shipped ones become delivered`,
  },
  async (ctx, selection, progress) => {
    let finalized = 0;
    await eachOrder(selection, progress, { cancellable: false, delayMs: rowDelayMs() }, async (order) => {
      if (order.status !== "shipped") return `Left ${order.number} as it is (${order.status}).`;
      await setStatus(ctx, order, "delivered");
      finalized++;
      return `Finalized ${order.number}: delivered.`;
    });
    progress.update({ message: `Done: ${plural(finalized, "order")} finalized.` });
  },
);

/** The order admin's bulk actions, in menu order. */
export const orderActions: readonly AdminAction[] = [refundSelected, syncWithVendor, finalizeOrders];
