/**
 * Channel layers (as Django Channels'): publish/subscribe and a small key/value store with TTL,
 * in one process ({@link MemoryChannelLayer}) or across processes and machines
 * ({@link RedisChannelLayer}). See docs/deployment.md.
 * @packageDocumentation
 */
export { ChannelLayerUnavailableError, type ChannelLayer, type MessageHandler } from "./channel-layer.js";
export { MemoryChannelLayer } from "./memory.js";
export { RedisChannelLayer, type RedisChannelLayerOptions, type RedisLayerStatus } from "./redis.js";
export { createRedisClient } from "./redis-client.js";
