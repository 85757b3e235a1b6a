/**
 * The figures behind the dashboard's charts: revenue per hour over the last 24 h, takings of
 * a time range (for the trend against yesterday), today's orders by status and the
 * best-selling products of the last 24 h. Awaited drizzle queries, one statement each, using
 * SQL that SQLite and PostgreSQL share; the hour bucket reads the timestamp as epoch
 * milliseconds through the engine adapter (`epochMs`), and `/ 3600000` with integer literals is an
 * integer division on both.
 */
import { and, count, desc, eq, gte, lt, notInArray, sql, sum } from "drizzle-orm";
import { engineOf, type AnyDemoDb } from "./engine.js";

const HOUR_MS = 3_600_000;
/** Orders in these statuses are not takings. */
const NOT_TAKINGS: Array<"cancelled" | "refunded"> = ["cancelled", "refunded"];

/**
 * Takings per clock hour over the last 24 hours, oldest first, the last one the current hour
 * so far. Buckets are whole hours (not relative to `now`), so a new order changes only the last
 * point and the tile's push stays small. One range scan of `orders_created_at_idx`.
 *
 * @param db - the demo database
 * @param now - a moment of the last hour (epoch ms)
 * @returns 24 sums in cents (0 for an hour without orders)
 */
export async function revenueByHour(db: AnyDemoDb, now: number): Promise<number[]> {
  const { q, t, epochMs } = engineOf(db);
  const { orders } = t;
  const end = (Math.floor(now / HOUR_MS) + 1) * HOUR_MS;
  const start = end - 24 * HOUR_MS;
  // integer literals (not bound parameters, which SQLite may bind as REAL) keep `/` an integer division
  const bucket = sql<number>`(${epochMs(orders.createdAt)} - ${sql.raw(String(Math.trunc(start)))}) / ${sql.raw(String(HOUR_MS))}`;
  const rows = await q
    .select({ hour: bucket, cents: sum(orders.totalCents) })
    .from(orders)
    .where(and(gte(orders.createdAt, new Date(start)), lt(orders.createdAt, new Date(end)), notInArray(orders.status, NOT_TAKINGS)))
    .groupBy(bucket);
  const series = new Array<number>(24).fill(0);
  for (const r of rows) if (r.hour >= 0 && r.hour < 24) series[Number(r.hour)] = Number(r.cents ?? 0);
  return series;
}

/**
 * Takings (orders not cancelled or refunded) created in `[start, end)`.
 *
 * @param db - the demo database
 * @param start - epoch ms, inclusive
 * @param end - epoch ms, exclusive
 * @returns the sum in cents
 */
export async function takingsBetween(db: AnyDemoDb, start: number, end: number): Promise<number> {
  const { q, t } = engineOf(db);
  const { orders } = t;
  const [row] = await q
    .select({ cents: sum(orders.totalCents) })
    .from(orders)
    .where(and(gte(orders.createdAt, new Date(start)), lt(orders.createdAt, new Date(end)), notInArray(orders.status, NOT_TAKINGS)));
  return Number(row?.cents ?? 0);
}

/**
 * Orders created in `[start, end)` by status, the most frequent first.
 *
 * @param db - the demo database
 * @param start - epoch ms, inclusive
 * @param end - epoch ms, exclusive
 * @returns one row per status present
 */
export async function ordersByStatus(db: AnyDemoDb, start: number, end: number): Promise<Array<{ status: string; n: number }>> {
  const { q, t } = engineOf(db);
  const { orders } = t;
  const n = count();
  const rows = await q
    .select({ status: orders.status, n })
    .from(orders)
    .where(and(gte(orders.createdAt, new Date(start)), lt(orders.createdAt, new Date(end))))
    .groupBy(orders.status)
    .orderBy(desc(n), orders.status);
  return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
}

/**
 * The products sold most (by units) in orders of the 24 hours before `now` that are takings.
 *
 * @param db - the demo database
 * @param now - the end of the window (epoch ms)
 * @param limit - how many products
 * @returns id, name and units, best first, and the units of every product sold in the window (`total`, the same on each row)
 */
export async function topProducts(db: AnyDemoDb, now: number, limit = 5): Promise<Array<{ id: number; name: string; units: number; total: number }>> {
  const { q, t } = engineOf(db);
  const { orders, orderItems, products } = t;
  const units = sum(orderItems.quantity);
  // a window over the groups: the window's total comes with the top rows, in the same statement
  const total = sql<number>`sum(sum(${orderItems.quantity})) over ()`;
  const rows = await q
    .select({ id: products.id, name: products.name, units, total })
    .from(orderItems)
    .innerJoin(orders, eq(orders.id, orderItems.orderId))
    .innerJoin(products, eq(products.id, orderItems.productId))
    .where(and(gte(orders.createdAt, new Date(now - 24 * HOUR_MS)), lt(orders.createdAt, new Date(now)), notInArray(orders.status, NOT_TAKINGS)))
    .groupBy(products.id, products.name)
    .orderBy(desc(units), products.name)
    .limit(limit);
  return rows.map((r) => ({ id: r.id, name: r.name, units: Number(r.units ?? 0), total: Number(r.total ?? 0) }));
}
