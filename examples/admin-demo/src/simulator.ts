import type { ChannelLayer } from "@weft/server";
import { ORDERS_TOPIC, type OrderEvent } from "./context.js";
import type { AnyDemoDb } from "./db/engine.js";
import { insertRandomOrder } from "./db/queries.js";

/**
 * Inserts a random order every `everyMs` ms and publishes it on the `orders` topic, so
 * live tiles move. Returns the function that stops it.
 */
export function startOrderSimulator(db: AnyDemoDb, pubsub: ChannelLayer, everyMs: number, onError: (err: unknown) => void): () => void {
  let busy = false;
  const timer = setInterval(() => {
    // a slow database must not pile up inserts: skip a tick while the last one runs
    if (busy) return;
    busy = true;
    insertRandomOrder(db)
      .then((order) => {
        const event: OrderEvent = { type: "order.created", id: order.id, totalCents: order.totalCents };
        pubsub.publish(ORDERS_TOPIC, event).catch(onError);
      }, onError)
      .finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
