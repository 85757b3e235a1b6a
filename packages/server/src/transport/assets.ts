import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** A built client file served under a content-hashed URL. */
export interface Asset {
  /** URL path, e.g. `/live/weft.3f9a1c2b.js` */
  url: string;
  body: Buffer;
  type: string;
}

/**
 * Loads the browser runtime built by `@weft/client` (dist/weft.js, IIFE) and names it by
 * its content hash, so it can be cached forever (`immutable`).
 * @throws Error when the client has not been built (`pnpm build`)
 */
export function clientAsset(prefix: string): Asset {
  const dir = join(dirname(createRequire(import.meta.url).resolve("@weft/client/package.json")), "dist");
  let body: Buffer;
  try {
    body = readFileSync(join(dir, "weft.js"));
  } catch {
    throw new Error(`weft: the browser runtime is not built (${join(dir, "weft.js")} missing): run \`pnpm build\``);
  }
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 10);
  return { url: `${prefix}/weft.${hash}.js`, body, type: "text/javascript; charset=utf-8" };
}
