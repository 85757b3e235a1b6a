/**
 * Redis for the integration tests: a private `redis-server` per test file (see
 * `startRedisServer` in @weft/server/testing), or the server `REDIS_URL` names — never flushed
 * (every test uses its own key prefix), and the tests that stop/restart Redis are skipped then.
 * The system Redis on 6379 is never used unless REDIS_URL points at it.
 */
import { randomBytes } from "node:crypto";
import { startRedisServer, type RedisServer } from "../../src/testing/redis.js";

/** True when the tests run against `REDIS_URL` (and cannot stop or restart it). */
export const externalRedis = !!process.env.REDIS_URL;

export type TestRedis = Pick<RedisServer, "url" | "kill" | "restart" | "stop">;

/** A key prefix no other test (or process) uses. */
export function uniquePrefix(): string {
  return `weft-test:${randomBytes(6).toString("hex")}:`;
}

/** Starts the private server (or wraps REDIS_URL). Throws when `redis-server` cannot start. */
export async function startTestRedis(): Promise<TestRedis> {
  if (process.env.REDIS_URL) {
    const url = process.env.REDIS_URL;
    return { url, kill: async () => {}, restart: async () => {}, stop: async () => {} };
  }
  return startRedisServer();
}
