/** A message handler for {@link ChannelLayer.subscribe}. */
export type MessageHandler = (message: unknown, topic: string) => void;

/**
 * The channel layer: pub/sub between views (and processes), plus a small key/value
 * store with TTLs for job records. As Django Channels' channel layer.
 *
 * Messages must be JSON-serialisable: the Redis layer sends them between processes.
 */
export interface ChannelLayer {
  /**
   * Publishes `message` to every subscriber of `topic`, in every process sharing the layer.
   * Resolves once handed to the transport; rejects when the transport is unavailable.
   */
  publish(topic: string, message: unknown): Promise<void>;
  /** Subscribes `handler` to `topic`. Returns the function that unsubscribes it. */
  subscribe(topic: string, handler: MessageHandler): () => void;
  /** Reads a value stored with {@link ChannelLayer.set}; `undefined` when missing or expired. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a JSON-serialisable value; `ttlMs` (ms) makes it expire, omitted keeps it. */
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  /** Deletes a key; resolves whether or not it existed. */
  delete(key: string): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * Local fan-out shared by the layers: one entry per topic, any number of handlers.
 * A throwing handler is reported to `onError` and never stops the others.
 */
export class LocalFanout {
  private topics = new Map<string, Set<MessageHandler>>();

  constructor(private onError: (err: unknown) => void = () => {}) {}

  /** Adds a handler; returns `[unsubscribe, isFirstForTopic]`. */
  add(topic: string, handler: MessageHandler, onEmpty?: (topic: string) => void): [() => void, boolean] {
    let set = this.topics.get(topic);
    const first = !set;
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(handler);
    return [
      () => {
        const s = this.topics.get(topic);
        if (!s || !s.delete(handler) || s.size) return;
        this.topics.delete(topic);
        onEmpty?.(topic);
      },
      first,
    ];
  }

  /** Delivers a message to every local handler of `topic`. */
  deliver(topic: string, message: unknown): void {
    const set = this.topics.get(topic);
    if (!set) return;
    for (const h of [...set]) {
      try {
        h(message, topic);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  /** Topics with at least one handler. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }
}
