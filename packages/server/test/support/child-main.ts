/**
 * The other process of the multi-process tests: `child-main.ts <role> <json config>`.
 * Prints one JSON object per line on stdout.
 *   echo: subscribes to "ping" and answers every message on "pong" with its pid.
 */
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
} else {
  say({ error: `unknown role ${role}` });
  process.exit(2);
}
