/**
 * The tables of the change-list query tests (query.test.ts on a real SQLite file,
 * query-options.test.ts on the options alone): customers, and orders whose customer is
 * optional (`customer_id` has no foreign key, so an order may point at no customer).
 */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** The two tables, with `statuses` as the values of `orders.status`. */
export function shopTables<const S extends readonly [string, ...string[]]>(statuses: S) {
  const customers = sqliteTable("customers", {
    id: integer("id").primaryKey(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    isVip: integer("is_vip", { mode: "boolean" }).notNull(),
  });
  const orders = sqliteTable("orders", {
    id: integer("id").primaryKey(),
    number: text("number").notNull(),
    customerId: integer("customer_id"),
    status: text("status", { enum: statuses }).notNull(),
    totalCents: integer("total_cents").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    isGift: integer("is_gift", { mode: "boolean" }).notNull(),
    note: text("note"),
  });
  return { customers, orders };
}
