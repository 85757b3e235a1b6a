import type { AnyDemoDb } from "./db/engine.js";

/** What every demo view gets in `this.ctx` besides Weft's own (`connected`, `url`, `pubsub`). */
export interface DemoContext {
  /** the shop's database: SQLite (better-sqlite3) or PostgreSQL (node-postgres), see db/engine.ts */
  db: AnyDemoDb;
  /**
   * The shop's reads off the event loop, for statements whose cost grows with the data (a search
   * of every order, a report): the admin site's `reads` — on SQLite its read pool (reader
   * processes on the same WAL file, each statement under the site's 2 s budget, past which it
   * rejects with `QueryTimeoutError`), on PostgreSQL the same pool as `db` (with its
   * `statement_timeout`). Writes go to `db`.
   */
  reads: AnyDemoDb;
}

/** Pubsub topic for order events; messages are {@link OrderEvent}. */
export const ORDERS_TOPIC = "orders";

/** Published on {@link ORDERS_TOPIC} when an order is inserted. */
export interface OrderEvent {
  type: "order.created";
  id: number;
  totalCents: number;
}
