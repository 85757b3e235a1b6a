import { Redis, type RedisOptions } from "ioredis";
import { type ChannelLayer, ChannelLayerUnavailableError, checkClaim, LocalFanout, type MessageHandler } from "./channel-layer.js";

/** Options of {@link RedisChannelLayer}. */
export interface RedisChannelLayerOptions {
  /**
   * Called with subscriber exceptions, undecodable messages and connection errors (the first
   * one of each outage only, not one per reconnection attempt). Default: ignore.
   */
  onError?: (err: unknown) => void;
  /** Prefix of every key and channel name, so several sites can share a Redis (default `"weft:"`). */
  keyPrefix?: string;
  /**
   * Longest wait (ms) for one command's reply, and for the first connection when a command is
   * issued before the layer ever connected (default 5,000). Past it the command rejects. (While
   * Redis is known to be down, commands reject at once, without waiting.)
   */
  commandTimeoutMs?: number;
  /** Longest pause (ms) between reconnection attempts (default 1,000). */
  maxReconnectDelayMs?: number;
}

/**
 * Where a {@link RedisChannelLayer} is: `connecting` before its first connection, `ready` when
 * both its connections are up, `reconnecting` after losing one, `closed` after {@link RedisChannelLayer.close}.
 */
export type RedisLayerStatus = "connecting" | "ready" | "reconnecting" | "closed";

const CAS_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if cur then return 0 end
elseif cur ~= ARGV[2] then
  return 0
end
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return 1
`;

// A slot set is a sorted set scored by the end of each member's lease, on Redis's own clock
// (TIME), so workers' clocks never matter; the key itself lives as long as its longest lease.
const CLAIM_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`;

type CasRedis = Redis & {
  weftCas(key: string, hasExpected: string, expected: string, value: string, ttlMs: string): Promise<number>;
  weftClaim(key: string, member: string, limit: string, ttlMs: string): Promise<number>;
};

/**
 * The channel layer for several processes and machines, on Redis (ioredis).
 *
 * Each process holds exactly two connections, whatever the number of views and topics: one
 * for commands and `PUBLISH`, one in subscriber mode. Local handlers are fanned out in process;
 * a topic is `SUBSCRIBE`d when its first local handler arrives and `UNSUBSCRIBE`d when its last
 * one leaves. Messages travel as JSON.
 *
 * The layer reconnects on its own and re-subscribes its topics afterwards. While Redis is
 * unreachable nothing throws synchronously and no `error` event escapes: `publish` and the
 * key/value calls reject at once with {@link ChannelLayerUnavailableError} (commands are never
 * queued for later), subscribers receive nothing, and {@link RedisChannelLayer.healthy} is
 * `false` (see {@link RedisChannelLayer.onHealthChange}).
 */
export class RedisChannelLayer implements ChannelLayer {
  private readonly pub: CasRedis;
  private readonly sub: Redis;
  private readonly fanout: LocalFanout;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly onError: (err: unknown) => void;
  private readonly listeners = new Set<(healthy: boolean) => void>();
  private readonly pending = new Set<Promise<unknown>>();
  private everReady = false;
  private closed = false;
  private lastHealthy = false;
  private errorReported = false;

  /**
   * The layer's command connection (not the subscriber one), for other per-process uses of the
   * same Redis: the admin counts login attempts across workers with it. Its commands fail at
   * once while Redis is unreachable (no offline queue). Closed by {@link close}; never close it
   * yourself.
   */
  get commandClient(): Redis {
    return this.pub;
  }

  /**
   * Connects (in the background) to Redis.
   * @param connection - a `redis://` / `rediss://` URL, or ioredis options (host, port, password, tls…)
   * @param options - see {@link RedisChannelLayerOptions}
   */
  constructor(connection: string | RedisOptions, options: RedisChannelLayerOptions = {}) {
    this.onError = options.onError ?? (() => {});
    this.fanout = new LocalFanout(this.onError);
    this.prefix = options.keyPrefix ?? "weft:";
    this.timeoutMs = options.commandTimeoutMs ?? 5_000;
    const maxDelay = options.maxReconnectDelayMs ?? 1_000;
    const ours: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false,
      commandTimeout: this.timeoutMs,
      connectTimeout: this.timeoutMs,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
    };
    const make = (name: string) =>
      typeof connection === "string"
        ? new Redis(connection, { ...ours, connectionName: name })
        : new Redis({ ...connection, ...ours, connectionName: name });
    this.pub = make("weft-pub") as CasRedis;
    this.sub = make("weft-sub");
    this.pub.defineCommand("weftCas", { numberOfKeys: 1, lua: CAS_SCRIPT });
    this.pub.defineCommand("weftClaim", { numberOfKeys: 1, lua: CLAIM_SCRIPT });
    for (const conn of [this.pub, this.sub]) {
      conn.on("error", (err: unknown) => this.connectionError(err));
      for (const ev of ["ready", "close", "end", "reconnecting"]) conn.on(ev, () => this.statusChanged());
    }
    this.pub.on("ready", () => void (this.everReady = true));
    this.sub.on("ready", () => this.resubscribe());
    this.sub.on("message", (channel: string, text: string) => this.received(channel, text));
  }

  /** Where the layer is; see {@link RedisLayerStatus}. */
  get status(): RedisLayerStatus {
    if (this.closed) return "closed";
    if (this.healthy) return "ready";
    return this.everReady ? "reconnecting" : "connecting";
  }

  /** `true` while both connections are up. */
  get healthy(): boolean {
    return !this.closed && this.pub.status === "ready" && this.sub.status === "ready";
  }

  /** Calls `listener(healthy)` on every change of {@link RedisChannelLayer.healthy}; returns the remover. */
  onHealthChange(listener: (healthy: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Publishes `message` (JSON) on `topic` to every process.
   * @throws (rejects) {@link ChannelLayerUnavailableError} when Redis is unreachable or slow; TypeError when not JSON-serialisable
   */
  async publish(topic: string, message: unknown): Promise<void> {
    const text = JSON.stringify(message);
    await this.exec(`publish to "${topic}"`, (r) => r.publish(this.prefix + topic, text));
  }

  /** Adds a local handler; the Redis subscription is shared by every handler of `topic` in this process. */
  subscribe(topic: string, handler: MessageHandler): () => void {
    const [unsubscribe, first] = this.fanout.add(topic, handler, (t) => {
      if (this.sub.status === "ready") this.track(this.sub.unsubscribe(this.prefix + t));
    });
    if (first && this.sub.status === "ready") this.track(this.sub.subscribe(this.prefix + topic));
    return unsubscribe;
  }

  /**
   * Resolves once the `SUBSCRIBE`/`UNSUBSCRIBE` commands sent so far have been answered (or
   * failed), waiting first (at most `commandTimeoutMs`) for the subscriber connection to be up.
   * Useful before publishing from elsewhere in tests; views never need it.
   */
  async whenSubscribed(): Promise<void> {
    if (this.closed) return;
    if (this.sub.status !== "ready") await this.waitReady(this.sub, "subscribe").catch(() => {});
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Reads a JSON value (`undefined` when missing or expired). @throws (rejects) {@link ChannelLayerUnavailableError} */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    const text = await this.exec(`get "${key}"`, (r) => r.get(this.prefix + key));
    return text === null ? undefined : (JSON.parse(text) as T);
  }

  /** Reads several keys in one `MGET`. @throws (rejects) {@link ChannelLayerUnavailableError} */
  async mget<T = unknown>(keys: string[]): Promise<Array<T | undefined>> {
    if (!keys.length) return [];
    const texts = await this.exec(`mget ${keys.length} keys`, (r) => r.mget(keys.map((k) => this.prefix + k)));
    return texts.map((t) => (t === null ? undefined : (JSON.parse(t) as T)));
  }

  /** Stores a JSON value, expiring after `ttlMs` (ms, `PX`) when given. @throws (rejects) {@link ChannelLayerUnavailableError} */
  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    const text = JSON.stringify(value);
    await this.exec(`set "${key}"`, (r) =>
      ttlMs ? r.set(this.prefix + key, text, "PX", Math.max(1, Math.ceil(ttlMs))) : r.set(this.prefix + key, text),
    );
  }

  /** Deletes a key. @throws (rejects) {@link ChannelLayerUnavailableError} */
  async delete(key: string): Promise<void> {
    await this.exec(`delete "${key}"`, (r) => r.del(this.prefix + key));
  }

  /** Atomic compare-and-set (one Lua script). @throws (rejects) {@link ChannelLayerUnavailableError} */
  async compareAndSet(key: string, expected: unknown, value: unknown, ttlMs?: number): Promise<boolean> {
    const text = JSON.stringify(value);
    const exp = expected === undefined ? "" : JSON.stringify(expected);
    const ttl = ttlMs ? String(Math.max(1, Math.ceil(ttlMs))) : "0";
    const done = await this.exec(`compare-and-set "${key}"`, (r) =>
      (r as CasRedis).weftCas(this.prefix + key, expected === undefined ? "0" : "1", exp, text, ttl),
    );
    return done === 1;
  }

  /** `ZADD`. @throws (rejects) {@link ChannelLayerUnavailableError} */
  async zadd(key: string, score: number, member: string): Promise<void> {
    await this.exec(`zadd "${key}"`, (r) => r.zadd(this.prefix + key, score, member));
  }

  /** `ZREM`. @throws (rejects) {@link ChannelLayerUnavailableError} */
  async zrem(key: string, members: string[]): Promise<void> {
    if (!members.length) return;
    await this.exec(`zrem "${key}"`, (r) => r.zrem(this.prefix + key, ...members));
  }

  /** `ZRANGE` / `ZREVRANGE` by rank. @throws (rejects) {@link ChannelLayerUnavailableError} */
  async zrange(key: string, opts: { reverse?: boolean; offset?: number; count?: number } = {}): Promise<string[]> {
    const start = opts.offset ?? 0;
    if (opts.count !== undefined && opts.count <= 0) return [];
    const stop = opts.count === undefined ? -1 : start + opts.count - 1;
    return this.exec(`zrange "${key}"`, (r) =>
      opts.reverse ? r.zrevrange(this.prefix + key, start, stop) : r.zrange(this.prefix + key, start, stop),
    );
  }

  /** `ZCARD`. @throws (rejects) {@link ChannelLayerUnavailableError} */
  async zcard(key: string): Promise<number> {
    return this.exec(`zcard "${key}"`, (r) => r.zcard(this.prefix + key));
  }

  /**
   * Atomic claim of a slot (one Lua script on Redis's clock; see {@link ChannelLayer.claim}).
   * @throws (rejects) RangeError for a bad `limit` / `ttlMs`; {@link ChannelLayerUnavailableError}
   */
  async claim(key: string, member: string, limit: number, ttlMs: number): Promise<boolean> {
    checkClaim(limit, ttlMs);
    const ttl = String(Math.ceil(ttlMs));
    const done = await this.exec(`claim "${key}"`, (r) => (r as CasRedis).weftClaim(this.prefix + key, member, String(limit), ttl));
    return done === 1;
  }

  /** Releases a slot (`ZREM`). @throws (rejects) {@link ChannelLayerUnavailableError} */
  async release(key: string, member: string): Promise<void> {
    await this.exec(`release "${key}"`, (r) => r.zrem(this.prefix + key, member));
  }

  /** Closes both connections (gracefully when possible); later calls reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await Promise.allSettled(
      [this.pub, this.sub].map(async (r) => {
        if (r.status === "ready") await Promise.race([r.quit(), new Promise((res) => setTimeout(res, this.timeoutMs).unref())]);
        r.disconnect();
      }),
    );
  }

  /** Runs one command on the command connection, turning transport failures into {@link ChannelLayerUnavailableError}. */
  private async exec<T>(what: string, run: (r: Redis) => Promise<T>): Promise<T> {
    if (this.closed) throw new ChannelLayerUnavailableError(`Redis channel layer is closed: ${what} not done`);
    if (this.pub.status !== "ready") {
      // Before the first connection, wait for it (bounded); afterwards fail fast: never queue.
      if (this.everReady) throw new ChannelLayerUnavailableError(`Redis unreachable (${this.pub.status}): ${what} not done`);
      await this.waitReady(this.pub, what);
    }
    try {
      return await run(this.pub);
    } catch (err) {
      if (err instanceof Error && err.name === "ReplyError") throw err; // a real answer from Redis
      throw new ChannelLayerUnavailableError(`Redis unreachable: ${what} failed (${err instanceof Error ? err.message : String(err)})`, { cause: err });
    }
  }

  /** Resolves when `conn` is ready; rejects when its connection attempt fails or after `commandTimeoutMs`. */
  private waitReady(conn: Redis, what: string): Promise<void> {
    if (conn.status === "ready") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        conn.off("ready", onReady);
        conn.off("close", onClose);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const onClose = () => done(new ChannelLayerUnavailableError(`Redis unreachable (connection failed): ${what} not done`));
      const timer = setTimeout(() => done(new ChannelLayerUnavailableError(`Redis unreachable (no connection after ${this.timeoutMs} ms): ${what} not done`)), this.timeoutMs);
      conn.on("ready", onReady);
      conn.on("close", onClose);
    });
  }

  private track(p: Promise<unknown>): void {
    const settled = p.then(
      () => {},
      () => {}, // a failed (un)subscribe is redone by the re-subscription after the next reconnect
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
  }

  private resubscribe(): void {
    const topics = this.fanout.topicNames();
    if (topics.length) this.track(this.sub.subscribe(...topics.map((t) => this.prefix + t)));
  }

  private received(channel: string, text: string): void {
    if (!channel.startsWith(this.prefix)) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (err) {
      this.onError(err);
      return;
    }
    this.fanout.deliver(channel.slice(this.prefix.length), message);
  }

  private connectionError(err: unknown): void {
    if (this.errorReported || this.closed) return;
    this.errorReported = true;
    this.onError(err);
  }

  private statusChanged(): void {
    const healthy = this.healthy;
    if (healthy) this.errorReported = false;
    if (healthy === this.lastHealthy) return;
    this.lastHealthy = healthy;
    for (const l of [...this.listeners]) {
      try {
        l(healthy);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
