/**
 * The row writers of the demo seed, one per table, in the order `writeAllRows` calls them:
 * each draws from the one seeded PRNG (so the call order is part of the data), hands its rows
 * to a {@link RowSink} (a better-sqlite3 prepared statement, or a PostgreSQL COPY buffer) and
 * reports progress.
 */
import type { SeedProgress, SeedTable } from "../seed.js";
import { pick, pickWeighted, randInt, type Rng } from "../rng.js";
import { orderNumber, type OrderStatus, type TicketPriority, type TicketStatus } from "../schema.js";
import { DAY, growingTimeline, historicalStatus, productPrice, slug, updatedAfter } from "./values.js";
import { CATEGORIES, EMAIL_DOMAINS, GENERAL_SUBJECTS, NOTES, ORDER_SUBJECTS } from "./words.js";

const PROGRESS_EVERY = 5_000;

/**
 * Where a writer puts a row: its values in the order of the table's insert (see seed.ts), with
 * timestamps as epoch milliseconds and booleans as 1 / 0. A better-sqlite3 `Statement` is one.
 */
export interface RowSink {
  run(...values: unknown[]): unknown;
}

/** What the writers share: the PRNG, the sizes, the time layout, the counts and the progress callback. */
export interface SeedContext {
  readonly rng: Rng;
  readonly report: (progress: SeedProgress) => void;
  /** Rows written per table, filled in by the writers. */
  readonly counts: Record<SeedTable, number>;
  readonly nCustomers: number;
  readonly nProducts: number;
  readonly nOrders: number;
  readonly nTickets: number;
  /** The newest `nToday` orders are placed today; the `nHistory` before them over the history. */
  readonly nToday: number;
  readonly nHistory: number;
  /** The reference moment of "today" (ms). */
  readonly nowMs: number;
  /** The order history: [historyStart, historyEnd), ms. */
  readonly historyStart: number;
  readonly historyEnd: number;
  /** Customers sign up over [customersStart, customersStart + customerSpan). */
  readonly customersStart: number;
  readonly customerSpan: number;
  /** The start of "today", never before `historyEnd`. */
  readonly todayStart: number;
}

/**
 * Writes the customers: ids in sign-up order, spread over the year before the history and the history.
 *
 * @returns each customer's sign-up time, by id - 1
 */
export function writeCustomers(
  ctx: SeedContext,
  insertCustomer: RowSink,
  firstNames: readonly string[],
  lastNames: readonly string[],
  cityCountry: readonly (readonly [string, string])[],
): Float64Array {
  const { rng, report, counts, nCustomers, customersStart, customerSpan } = ctx;
  const customerCreated = new Float64Array(nCustomers);
  const emails = new Set<string>();
  for (let i = 0; i < nCustomers; i++) {
    const id = i + 1;
    const first = pick(rng, firstNames);
    const last = pick(rng, lastNames);
    const domain = pick(rng, EMAIL_DOMAINS);
    let email = `${slug(first)}.${slug(last)}@${domain}`;
    if (emails.has(email)) email = `${slug(first)}.${slug(last)}${id}@${domain}`;
    emails.add(email);
    const [city, country] = pick(rng, cityCountry);
    const createdAt = Math.floor(customersStart + ((i + rng()) / nCustomers) * customerSpan);
    customerCreated[i] = createdAt;
    insertCustomer.run(id, `${first} ${last}`, email, city, country, createdAt, rng() < 0.03 ? 1 : 0);
    if (id % PROGRESS_EVERY === 0 && id < nCustomers) report({ table: "customers", done: id, total: nCustomers });
  }
  counts.customers = nCustomers;
  report({ table: "customers", done: nCustomers, total: nCustomers });
  return customerCreated;
}

/**
 * Writes the products, named from `productNames` (numbered once the pool runs out).
 *
 * @returns each product's price in cents, by id - 1
 */
export function writeProducts(ctx: SeedContext, insertProduct: RowSink, productNames: readonly string[]): Int32Array {
  const { rng, report, counts, nProducts } = ctx;
  const prices = new Int32Array(nProducts);
  for (let i = 0; i < nProducts; i++) {
    const id = i + 1;
    const category = pick(rng, CATEGORIES);
    const price = productPrice(rng);
    prices[i] = price;
    const threshold = randInt(rng, 1, 4) * 5;
    const stock = rng() < 0.08 ? randInt(rng, 0, threshold) : randInt(rng, threshold + 1, 400);
    const name = productNames[i % productNames.length]!;
    insertProduct.run(
      id,
      `SKU-${String(id).padStart(6, "0")}`,
      i < productNames.length ? name : `${name} ${Math.floor(i / productNames.length) + 1}`,
      category,
      price,
      stock,
      threshold,
      rng() < 0.95 ? 1 : 0,
    );
  }
  counts.products = nProducts;
  report({ table: "products", done: nProducts, total: nProducts });
  return prices;
}

/**
 * Writes the orders and their items: ids in time order; the last `nToday` are placed today.
 *
 * @returns each order's customer id and creation time, by id - 1
 */
export function writeOrders(
  ctx: SeedContext,
  insertOrder: RowSink,
  insertItem: RowSink,
  prices: Int32Array,
): { orderCustomer: Int32Array; orderCreated: Float64Array } {
  const { rng, report, counts, nCustomers, nProducts, nOrders, nToday, nHistory, nowMs, historyStart, historyEnd, customersStart, customerSpan, todayStart } = ctx;
  const history = growingTimeline(rng, nHistory, historyStart, historyEnd, 1);
  const todayLimit = Math.max(todayStart + 1, nowMs);
  const orderCustomer = new Int32Array(nOrders);
  const orderCreated = new Float64Array(nOrders);
  const chosen: number[] = [];
  for (let i = 0; i < nOrders; i++) {
    const id = i + 1;
    const isToday = i >= nHistory;
    const createdAt = isToday
      ? Math.floor(todayStart + ((i - nHistory + rng()) / nToday) * (todayLimit - todayStart))
      : history[i]!;
    // Only customers who had signed up by then (ids are in sign-up order).
    const eligible = isToday
      ? nCustomers
      : Math.min(nCustomers, Math.max(1, Math.floor(((createdAt - customersStart) / customerSpan) * nCustomers)));
    const customerId = 1 + Math.floor(rng() * eligible);
    const status: OrderStatus = isToday
      ? rng() < 0.5
        ? "pending"
        : "paid"
      : historicalStatus(rng, (historyEnd - createdAt) / DAY);
    const updatedAt = isToday ? createdAt : updatedAfter(rng, status, createdAt, historyEnd);

    const nItems = pickWeighted(rng, [
      [1, 45],
      [2, 30],
      [3, 15],
      [4, 10],
    ] as const);
    chosen.length = 0;
    let total = 0;
    for (let k = 0; k < nItems; k++) {
      // Popular products first: squaring skews picks toward low ids.
      let productIndex = Math.floor(rng() * rng() * nProducts);
      for (let retry = 0; chosen.includes(productIndex) && retry < 8; retry++) {
        productIndex = Math.floor(rng() * nProducts);
      }
      if (chosen.includes(productIndex)) continue;
      chosen.push(productIndex);
    }
    const itemQty: number[] = [];
    for (const productIndex of chosen) {
      const qty = pickWeighted(rng, [
        [1, 70],
        [2, 20],
        [3, 7],
        [4, 2],
        [5, 1],
      ] as const);
      itemQty.push(qty);
      total += qty * prices[productIndex]!;
    }
    const note = rng() < 0.08 ? pick(rng, NOTES) : null;
    insertOrder.run(id, orderNumber(id), customerId, status, total, createdAt, updatedAt, note);
    for (let k = 0; k < chosen.length; k++) {
      const productIndex = chosen[k]!;
      insertItem.run(id, productIndex + 1, itemQty[k]!, prices[productIndex]!);
    }
    counts.order_items += chosen.length;
    orderCustomer[i] = customerId;
    orderCreated[i] = createdAt;
    if (id % PROGRESS_EVERY === 0 && id < nOrders) report({ table: "orders", done: id, total: nOrders });
  }
  counts.orders = nOrders;
  report({ table: "orders", done: nOrders, total: nOrders });
  return { orderCustomer, orderCreated };
}

/** Writes the support tickets: 70% about an order (after it), the rest general. */
export function writeTickets(
  ctx: SeedContext,
  insertTicket: RowSink,
  customerCreated: Float64Array,
  orders: { orderCustomer: Int32Array; orderCreated: Float64Array },
): void {
  const { rng, report, counts, nCustomers, nTickets, nHistory, historyStart, historyEnd } = ctx;
  const { orderCustomer, orderCreated } = orders;
  for (let i = 0; i < nTickets; i++) {
    const id = i + 1;
    let customerId: number;
    let orderId: number | null = null;
    let subject: string;
    let createdAt: number;
    if (nHistory > 0 && rng() < 0.7) {
      const orderIndex = Math.floor(rng() * nHistory);
      orderId = orderIndex + 1;
      customerId = orderCustomer[orderIndex]!;
      createdAt = Math.min(historyEnd - 1, orderCreated[orderIndex]! + Math.floor(rng() * 10 * DAY));
      subject = pick(rng, ORDER_SUBJECTS).replace("{n}", orderNumber(orderId));
    } else {
      const customerIndex = Math.floor(rng() * nCustomers);
      customerId = customerIndex + 1;
      const from = Math.max(customerCreated[customerIndex]!, historyStart);
      createdAt = Math.floor(from + rng() * Math.max(0, historyEnd - from));
      subject = pick(rng, GENERAL_SUBJECTS);
    }
    const ageDays = (historyEnd - createdAt) / DAY;
    const status: TicketStatus =
      ageDays < 30
        ? pickWeighted(rng, [
            ["open", 4],
            ["pending", 3],
            ["closed", 3],
          ] as const)
        : pickWeighted(rng, [
            ["open", 3],
            ["pending", 2],
            ["closed", 95],
          ] as const);
    const priority: TicketPriority = pickWeighted(rng, [
      ["low", 30],
      ["normal", 55],
      ["high", 15],
    ] as const);
    insertTicket.run(id, customerId, orderId, subject, status, priority, createdAt);
    if (id % PROGRESS_EVERY === 0 && id < nTickets) report({ table: "support_tickets", done: id, total: nTickets });
  }
  counts.support_tickets = nTickets;
  report({ table: "support_tickets", done: nTickets, total: nTickets });
}
