/**
 * The server of `pnpm bench:stall`: the demo app on a seeded database (SQLite file, or PostgreSQL when a URL follows), in its own process (so a
 * blocked event loop delays the server, never the clients' clocks), listening on an ephemeral
 * port of 127.0.0.1 and reporting it over IPC: `{ port }`.
 *
 * ```
 * node bench/dist/stall/server.js <dbFile> [databaseUrl] [--no-fair-share]
 * ```
 * `--no-fair-share`: the admin without its per-user share of database time (`fairShare: false`), for A/B runs.
 */
import { buildApp } from "@weft/admin-demo/dist/app.js";

const fairShare = !process.argv.includes("--no-fair-share");
const [dbFile, databaseUrl] = process.argv.slice(2).filter((a) => a !== "--no-fair-share");
if (!dbFile || !process.send) throw new Error("usage: forked by bench/dist/stall.js with a database file");
const app = await buildApp({ dbFile, ...(databaseUrl ? { databaseUrl } : {}), simulateMs: 0, logger: false, ...(fairShare ? {} : { fairShare: false }) });
await app.listen({ port: 0, host: "127.0.0.1" });
process.send({ port: (app.server.address() as { port: number }).port });
process.on("disconnect", () => process.exit(0));
