/**
 * What the admin publishes after a write, so live pages (dashboard tiles, change lists,
 * other open forms) update: topic = the model's table name (e.g. `orders`), message =
 * `{ type: "<model name>.created" | ".changed" | ".deleted", id }` (e.g. `order.changed`).
 * The demo's order simulator publishes `order.created` on `orders` too.
 */
import type { ChannelLayer } from "@weft/server/pubsub";
import type { ModelAdmin } from "./model-admin.js";

/** The kinds of write published. */
export type ModelEventKind = "created" | "changed" | "deleted";

/** A message published on {@link modelTopic}. */
export interface ModelEvent {
  type: `${string}.${ModelEventKind}`;
  id: string | number;
}

/** The topic of a model's writes: its table name. */
export function modelTopic(admin: ModelAdmin<any, any>): string {
  return admin.tableName;
}

/**
 * Publishes a write. Never throws: a failed publish is reported to `onError` (the write is
 * committed already; live pages catch up on their next refresh).
 */
export async function publishModelEvent(pubsub: ChannelLayer, admin: ModelAdmin<any, any>, kind: ModelEventKind, id: unknown, onError?: (err: unknown) => void): Promise<void> {
  const msg: ModelEvent = { type: `${admin.name}.${kind}`, id: typeof id === "number" ? id : String(id) };
  try {
    await pubsub.publish(modelTopic(admin), msg);
  } catch (err) {
    onError?.(err);
  }
}
