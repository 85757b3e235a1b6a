#!/usr/bin/env node
/**
 * `pnpm demo`: seeds the shop database when missing, then serves the demo.
 * Environment: PORT (3000), HOST (127.0.0.1), DEMO_DB (examples/admin-demo/demo.db),
 * SIMULATE_MS (an order every 3,000 ms; 0 turns the simulator off), WEFT_SECRET.
 */
import { DEMO_USERS } from "./admin.js";
import { buildApp } from "./app.js";
import { DEFAULT_DATABASE_FILE, ensureSeeded } from "./db/seed-cli.js";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const dbFile = process.env.DEMO_DB ?? DEFAULT_DATABASE_FILE;
const simulateMs = Number(process.env.SIMULATE_MS ?? 3000);

ensureSeeded(dbFile);
const app = await buildApp({ dbFile, simulateMs, logger: { level: process.env.LOG_LEVEL ?? "warn" } });
await app.listen({ port, host });
console.log(`Weft demo: http://localhost:${port}/`);
console.log(`Admin:     http://localhost:${port}/admin/  (log in as ${DEMO_USERS.map((u) => `${u.username}/${u.username}`).join(", ")})`);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    void app.close().then(() => process.exit(0));
  });
}
