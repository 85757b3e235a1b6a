/**
 * The demo shop's schema on PostgreSQL: the `pgTable` twins of schema.ts (same table, column,
 * index and check names), used when `DATABASE_URL` is a `postgres://` URL.
 *
 * Types are PostgreSQL's own: timestamps are `timestamptz` (read back as `Date`, as the SQLite
 * `timestamp_ms` integers are), booleans are `boolean`, money is integer cents, ids are
 * `integer` identity columns (the seed writes them explicitly and then moves the sequences on).
 * The case-insensitive order-number index is on `lower(number)`. The migrations under
 * `drizzle-pg/` are generated from this file with `pnpm exec drizzle-kit generate --config
 * drizzle-pg.config.ts`.
 */
import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { ORDER_STATUSES, TICKET_PRIORITIES, TICKET_STATUSES } from "./schema.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date", precision: 3 });

/** `CHECK (column IN (...))` for a text enum, as schema.ts. */
function inList(values: readonly string[]) {
  return sql.raw(values.map((v) => `'${v}'`).join(", "));
}

export const customers = pgTable(
  "customers",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    city: text("city").notNull(),
    country: text("country").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
    isVip: boolean("is_vip").notNull().default(false),
  },
  (t) => [
    uniqueIndex("customers_email_unique").on(t.email),
    index("customers_name_idx").on(t.name),
    index("customers_created_at_idx").on(t.createdAt),
  ],
);

export const products = pgTable(
  "products",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    sku: text("sku").notNull(),
    name: text("name").notNull(),
    category: text("category").notNull(),
    priceCents: integer("price_cents").notNull(),
    stock: integer("stock").notNull().default(0),
    lowStockThreshold: integer("low_stock_threshold").notNull().default(10),
    active: boolean("active").notNull().default(true),
  },
  (t) => [
    uniqueIndex("products_sku_unique").on(t.sku),
    index("products_name_idx").on(t.name),
    index("products_category_idx").on(t.category),
  ],
);

export const orders = pgTable(
  "orders",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    /** Human-facing order number, `ORD-` and six or more digits, e.g. `ORD-000123`. */
    number: text("number").notNull(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id),
    status: text("status", { enum: ORDER_STATUSES }).notNull().default("pending"),
    totalCents: integer("total_cents").notNull().default(0),
    currency: text("currency").notNull().default("EUR"),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
    note: text("note"),
  },
  (t) => [
    uniqueIndex("orders_number_unique").on(t.number),
    // case-insensitive prefix search: lower(number) LIKE 'ord-0001%' (text_pattern_ops: LIKE prefixes in any collation)
    index("orders_number_nocase_idx").using("btree", sql`lower(${t.number}) text_pattern_ops`),
    // the list's order (created_at desc, id desc) with each order's customer: a related search walks
    // it testing the matched customer keys from the index alone, without reading a row (?q=ann&p=100
    // at 4,000,000 orders: 127,000 entries for page 100, ~12 ms, where reading each row took ~300)
    index("orders_created_at_idx").on(t.createdAt, t.id, t.customerId),
    index("orders_status_created_at_idx").on(t.status, t.createdAt),
    // a customer's orders in date order, with their keys: a related search's matches (customer
    // keys) sorted by date from the index alone, without reading their rows (?q=ann&p=100 at
    // 400,000 orders: its 15,968 matches' rows statement ~21 → ~13 ms; the id makes it index-only)
    index("orders_customer_id_idx").on(t.customerId, t.createdAt, t.id),
    check("orders_status_check", sql`${t.status} in (${inList(ORDER_STATUSES)})`),
    check("orders_total_check", sql`${t.totalCents} >= 0`),
  ],
);

export const orderItems = pgTable(
  "order_items",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    orderId: integer("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    productId: integer("product_id")
      .notNull()
      .references(() => products.id),
    quantity: integer("quantity").notNull(),
    unitPriceCents: integer("unit_price_cents").notNull(),
  },
  (t) => [
    index("order_items_order_id_idx").on(t.orderId),
    index("order_items_product_id_idx").on(t.productId),
    check("order_items_quantity_check", sql`${t.quantity} > 0`),
  ],
);

export const supportTickets = pgTable(
  "support_tickets",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id),
    orderId: integer("order_id").references(() => orders.id, { onDelete: "set null" }),
    subject: text("subject").notNull(),
    status: text("status", { enum: TICKET_STATUSES }).notNull().default("open"),
    priority: text("priority", { enum: TICKET_PRIORITIES }).notNull().default("normal"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    index("support_tickets_status_created_at_idx").on(t.status, t.createdAt),
    index("support_tickets_customer_id_idx").on(t.customerId),
    index("support_tickets_order_id_idx").on(t.orderId),
    check("support_tickets_status_check", sql`${t.status} in (${inList(TICKET_STATUSES)})`),
    check("support_tickets_priority_check", sql`${t.priority} in (${inList(TICKET_PRIORITIES)})`),
  ],
);

/**
 * The demo's own settings on PostgreSQL (only the token secret, `key = 'secret'`): what SQLite
 * keeps in a file beside the database, kept where every machine sharing the database finds it.
 */
export const demoSettings = pgTable("demo_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});
