import type Database from "better-sqlite3";
import type { DemoDb } from "./db/open.js";

/** What every demo view gets in `this.ctx` besides Weft's own (`connected`, `url`, `pubsub`). */
export interface DemoContext {
  db: DemoDb;
  sqlite: Database.Database;
}

/** Pubsub topic for order events; messages are {@link OrderEvent}. */
export const ORDERS_TOPIC = "orders";

/** Published on {@link ORDERS_TOPIC} when an order is inserted. */
export interface OrderEvent {
  type: "order.created";
  id: number;
  totalCents: number;
}
