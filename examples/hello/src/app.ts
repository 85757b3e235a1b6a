import { fileURLToPath } from "node:url";
import Fastify from "fastify";
import { randomSecret, weft } from "@weft/server";
import { Counter, Guestbook, slowForecast, Tallies, type Services } from "./views.js";
import { Upload } from "./upload.js";
import { Feed } from "./feed.js";
import { Modal } from "./modal.js";

/**
 * The app, not listening yet. In production give WEFT_SECRET (>= 32 chars), so pages survive restarts.
 * @param services - what the views get in `this.ctx` (tests pass their own slow lookup)
 */
export async function buildApp(secret = process.env.WEFT_SECRET ?? randomSecret(), services: Services = { forecast: slowForecast }) {
  const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? "warn" } });
  await app.register(weft, { secret, views: fileURLToPath(new URL("../templates", import.meta.url)), layout: "layout.eta", context: services });
  app.live("/", Counter);
  app.live("/guestbook", Guestbook);
  app.live("/tallies", Tallies);
  app.live("/upload", Upload);
  app.live("/feed", Feed);
  app.live("/modal", Modal);
  return app;
}
