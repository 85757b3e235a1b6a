/**
 * The queries behind the example LiveViews: order search for the change list and the order
 * browser, today's KPIs for dashboard tiles, and the order simulator's insert.
 *
 * Every read is a single statement that an index serves (checked with EXPLAIN QUERY PLAN on
 * the full 400k-order seed; `node dist/db/query-report.js` prints timings and plans).
 * `searchOrders` is the exception: a few statements (a customer lookup, a capped count that
 * picks the plan, the page, sometimes a count), explained there.
 */
import { sql, type SQL } from "drizzle-orm";
import type { DemoDb } from "./open.js";
import { createRng, pickWeighted, randInt, type Rng } from "./rng.js";
import { orderItems, orderNumber, orders, type Order, type OrderItem, type OrderStatus } from "./schema.js";

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

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

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

interface RawSearchRow {
  id: number;
  number: string;
  customerName: string;
  status: OrderStatus;
  totalCents: number;
  createdAt: number;
}

const SELECT_ROWS = sql`SELECT o.id AS id, o.number AS number, c.name AS customerName, o.status AS status,
  o.total_cents AS totalCents, o.created_at AS createdAt
  FROM orders o JOIN customers c ON c.id = o.customer_id`;

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
export function searchOrders(db: DemoDb, options: SearchOrdersOptions = {}): OrderSearchResult {
  const q = (options.q ?? "").trim().slice(0, 200);
  const perPage = Math.min(500, Math.max(1, Math.floor(options.perPage ?? 50)));
  const page = Math.max(1, Math.floor(options.page ?? 1));
  const offset = (page - 1) * perPage;
  const cap = Math.max(1, Math.floor(options.countCap ?? SEARCH_COUNT_CAP));
  const status = options.status;
  const pageSql = sql`LIMIT ${perPage} OFFSET ${offset}`;
  const toResult = (raw: RawSearchRow[], total: number, totalCapped: boolean): OrderSearchResult => ({
    rows: raw.map((r) => ({ ...r, createdAt: new Date(r.createdAt) })),
    total,
    totalCapped,
  });

  if (q === "") {
    const where = status ? sql`WHERE o.status = ${status}` : sql``;
    const total = db.get<{ n: number }>(sql`SELECT count(*) AS n FROM orders o ${where}`).n;
    const raw = offset >= total ? [] : db.all<RawSearchRow>(sql`${SELECT_ROWS} ${where} ORDER BY o.created_at DESC, o.id DESC ${pageSql}`);
    return toResult(raw, total, false);
  }

  // The match, in an index-driven form and in a per-row form for walking the date index.
  let indexed: SQL;
  let perRow: SQL;
  const num = parseOrderNumberQuery(q);
  if (num) {
    const hi = `${num.prefix}\uffff`; // numbers are ASCII: everything with the prefix sorts below this
    indexed = sql`(o.number >= ${num.prefix} AND o.number < ${hi} OR o.number = ${num.exact})`;
    perRow = sql`(+o.number >= ${num.prefix} AND +o.number < ${hi} OR +o.number = ${num.exact})`;
  } else {
    const like = `%${escapeLike(q)}%`;
    perRow = sql`(c.name LIKE ${like} ESCAPE '\\' OR c.email LIKE ${like} ESCAPE '\\')`;
    // One LIKE scan of customers. Few matches: later statements use their ids, not the scan again.
    const customerIds = db
      .all<{ id: number }>(
        sql`SELECT id FROM customers WHERE name LIKE ${like} ESCAPE '\\' OR email LIKE ${like} ESCAPE '\\'
            LIMIT ${FEW_CUSTOMERS + 1}`,
      )
      .map((r) => r.id);
    if (customerIds.length === 0) return toResult([], 0, false);
    indexed =
      customerIds.length <= FEW_CUSTOMERS
        ? sql`o.customer_id IN (SELECT value FROM json_each(${JSON.stringify(customerIds)}))`
        : sql`o.customer_id IN (SELECT id FROM customers WHERE name LIKE ${like} ESCAPE '\\' OR email LIKE ${like} ESCAPE '\\')`;
  }

  const candidates = db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM (SELECT 1 FROM orders o WHERE ${indexed} LIMIT ${cap})`,
  ).n;

  if (candidates < cap) {
    const statusTerm = status ? sql`AND +o.status = ${status}` : sql``;
    const total = status
      ? db.get<{ n: number }>(sql`SELECT count(*) AS n FROM orders o WHERE ${indexed} ${statusTerm}`).n
      : candidates;
    const raw =
      offset >= total
        ? []
        : db.all<RawSearchRow>(
            sql`${SELECT_ROWS} WHERE ${indexed} ${statusTerm} ORDER BY o.created_at + 0 DESC, o.id DESC ${pageSql}`,
          );
    return toResult(raw, total, false);
  }

  const statusTerm = status ? sql`AND o.status = ${status}` : sql``;
  const raw = db.all<RawSearchRow>(
    sql`${SELECT_ROWS} WHERE ${perRow} ${statusTerm} ORDER BY o.created_at DESC, o.id DESC ${pageSql}`,
  );
  if (!status) return toResult(raw, cap, true);
  const total = db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM (SELECT 1 FROM orders o JOIN customers c ON c.id = o.customer_id
        WHERE o.status = ${status} AND ${perRow} LIMIT ${cap})`,
  ).n;
  return toResult(raw, total, total >= cap);
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
export function countOrdersToday(db: DemoDb, now: Date = new Date()): number {
  const { start, end } = dayRange(now);
  return db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM orders WHERE created_at >= ${start} AND created_at < ${end}`,
  ).n;
}

/**
 * Sums today's order totals in cents (local day of `now`), leaving out cancelled and refunded
 * orders. One range scan of `orders_created_at_idx`.
 *
 * @param db - the demo database.
 * @param now - a moment of the day to sum (default: now).
 */
export function revenueToday(db: DemoDb, now: Date = new Date()): number {
  const { start, end } = dayRange(now);
  return db.get<{ cents: number }>(
    sql`SELECT coalesce(sum(total_cents), 0) AS cents FROM orders
        WHERE created_at >= ${start} AND created_at < ${end} AND status NOT IN ('cancelled', 'refunded')`,
  ).cents;
}

/**
 * Counts support tickets whose status is `open` (not `pending` or `closed`).
 * One range of `support_tickets_status_created_at_idx`.
 *
 * @param db - the demo database.
 */
export function openTicketCount(db: DemoDb): number {
  return db.get<{ n: number }>(sql`SELECT count(*) AS n FROM support_tickets WHERE status = 'open'`).n;
}

/** An order made by {@link insertRandomOrder}, with its items and its customer's name. */
export type InsertedOrder = Order & { items: OrderItem[]; customerName: string };

let defaultRng: Rng | undefined;

/**
 * Places a random order now, for the order simulator: a random existing customer, 1–4 distinct
 * active products, quantities 1–3, status `pending` or `paid`, the next `ORD-` number. Order
 * and items are written in one IMMEDIATE transaction (safe with other writers on the file), and
 * the products' stock goes down by the quantities (not below zero).
 *
 * @param db - the demo database; needs at least one customer and one active product.
 * @param rng - random source (default: a PRNG seeded from the clock).
 * @param now - the order's timestamp (default: now).
 * @returns the new order row with its items and the customer's name.
 */
export function insertRandomOrder(db: DemoDb, rng?: Rng, now: Date = new Date()): InsertedOrder {
  const random = rng ?? (defaultRng ??= createRng(Date.now()));
  return db.transaction(
    (tx) => {
      const bounds = tx.get<{ maxCustomer: number | null; maxProduct: number | null; maxOrder: number | null }>(
        sql`SELECT (SELECT max(id) FROM customers) AS maxCustomer, (SELECT max(id) FROM products) AS maxProduct,
            (SELECT max(id) FROM orders) AS maxOrder`,
      );
      if (bounds.maxCustomer === null || bounds.maxProduct === null) {
        throw new Error("insertRandomOrder: no customers or products");
      }
      // Probe a random id and take the next existing row, so gaps from deletes do not matter.
      const customer =
        tx.get<{ id: number; name: string } | undefined>(
          sql`SELECT id, name FROM customers WHERE id >= ${randInt(random, 1, bounds.maxCustomer)} ORDER BY id LIMIT 1`,
        ) ?? tx.get<{ id: number; name: string }>(sql`SELECT id, name FROM customers ORDER BY id LIMIT 1`);

      const wanted = pickWeighted(random, [
        [1, 45],
        [2, 30],
        [3, 15],
        [4, 10],
      ] as const);
      const picked = new Map<number, number>();
      for (let attempt = 0; picked.size < wanted && attempt < wanted * 4; attempt++) {
        const product =
          tx.get<{ id: number; priceCents: number } | undefined>(
            sql`SELECT id, price_cents AS priceCents FROM products
                WHERE active = 1 AND id >= ${randInt(random, 1, bounds.maxProduct)} ORDER BY id LIMIT 1`,
          ) ??
          tx.get<{ id: number; priceCents: number } | undefined>(
            sql`SELECT id, price_cents AS priceCents FROM products WHERE active = 1 ORDER BY id LIMIT 1`,
          );
        if (!product) throw new Error("insertRandomOrder: no active products");
        picked.set(product.id, product.priceCents);
      }

      const id = (bounds.maxOrder ?? 0) + 1;
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
      const order = tx
        .insert(orders)
        .values({
          id,
          number: orderNumber(id),
          customerId: customer.id,
          status: random() < 0.5 ? "pending" : "paid",
          totalCents,
          currency: "EUR",
          createdAt: now,
          updatedAt: now,
          note: null,
        })
        .returning()
        .get();
      const insertedItems = tx.insert(orderItems).values(items).returning().all();
      for (const item of items) {
        tx.run(
          sql`UPDATE products SET stock = max(stock - ${item.quantity}, 0) WHERE id = ${item.productId}`,
        );
      }
      return { ...order, items: insertedItems, customerName: customer.name };
    },
    { behavior: "immediate" },
  );
}
