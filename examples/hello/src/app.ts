import { fileURLToPath } from "node:url";
import Fastify from "fastify";
import { randomSecret, weft } from "@weft/server";
import { Counter, Guestbook } from "./views.js";
import { Modal } from "./modal.js";

/** The app, not listening yet. In production give WEFT_SECRET (>= 32 chars), so pages survive restarts. */
export async function buildApp(secret = process.env.WEFT_SECRET ?? randomSecret()) {
  const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? "warn" } });
  await app.register(weft, { secret, views: fileURLToPath(new URL("../templates", import.meta.url)), layout: "layout.eta" });
  app.live("/", Counter);
  app.live("/guestbook", Guestbook);
  app.live("/modal", Modal);
  return app;
}
