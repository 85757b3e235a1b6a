import type { AnyDemoDb } from "./db/engine.js";

/** What every demo view gets in `this.ctx` besides Weft's own (`connected`, `url`, `pubsub`). */
export interface DemoContext {
  /** the shop's database: SQLite (better-sqlite3) or PostgreSQL (node-postgres), see db/engine.ts */
  db: AnyDemoDb;
}

/** Pubsub topic for order events; messages are {@link OrderEvent}. */
export const ORDERS_TOPIC = "orders";

/** Published on {@link ORDERS_TOPIC} when an order is inserted. */
export interface OrderEvent {
  type: "order.created";
  id: number;
  totalCents: number;
}
