/**
 * Worker B of the jobs bench: the demo app exactly as `buildApp` builds it (fastify, the weft
 * plugin, the admin with its progress pages at `/admin/jobs/<id>/`), on its own
 * `RedisChannelLayer` sharing worker A's Redis, listening on 127.0.0.1 (ephemeral port). The
 * order simulator is off, so the only traffic is the bench's.
 *
 * Usage: `fork(worker-b.js, [dbFile, secret, redisUrl])` with an IPC channel.
 */
import { buildApp } from "@weft/admin-demo/dist/app.js";
import { RedisChannelLayer } from "@weft/server/pubsub";
import { now, type ChildMessage, type Request } from "./protocol.js";

const [dbFile, secret, redisUrl] = process.argv.slice(2);
if (!dbFile || !secret || !redisUrl || !process.send) {
  console.error("usage: fork(worker-b.js, [dbFile, secret, redisUrl]) with an IPC channel");
  process.exit(2);
}
const send = (m: ChildMessage) => process.send!(m);

const pubsub = new RedisChannelLayer(redisUrl, { onError: (err) => console.error("worker B: channel layer:", err) });
const app = await buildApp({ dbFile, secret, simulateMs: 0, logger: false, pubsub, workers: 2 });
await app.listen({ host: "127.0.0.1", port: 0 });
await pubsub.whenSubscribed();
const { port } = app.server.address() as { port: number };

process.on("message", async (req: Request) => {
  try {
    switch (req.cmd) {
      case "clock":
        return send({ type: "reply", id: req.id, t: now() });
      case "cpu":
        return send({ type: "reply", id: req.id, cpu: process.cpuUsage() });
      case "stop":
        await app.close();
        await pubsub.close();
        send({ type: "reply", id: req.id });
        return process.exit(0);
      default:
        return send({ type: "reply", id: req.id, error: `worker B does not do ${req.cmd}` });
    }
  } catch (err) {
    send({ type: "reply", id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});

send({ type: "ready", port });
