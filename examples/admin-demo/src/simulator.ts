import type { ChannelLayer } from "@weft/server";
import { ORDERS_TOPIC, type OrderEvent } from "./context.js";
import type { DemoDb } from "./db/open.js";
import { insertRandomOrder } from "./db/queries.js";

/**
 * Inserts a random order every `everyMs` ms and publishes it on the `orders` topic, so
 * live tiles move. Returns the function that stops it.
 */
export function startOrderSimulator(db: DemoDb, pubsub: ChannelLayer, everyMs: number, onError: (err: unknown) => void): () => void {
  const timer = setInterval(() => {
    try {
      const order = insertRandomOrder(db);
      const event: OrderEvent = { type: "order.created", id: order.id, totalCents: order.totalCents };
      pubsub.publish(ORDERS_TOPIC, event).catch(onError);
    } catch (err) {
      onError(err);
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
