import { Redis, type RedisOptions } from "ioredis";

/**
 * A plain ioredis client, for a library that takes a shared ioredis connection (BullMQ's queues
 * and workers, in `@weft/admin`'s BullMQ engine), so it need not depend on ioredis itself.
 * The client connects at once; the caller listens for its `error` events and closes it
 * (`quit()`) after whatever shares it.
 * @param options - ioredis options (host, port, username, password, db, tls…)
 */
export function createRedisClient(options: RedisOptions): Redis {
  return new Redis(options);
}
