/**
 * "Select all N matching", pinned at the click: the matching primary keys are stored in the
 * channel layer in chunks (not in the job's JSON, which crosses BullMQ), and the job reads
 * exactly those keys, whatever was inserted after the click.
 */
import { randomBytes } from "node:crypto";
import type { ChannelLayer } from "@weft/server/pubsub";
import { adminError } from "../errors.js";

/** Keys per stored chunk. */
export const SNAPSHOT_CHUNK = 10_000;

/** Where a snapshot of keys is kept: `jobsel:<random>:<chunk>`, `chunks` of them, `count` keys in all, taken at `at` (ms epoch). */
export interface KeySnapshot {
  readonly kind: "snapshot";
  readonly key: string;
  readonly chunks: number;
  readonly count: number;
  readonly at: number;
}

/**
 * Stores `keys` in chunks of {@link SNAPSHOT_CHUNK} under a fresh random key, each kept `ttlMs`.
 * @throws (rejects) the layer's error when unreachable (nothing usable is kept then)
 */
export async function storeKeys(layer: ChannelLayer, keys: readonly unknown[], ttlMs: number, now = Date.now()): Promise<KeySnapshot> {
  const key = `jobsel:${randomBytes(12).toString("base64url")}`;
  const chunks = Math.ceil(keys.length / SNAPSHOT_CHUNK);
  await Promise.all(Array.from({ length: chunks }, (_, i) => layer.set(`${key}:${i}`, keys.slice(i * SNAPSHOT_CHUNK, (i + 1) * SNAPSHOT_CHUNK), ttlMs)));
  return { kind: "snapshot", key, chunks, count: keys.length, at: now };
}

/**
 * The keys of a snapshot, in the order stored.
 * @throws (rejects) WeftAdminError `WEFT_ADMIN_ERR_JOB_SELECTION` when a chunk expired or was lost (the job fails rather than touch other rows)
 */
export async function loadKeys(layer: ChannelLayer, snap: KeySnapshot): Promise<unknown[]> {
  const parts = await layer.mget<unknown[]>(Array.from({ length: snap.chunks }, (_, i) => `${snap.key}:${i}`));
  const keys = parts.flatMap((p) => p ?? []);
  if (parts.some((p) => !Array.isArray(p)) || keys.length !== snap.count) throw adminError("WEFT_ADMIN_ERR_JOB_SELECTION", `the job's selection (${snap.count} keys) is no longer stored; start the action again`);
  return keys;
}

/** Removes a snapshot's chunks (the job ended). Failures are ignored: the chunks expire anyway. */
export async function dropKeys(layer: ChannelLayer, snap: KeySnapshot): Promise<void> {
  await Promise.allSettled(Array.from({ length: snap.chunks }, (_, i) => layer.delete(`${snap.key}:${i}`)));
}
