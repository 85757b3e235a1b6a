/**
 * The other process of the multi-process tests: `child-main.ts <role> <json config>`.
 * Prints one JSON object per line on stdout.
 *   echo: subscribes to "ping" and answers every message on "pong" with its pid.
 *   job:  runs a job (lease `leaseMs`) that counts up every 10 ms until cancelled; prints its
 *         id, then `{ aborted: true }` when its signal aborts, then `{ finished: status }`.
 */
import { startJob } from "../../src/jobs/runner.js";
import { JobStore } from "../../src/jobs/store.js";
import { RedisChannelLayer } from "../../src/pubsub/redis.js";

const [role, configText] = process.argv.slice(2);
const config = JSON.parse(configText ?? "{}") as { url: string; prefix: string; [k: string]: unknown };
const say = (m: Record<string, unknown>) => process.stdout.write(JSON.stringify(m) + "\n");
const layer = new RedisChannelLayer(config.url, { keyPrefix: config.prefix, onError: (err) => say({ error: String(err) }) });

process.on("SIGTERM", () => void layer.close().then(() => process.exit(0)));

if (role === "echo") {
  layer.subscribe("ping", (msg) => {
    layer.publish("pong", { pid: process.pid, got: msg }).catch((err) => say({ error: String(err) }));
  });
  await layer.whenSubscribed();
  say({ ready: true, pid: process.pid });
} else if (role === "job") {
  const store = new JobStore(layer, { leaseMs: Number(config.leaseMs ?? 15_000) });
  const job = await startJob(store, { owner: "u1", action: "count", description: "counts" }, async (p) => {
    p.signal.addEventListener("abort", () => say({ aborted: true }));
    for (let i = 1; !p.cancelled; i++) {
      p.update({ current: i, message: `at ${i}` });
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  say({ id: job.id, pid: process.pid });
  say({ finished: await job.finished });
} else {
  say({ error: `unknown role ${role}` });
  process.exit(2);
}
