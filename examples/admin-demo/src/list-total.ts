/**
 * "Total of the 1,945 matching orders: €412,003.10": a change-list widget that follows the
 * list. It is a LiveComponent, so it lives in the list's own view and gets the list's search,
 * filters, selection and matching rows' WHERE as props on every change (`update`); it sums
 * those orders (and the selected ones) with one awaited drizzle statement each, off the
 * render (`assignAsync`), keeping the last figures on screen while the next ones load.
 *
 * The sums read through the props' `db` (the site's reads: SQLite's read pool, in reader
 * processes, under the query budget), never the demo's own connection: summing 400,000 orders
 * on better-sqlite3's connection took 150–450 ms of the event loop on every click of the list.
 * A click that only changes the selection sums the selected orders, not the matching ones again,
 * and lists showing the same rows share one sum for a few seconds (`sharedFigures`).
 */
import { AsyncResult, LiveComponent } from "@weft/server";
import type { ListWidgetProps } from "@weft/admin/query";
import { and, count, inArray, sum, type SQL } from "drizzle-orm";
import { engineOf, type AnyDemoDb, type DemoEngine } from "./db/engine.js";

const euro = new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR" });
const whole = new Intl.NumberFormat("en-IE");

/** One line of figures: how many orders and their total. */
export interface Figures {
  orders: string;
  total: string;
  /** "order" or "orders" */
  noun: string;
}

/** What {@link ListTotal} shows. */
export interface ListTotalAssigns {
  /** the matching orders' figures (loading while the list changed) */
  matching: AsyncResult<Figures>;
  /** the selected orders' figures, or null without a selection (or with every matching row selected) */
  selected: AsyncResult<Figures> | null;
  /** the list has a search, a filter or a date drill (its `where` is set: the demo's orders have no `getQueryset` scope) */
  filtered: boolean;
}

/** The statement summing the orders matching `where` (all of them when undefined). */
const sumQuery = ({ q, t }: DemoEngine, where: SQL | undefined) => q.select({ n: count(), cents: sum(t.orders.totalCents) }).from(t.orders).where(where);

async function figures(engine: DemoEngine, where: SQL | undefined): Promise<Figures> {
  const [row] = await sumQuery(engine, where);
  const n = Number(row?.n ?? 0);
  return { orders: whole.format(n), total: euro.format(Number(row?.cents ?? 0) / 100), noun: n === 1 ? "order" : "orders" };
}

/** How long a matching-rows sum is shared by every list showing the same rows (ms). */
const SHARED_MS = 5_000;
/**
 * Per database (its driver client: each user's `props.db` is a database of its own over the same
 * pool or connection, see `site.readsFor`): the sums made or under way, by statement and matching count.
 */
const sharedSums = new WeakMap<object, Map<string, { until: number; figures: Promise<Figures> }>>();

/**
 * The matching rows' figures, shared for {@link SHARED_MS} by every list whose statement
 * (search, filters and the user's scope, as SQL and parameters) and count are the same, and
 * joined while under way: each list of 400,000 orders costs the read pool a full scan, and
 * every page load of every user asked for it again (two readers busy with the same sum kept a
 * third page's own statements waiting past their budget). New rows change the count, and so
 * the key. A failed sum is not kept.
 */
function sharedFigures(engine: DemoEngine, where: SQL | undefined, matching: number, now = Date.now()): Promise<Figures> {
  const owner = (engine.q as { $client?: object }).$client ?? engine;
  let sums = sharedSums.get(owner);
  if (!sums) sharedSums.set(owner, (sums = new Map()));
  const { sql: text, params } = sumQuery(engine, where).toSQL();
  const key = JSON.stringify([text, params, matching]);
  const hit = sums.get(key);
  if (hit && hit.until > now) return hit.figures;
  for (const [k, v] of sums) if (v.until <= now) sums.delete(k);
  const entry = { until: now + SHARED_MS, figures: figures(engine, where) };
  sums.set(key, entry);
  entry.figures.catch(() => sums.get(key) === entry && sums.delete(key));
  return entry.figures;
}

/** The order change list's "Total of the N matching orders" widget (position: above the list). */
export class ListTotal extends LiveComponent<ListTotalAssigns, ListWidgetProps> {
  static template = "slot-list-total.eta";
  static label = "Total";
  static size = "sm" as const;

  /** the matching rows' WHERE last summed: a new one (search, filters, new rows) sums again */
  private summed: SQL | undefined | null = null;
  private summedCount = -1;

  update(p: ListWidgetProps): void {
    // the read pool is a SQLite database like the demo's own: the same engine adapter serves it
    const engine = engineOf(p.db as AnyDemoDb);
    this.assign({ filtered: p.where !== undefined });
    if (p.where !== this.summed || p.count !== this.summedCount) {
      this.summed = p.where;
      this.summedCount = p.count;
      this.assignAsync("matching", async () => ({ matching: await sharedFigures(engine, p.where, p.count) }));
    }
    if (p.selection.mode === "ids" && p.selection.ids.length > 0) {
      // the picked primary keys, within the matching rows
      const ids = p.selection.ids.map(Number).filter(Number.isSafeInteger);
      this.assignAsync("selected", async () => ({ selected: await figures(engine, and(p.where, inArray(engine.t.orders.id, ids))) }));
    } else this.assign({ selected: null });
  }
}
