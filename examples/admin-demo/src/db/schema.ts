/**
 * The demo shop's schema: customers, products, orders, order items and support tickets.
 *
 * Timestamps are integer milliseconds since the epoch (`mode: "timestamp_ms"`, read back as
 * `Date`), booleans are integers (`mode: "boolean"`), money is integer cents. The indexes are
 * the ones the example LiveViews and the admin change lists search, sort and filter on; the
 * migrations under `drizzle/` are generated from this file with `pnpm exec drizzle-kit generate`.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Every status an order can be in, in lifecycle order. */
export const ORDER_STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled", "refunded"] as const;
/** An order's status. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Every status a support ticket can be in. */
export const TICKET_STATUSES = ["open", "pending", "closed"] as const;
/** A support ticket's status. */
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** Every priority a support ticket can have. */
export const TICKET_PRIORITIES = ["low", "normal", "high"] as const;
/** A support ticket's priority. */
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

/** Formats an order id as its human-facing number, e.g. `123` → `ORD-000123`. */
export function orderNumber(id: number): string {
  return `ORD-${String(id).padStart(6, "0")}`;
}

const nowMs = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

/** `CHECK (column IN (...))` for a text enum, so writes outside the app are refused too. */
function inList(values: readonly string[]) {
  return sql.raw(values.map((v) => `'${v}'`).join(", "));
}

export const customers = sqliteTable(
  "customers",
  {
    id: integer("id").primaryKey(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    city: text("city").notNull(),
    country: text("country").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(nowMs),
    isVip: integer("is_vip", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    uniqueIndex("customers_email_unique").on(t.email),
    index("customers_name_idx").on(t.name),
    index("customers_created_at_idx").on(t.createdAt),
  ],
);

export const products = sqliteTable(
  "products",
  {
    id: integer("id").primaryKey(),
    sku: text("sku").notNull(),
    name: text("name").notNull(),
    category: text("category").notNull(),
    priceCents: integer("price_cents").notNull(),
    stock: integer("stock").notNull().default(0),
    lowStockThreshold: integer("low_stock_threshold").notNull().default(10),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
  },
  (t) => [
    uniqueIndex("products_sku_unique").on(t.sku),
    index("products_name_idx").on(t.name),
    index("products_category_idx").on(t.category),
  ],
);

export const orders = sqliteTable(
  "orders",
  {
    id: integer("id").primaryKey(),
    /** Human-facing order number, `ORD-` and six or more digits, e.g. `ORD-000123`. */
    number: text("number").notNull(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id),
    status: text("status", { enum: ORDER_STATUSES }).notNull().default("pending"),
    totalCents: integer("total_cents").notNull().default(0),
    currency: text("currency").notNull().default("EUR"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(nowMs),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(nowMs),
    note: text("note"),
  },
  (t) => [
    uniqueIndex("orders_number_unique").on(t.number),
    // case-insensitive prefix search (the admin's `^number`: LIKE 'ord-0001%') uses this one
    index("orders_number_nocase_idx").on(sql`${t.number} collate nocase`),
    index("orders_created_at_idx").on(t.createdAt),
    index("orders_status_created_at_idx").on(t.status, t.createdAt),
    // a customer's orders in date order: a related search's matches (customer keys) sorted by
    // date from the index alone, without reading their rows (the deep pages of ?q=ann)
    index("orders_customer_id_idx").on(t.customerId, t.createdAt),
    check("orders_status_check", sql`${t.status} in (${inList(ORDER_STATUSES)})`),
    check("orders_total_check", sql`${t.totalCents} >= 0`),
  ],
);

export const orderItems = sqliteTable(
  "order_items",
  {
    id: integer("id").primaryKey(),
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

export const supportTickets = sqliteTable(
  "support_tickets",
  {
    id: integer("id").primaryKey(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id),
    orderId: integer("order_id").references(() => orders.id, { onDelete: "set null" }),
    subject: text("subject").notNull(),
    status: text("status", { enum: TICKET_STATUSES }).notNull().default("open"),
    priority: text("priority", { enum: TICKET_PRIORITIES }).notNull().default("normal"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(nowMs),
  },
  (t) => [
    index("support_tickets_status_created_at_idx").on(t.status, t.createdAt),
    index("support_tickets_customer_id_idx").on(t.customerId),
    index("support_tickets_order_id_idx").on(t.orderId),
    check("support_tickets_status_check", sql`${t.status} in (${inList(TICKET_STATUSES)})`),
    check("support_tickets_priority_check", sql`${t.priority} in (${inList(TICKET_PRIORITIES)})`),
  ],
);

/** A customer row as read. */
export type Customer = typeof customers.$inferSelect;
/** A customer row as inserted. */
export type NewCustomer = typeof customers.$inferInsert;
/** A product row as read. */
export type Product = typeof products.$inferSelect;
/** A product row as inserted. */
export type NewProduct = typeof products.$inferInsert;
/** An order row as read. */
export type Order = typeof orders.$inferSelect;
/** An order row as inserted. */
export type NewOrder = typeof orders.$inferInsert;
/** An order item row as read. */
export type OrderItem = typeof orderItems.$inferSelect;
/** An order item row as inserted. */
export type NewOrderItem = typeof orderItems.$inferInsert;
/** A support ticket row as read. */
export type SupportTicket = typeof supportTickets.$inferSelect;
/** A support ticket row as inserted. */
export type NewSupportTicket = typeof supportTickets.$inferInsert;
