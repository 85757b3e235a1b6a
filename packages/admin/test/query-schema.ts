/**
 * The tables of the change-list query tests (query-*.test.ts on a real SQLite file and a real
 * PostgreSQL database, query-options.test.ts on the options alone): customers, and orders whose
 * customer is optional (`customer_id` has no foreign key, so an order may point at no customer).
 */
import { boolean, integer as pgInteger, pgTable, text as pgText, timestamp } from "drizzle-orm/pg-core";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Engine } from "./support/engines.js";

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

/** {@link shopTables}' PostgreSQL twins, typed as the SQLite ones (same keys and row shapes). */
function shopTablesPg<const S extends readonly [string, ...string[]]>(statuses: S): ReturnType<typeof shopTables<S>> {
  const customers = pgTable("customers", {
    id: pgInteger("id").primaryKey(),
    name: pgText("name").notNull(),
    email: pgText("email").notNull(),
    isVip: boolean("is_vip").notNull(),
  });
  const orders = pgTable("orders", {
    id: pgInteger("id").primaryKey(),
    number: pgText("number").notNull(),
    customerId: pgInteger("customer_id"),
    status: pgText("status", { enum: statuses }).notNull(),
    totalCents: pgInteger("total_cents").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
    isGift: boolean("is_gift").notNull(),
    note: pgText("note"),
  });
  return { customers, orders } as unknown as ReturnType<typeof shopTables<S>>;
}

/** {@link shopTables} for `engine`. */
export function shopTablesOn<const S extends readonly [string, ...string[]]>(engine: Engine, statuses: S) {
  return engine === "sqlite" ? shopTables(statuses) : shopTablesPg(statuses);
}

/** The DDL of {@link shopTables} with the indexes of a real change list, per engine. */
export const SHOP_DDL = {
  sqlite: `
  create table customers (id integer primary key, name text not null, email text not null, is_vip integer not null);
  create index customers_name_idx on customers(name);
  create table orders (id integer primary key, number text not null, customer_id integer, status text not null,
    total_cents integer not null, created_at integer not null, is_gift integer not null, note text);
  create unique index orders_number_unique on orders(number);
  create index orders_created_at_idx on orders(created_at);
  create index orders_status_created_at_idx on orders(status, created_at);
  create index orders_customer_id_idx on orders(customer_id);`,
  postgres: `
  create table customers (id integer primary key, name text not null, email text not null, is_vip boolean not null);
  create index customers_name_idx on customers(name);
  create table orders (id integer primary key, number text not null, customer_id integer, status text not null,
    total_cents integer not null, created_at timestamptz not null, is_gift boolean not null, note text);
  create unique index orders_number_unique on orders(number);
  create index orders_created_at_idx on orders(created_at);
  create index orders_status_created_at_idx on orders(status, created_at);
  create index orders_customer_id_idx on orders(customer_id);`,
};
