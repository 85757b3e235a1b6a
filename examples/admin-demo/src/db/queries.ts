/**
 * The queries behind the example LiveViews: order search for the change list and the order
 * browser, today's KPIs for dashboard tiles, and the order simulator's insert.
 *
 * Each is written once, as awaited drizzle statements valid on SQLite and PostgreSQL; what
 * differs (LIKE vs ILIKE, SQLite's planner hints, prefix ranges) comes from engine.ts. Every
 * read is a single statement that an index serves (checked with EXPLAIN QUERY PLAN on the full
 * 400k-order seed on SQLite; `node dist/db/query-report.js` prints timings and plans).
 * `searchOrders` is the exception: a few statements (a customer lookup, a capped count that
 * picks the plan, the page, sometimes a count), explained there.
 */
import { and, count, desc, eq, gte, inArray, lt, notInArray, or, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { engineOf, escapeLike, type AnyDemoDb } from "./engine.js";
import { createRng, pickWeighted, randInt, type Rng } from "./rng.js";
import { orderNumber, type Order, type OrderItem, type OrderStatus } from "./schema.js";

/** One row of an order search result. */
export interface OrderSearchRow {
  id: number;
  number: string;
  customerName: string;
  status: OrderStatus;
  totalCents: number;
  createdAt: Date;
}

/** Options for {@link searchOrders}. */
export interface SearchOrdersOptions {
  /**
   * Search text. Text that looks like an order number (`ORD-0001`, `ord0001`, or digits only)
   * matches order numbers by prefix (digits only also match the order with that id:
   * `123` → `ORD-000123`); any other text matches a substring of the customer's name or email
   * (case-insensitive for ASCII). Empty or whitespace: no filter.
   */
  q?: string;
  /** Only orders in this status. */
  status?: OrderStatus;
  /** 1-based page number (default 1). */
  page?: number;
  /** Rows per page (default 50, at most 500). */
  perPage?: number;
  /**
   * When searching, counting stops at this many matches (default 10,000) and `total` is then a
   * lower bound, flagged by `totalCapped`. Counts without `q` are exact.
   */
  countCap?: number;
}

/** A page of {@link searchOrders} results. */
export interface OrderSearchResult {
  rows: OrderSearchRow[];
  /** Number of matching orders; a lower bound (equal to the cap) when `totalCapped`. */
  total: number;
  /** True when counting stopped at `countCap`: show "10,000+" rather than an exact total. */
  totalCapped: boolean;
}

/** The default `countCap` of {@link searchOrders}. */
export const SEARCH_COUNT_CAP = 10_000;

/** Up to this many matching customers, a search passes their ids on instead of re-running the LIKE. */
const FEW_CUSTOMERS = 1_000;

/**
 * The order-number reading of `q`, or null when `q` does not look like an order number:
 * a prefix range on `orders.number` and, for plain digits, the exact number of that id.
 */
export function parseOrderNumberQuery(q: string): { prefix: string; exact: string | null } | null {
  const ord = /^ORD-?(\d*)$/i.exec(q);
  if (ord) return { prefix: `ORD-${ord[1]}`, exact: null };
  if (!/^\d+$/.test(q)) return null;
  const id = Number(q);
  return { prefix: `ORD-${q}`, exact: Number.isSafeInteger(id) && id > 0 ? orderNumber(id) : null };
}

/**
 * Searches orders, newest first (`created_at DESC, id DESC`), one page at a time, with the
 * customer's name joined in.
 *
 * Why more than one statement: the top rows by date of a filtered set have two good plans, and
 * which one is fast depends on how many orders match, which SQLite cannot estimate for a
 * `LIKE '%…%'` on customers. Measured on 400k orders / 50k customers:
 *
 * 0. For a customer search, one LIKE scan of the 50k customers (~5 ms, the main cost), keeping
 *    the ids when there are at most 1,000 (passed on as a `json_each` list); more than that
 *    and the later statements repeat the scan, but then they stop early.
 * 1. A capped count of the candidates, through the index the match can use
 *    (`orders_customer_id_idx` or the `orders_number_unique` range). It stops at `countCap`
 *    (10,000) candidates.
 * 2. Sparse (fewer candidates than the cap): fetch them through that index and sort them
 *    (`created_at + 0` keeps the planner from walking the date index instead); the total is
 *    that count (or, with a status filter, a count of the same small set).
 * 3. Dense (cap reached, ≥ 2.5% of orders): walk `orders_created_at_idx` (or
 *    `orders_status_created_at_idx`) newest first and test each order (`+o.number` keeps the
 *    planner off the number index) until the page is full, which ends quickly because matches
 *    are frequent. The total is the cap, flagged `totalCapped`; with a status filter it is a
 *    capped count along the status index.
 *
 * Without `q`: the page walks the date (or status) index and the count is exact. Known slow
 * corners (≈100 ms): deep pages (OFFSET costs O(offset)), and a short number prefix that
 * matches ≥ 10k orders all far in the past (`ORD-1`), since numbers follow creation order.
 *
 * @param db - the demo database.
 * @param options - search text, status filter, page, page size, count cap.
 * @returns the page's rows and the (possibly capped) total.
 */
export async function searchOrders(db: AnyDemoDb, options: SearchOrdersOptions = {}): Promise<OrderSearchResult> {
  const e = engineOf(db);
  const { q: qb, t } = e;
  const { orders: o, customers: c } = t;
  const q = (options.q ?? "").trim().slice(0, 200);
  const perPage = Math.min(500, Math.max(1, Math.floor(options.perPage ?? 50)));
  const page = Math.max(1, Math.floor(options.page ?? 1));
  const offset = (page - 1) * perPage;
  const cap = Math.max(1, Math.floor(options.countCap ?? SEARCH_COUNT_CAP));
  const status = options.status;
  const pageRows = (where: SQL | undefined, newestFirst: SQL[]): Promise<OrderSearchRow[]> =>
    qb
      .select({ id: o.id, number: o.number, customerName: c.name, status: o.status, totalCents: o.totalCents, createdAt: o.createdAt })
      .from(o)
      .innerJoin(c, eq(c.id, o.customerId))
      .where(where)
      .orderBy(...newestFirst)
      .limit(perPage)
      .offset(offset);
  const byDate = [desc(o.createdAt), desc(o.id)];
  const first = async (query: Promise<{ n: number }[]>) => (await query)[0]!.n;

  if (q === "") {
    const where = status ? eq(o.status, status) : undefined;
    const total = await first(qb.select({ n: count() }).from(o).where(where));
    const rows = offset >= total ? [] : await pageRows(where, byDate);
    return { rows, total, totalCapped: false };
  }

  // The match, in an index-driven form and in a per-row form for walking the date index.
  let indexed: SQL;
  let perRow: SQL;
  const num = parseOrderNumberQuery(q);
  if (num) {
    const plain = e.unindexed(o.number);
    indexed = or(e.startsWith(o.number, num.prefix), num.exact ? eq(o.number, num.exact) : undefined)!;
    perRow = or(e.startsWith(plain, num.prefix), num.exact ? sql`${plain} = ${num.exact}` : undefined)!;
  } else {
    const like = `%${escapeLike(q)}%`;
    const customerMatch = or(e.like(c.name, like), e.like(c.email, like))!;
    perRow = customerMatch;
    // One LIKE scan of customers. Few matches: later statements use their ids, not the scan again.
    const customerIds = (await qb.select({ id: c.id }).from(c).where(customerMatch).limit(FEW_CUSTOMERS + 1)).map((r) => r.id);
    if (customerIds.length === 0) return { rows: [], total: 0, totalCapped: false };
    indexed = customerIds.length <= FEW_CUSTOMERS ? inArray(o.customerId, customerIds) : inArray(o.customerId, qb.select({ id: c.id }).from(c).where(customerMatch));
  }

  const capped = (where: SQL, joined: boolean) => {
    const inner = qb.select({ one: sql<number>`1`.as("one") }).from(o);
    return first(qb.select({ n: count() }).from((joined ? inner.innerJoin(c, eq(c.id, o.customerId)) : inner).where(where).limit(cap).as("capped")));
  };
  const candidates = await capped(indexed, false);

  if (candidates < cap) {
    const where = status ? and(indexed, sql`${e.unindexed(o.status)} = ${status}`)! : indexed;
    const total = status ? await first(qb.select({ n: count() }).from(o).where(where)) : candidates;
    const rows = offset >= total ? [] : await pageRows(where, [sql`${e.unindexed(o.createdAt)} DESC`, desc(o.id)]);
    return { rows, total, totalCapped: false };
  }

  const where = status ? and(perRow, eq(o.status, status))! : perRow;
  const rows = await pageRows(where, byDate);
  if (!status) return { rows, total: cap, totalCapped: true };
  const total = await capped(where, true);
  return { rows, total, totalCapped: total >= cap };
}

/**
 * The local-time day containing `now`, as `[start, end)` epoch milliseconds.
 *
 * @param now - any moment of the day (default: now).
 */
export function dayRange(now: Date = new Date()): { start: number; end: number } {
  const start = new Date(now.getTime());
  start.setHours(0, 0, 0, 0);
  const end = new Date(start.getTime());
  end.setDate(end.getDate() + 1);
  return { start: start.getTime(), end: end.getTime() };
}

/**
 * Counts the orders created today (the server's local day of `now`), whatever their status.
 * One range scan of `orders_created_at_idx`.
 *
 * @param db - the demo database.
 * @param now - a moment of the day to count (default: now).
 */
export async function countOrdersToday(db: AnyDemoDb, now: Date = new Date()): Promise<number> {
  const { q, t } = engineOf(db);
  const { start, end } = dayRange(now);
  const [row] = await q.select({ n: count() }).from(t.orders).where(and(gte(t.orders.createdAt, new Date(start)), lt(t.orders.createdAt, new Date(end))));
  return row!.n;
}

/** `coalesce(sum(column), 0)` as a number on both engines (PostgreSQL sums integers as bigint text). */
export const sumOf = (column: SQLWrapper) => sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number);

/**
 * Sums today's order totals in cents (local day of `now`), leaving out cancelled and refunded
 * orders. One range scan of `orders_created_at_idx`.
 *
 * @param db - the demo database.
 * @param now - a moment of the day to sum (default: now).
 */
export async function revenueToday(db: AnyDemoDb, now: Date = new Date()): Promise<number> {
  return (await takingsToday(db, now)).cents;
}

/**
 * Today's takings: orders not cancelled or refunded, their count and total (one range scan of
 * `orders_created_at_idx`).
 *
 * @param db - the demo database
 * @param now - a moment of the day (default: now)
 * @returns the count and the sum in cents
 */
export async function takingsToday(db: AnyDemoDb, now: Date = new Date()): Promise<{ orders: number; cents: number }> {
  const { q, t } = engineOf(db);
  const o = t.orders;
  const { start, end } = dayRange(now);
  const [row] = await q
    .select({ orders: count(), cents: sumOf(o.totalCents) })
    .from(o)
    .where(and(gte(o.createdAt, new Date(start)), lt(o.createdAt, new Date(end)), notInArray(o.status, ["cancelled", "refunded"])));
  return row!;
}

/**
 * Counts support tickets whose status is `open` (not `pending` or `closed`).
 * One range of `support_tickets_status_created_at_idx`.
 *
 * @param db - the demo database.
 */
export async function openTicketCount(db: AnyDemoDb): Promise<number> {
  const { q, t } = engineOf(db);
  const [row] = await q.select({ n: count() }).from(t.supportTickets).where(eq(t.supportTickets.status, "open"));
  return row!.n;
}

/** An order made by {@link insertRandomOrder}, with its items and its customer's name. */
export type InsertedOrder = Order & { items: OrderItem[]; customerName: string };

let defaultRng: Rng | undefined;

/**
 * Places a random order now, for the order simulator: a random existing customer, 1–4 distinct
 * active products, quantities 1–3, status `pending` or `paid`, the next order id and `ORD-`
 * number. Order and items are written in one transaction (engine.ts: on SQLite `BEGIN
 * IMMEDIATE` under the admin's lock; on PostgreSQL the id comes from the orders sequence, so
 * processes on several machines never pick the same one), and the products' stock goes down
 * by the quantities (not below zero).
 *
 * @param db - the demo database; needs at least one customer and one active product.
 * @param rng - random source (default: a PRNG seeded from the clock).
 * @param now - the order's timestamp (default: now).
 * @returns the new order row with its items and the customer's name.
 * @throws Error when there are no customers or no active products (nothing is written)
 */
export async function insertRandomOrder(db: AnyDemoDb, rng?: Rng, now: Date = new Date()): Promise<InsertedOrder> {
  const random = rng ?? (defaultRng ??= createRng(Date.now()));
  const e = engineOf(db);
  const { customers: c, products: p, orders: o, orderItems: oi } = e.t;
  return e.transaction(async (tx) => {
    const [bounds] = await e.rows<{ maxCustomer: number | null; maxProduct: number | null }>(
      sql`SELECT (SELECT max(id) FROM customers) AS "maxCustomer", (SELECT max(id) FROM products) AS "maxProduct"`,
    );
    if (!bounds || bounds.maxCustomer === null || bounds.maxProduct === null) throw new Error("insertRandomOrder: no customers or products");
    // Probe a random id and take the next existing row, so gaps from deletes do not matter.
    const customerFrom = (from: number) => tx.select({ id: c.id, name: c.name }).from(c).where(gte(c.id, from)).orderBy(c.id).limit(1);
    const [customer] = (await customerFrom(randInt(random, 1, bounds.maxCustomer))).concat(await customerFrom(0));

    const wanted = pickWeighted(random, [
      [1, 45],
      [2, 30],
      [3, 15],
      [4, 10],
    ] as const);
    const productFrom = (from: number) =>
      tx.select({ id: p.id, priceCents: p.priceCents }).from(p).where(and(eq(p.active, true), gte(p.id, from))).orderBy(p.id).limit(1);
    const picked = new Map<number, number>();
    for (let attempt = 0; picked.size < wanted && attempt < wanted * 4; attempt++) {
      const [product] = (await productFrom(randInt(random, 1, bounds.maxProduct))).concat(await productFrom(0));
      if (!product) throw new Error("insertRandomOrder: no active products");
      picked.set(product.id, product.priceCents);
    }

    const id = await e.nextId(tx, "orders");
    const items = [...picked].map(([productId, unitPriceCents]) => ({
      orderId: id,
      productId,
      quantity: pickWeighted(random, [
        [1, 75],
        [2, 18],
        [3, 7],
      ] as const),
      unitPriceCents,
    }));
    const totalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    const [order] = await tx
      .insert(o)
      .values({ id, number: orderNumber(id), customerId: customer!.id, status: random() < 0.5 ? "pending" : "paid", totalCents, currency: "EUR", createdAt: now, updatedAt: now, note: null })
      .returning();
    const insertedItems = await tx.insert(oi).values(items).returning();
    for (const item of items) {
      await tx
        .update(p)
        .set({ stock: e.greatest(sql`${p.stock} - ${item.quantity}`, 0) })
        .where(eq(p.id, item.productId));
    }
    return { ...order!, items: insertedItems, customerName: customer!.name };
  });
}
