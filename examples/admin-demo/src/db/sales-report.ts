import { and, count, eq, gte, lt, max } from "drizzle-orm";
import { engineOf, type AnyDemoDb } from "./engine.js";
import { sumOf } from "./queries.js";
import { ORDER_STATUSES, type OrderStatus } from "./schema.js";

/** One day of the sales report. */
export interface SalesDay {
  /** `YYYY-MM-DD` (UTC) */
  day: string;
  orders: number;
  cents: number;
}

/** The report's filters: an inclusive UTC date range and an optional status. */
export interface SalesFilter {
  from: string;
  to: string;
  status: OrderStatus | null;
}

const DAY = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** The longest range the report draws, in days. */
export const MAX_REPORT_DAYS = 92;

/** `YYYY-MM-DD` of a UTC instant. */
export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The last 30 days up to the newest order (today when there is none). */
export async function defaultFilter(db: AnyDemoDb): Promise<SalesFilter> {
  const { q, t } = engineOf(db);
  const [row] = await q.select({ t: max(t.orders.createdAt) }).from(t.orders);
  const newest = row?.t?.getTime() ?? Date.now();
  return { from: isoDay(newest - 29 * DAY), to: isoDay(newest), status: null };
}

/**
 * Reads the filter from URL params, falling back to `fallback` for what is missing.
 * @returns the filter, or an error message for the user
 */
export function parseFilter(params: Record<string, string | undefined>, fallback: SalesFilter): SalesFilter | string {
  const from = params.from || fallback.from;
  const to = params.to || fallback.to;
  const status = params.status || null;
  if (!DATE.test(from) || Number.isNaN(Date.parse(from)) || !DATE.test(to) || Number.isNaN(Date.parse(to))) return "Enter dates as YYYY-MM-DD.";
  if (from > to) return "The start date must not be after the end date.";
  if ((Date.parse(to) - Date.parse(from)) / DAY + 1 > MAX_REPORT_DAYS) return `Choose at most ${MAX_REPORT_DAYS} days.`;
  if (status !== null && !(ORDER_STATUSES as readonly string[]).includes(status)) return "Choose a status from the list.";
  return { from, to, status: status as OrderStatus | null };
}

/**
 * Orders and their total per UTC day of the range (every day, zeros included), one range scan
 * of the created-at index.
 */
export async function salesByDay(db: AnyDemoDb, f: SalesFilter): Promise<SalesDay[]> {
  const e = engineOf(db);
  const o = e.t.orders;
  const start = Date.parse(f.from);
  const end = Date.parse(f.to) + DAY;
  const day = e.utcDay(o.createdAt);
  const rows = await e.q
    .select({ day: day.mapWith(String), orders: count(), cents: sumOf(o.totalCents) })
    .from(o)
    .where(and(gte(o.createdAt, new Date(start)), lt(o.createdAt, new Date(end)), f.status ? eq(o.status, f.status) : undefined))
    .groupBy(day);
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const days: SalesDay[] = [];
  for (let t = start; t < end; t += DAY) days.push(byDay.get(isoDay(t)) ?? { day: isoDay(t), orders: 0, cents: 0 });
  return days;
}
