/**
 * The small value generators of the demo seed, each a pure function of the seeded PRNG and its
 * arguments: name pools, e-mail slugs, prices, the order timeline, order statuses and their
 * update times.
 */
import { pickWeighted, randInt, type Rng } from "../rng.js";
import type { OrderStatus } from "../schema.js";

/** One day in milliseconds. */
export const DAY = 86_400_000;

/** Local midnight at the start of the day that contains `now`. */
export function startOfDay(now: Date): number {
  const d = new Date(now.getTime());
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** The letters of `text` without accents, lower-cased (`"Zoë O'Neil"` → `"zoeoneil"`): e-mail local parts. */
export function slug(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase();
}

/** Up to `size` distinct values of `make()`; gives up after `size × 20` calls. */
export function uniquePool(size: number, make: () => string): string[] {
  const seen = new Set<string>();
  for (let tries = 0; seen.size < size && tries < size * 20; tries++) seen.add(make());
  return [...seen];
}

/** Price in cents, log-uniform between about 2 and 500 euros, ending in 99 or 49 cents. */
export function productPrice(rng: Rng): number {
  const euros = Math.exp(Math.log(2) + rng() * (Math.log(500) - Math.log(2)));
  return Math.max(1, Math.floor(euros)) * 100 + (rng() < 0.7 ? 99 : 49) - 100;
}

/** Spreads `count` sorted timestamps over [start, end) with density growing linearly 1 → 1 + growth. */
export function growingTimeline(rng: Rng, count: number, start: number, end: number, growth: number): Float64Array {
  const out = new Float64Array(count);
  const span = end - start;
  const norm = 1 + growth / 2;
  let prev = start;
  for (let i = 0; i < count; i++) {
    const c = ((i + rng()) / count) * norm;
    const x = growth === 0 ? c : (-1 + Math.sqrt(1 + 2 * growth * c)) / growth;
    const t = Math.max(prev, Math.floor(start + x * span));
    out[i] = Math.min(t, end - 1);
    prev = out[i]!;
  }
  return out;
}

/** The status of an order `ageDays` old at the end of the history: old ones delivered (a few cancelled or refunded), recent ones on their way. */
export function historicalStatus(rng: Rng, ageDays: number): OrderStatus {
  if (ageDays > 1) {
    const r = rng();
    if (r < 0.04) return "cancelled";
    if (r < 0.06) return "refunded";
  }
  if (ageDays > 14) return "delivered";
  if (ageDays > 5) return rng() < 0.4 ? "shipped" : "delivered";
  if (ageDays > 2)
    return pickWeighted(rng, [
      ["paid", 3],
      ["shipped", 6],
      ["delivered", 1],
    ] as const);
  return pickWeighted(rng, [
    ["pending", 3],
    ["paid", 5],
    ["shipped", 2],
  ] as const);
}

/** When an order in `status` was last updated: a delay typical of the status after `createdAt`, capped at `limit`. */
export function updatedAfter(rng: Rng, status: OrderStatus, createdAt: number, limit: number): number {
  let delta: number;
  switch (status) {
    case "pending":
      delta = 0;
      break;
    case "paid":
      delta = randInt(rng, 30_000, 1_800_000);
      break;
    case "shipped":
      delta = randInt(rng, DAY / 2, 3 * DAY);
      break;
    case "delivered":
      delta = randInt(rng, 2 * DAY, 7 * DAY);
      break;
    case "cancelled":
      delta = randInt(rng, 600_000, 2 * DAY);
      break;
    case "refunded":
      delta = randInt(rng, 5 * DAY, 20 * DAY);
      break;
  }
  return Math.max(createdAt, Math.min(createdAt + delta, limit));
}
