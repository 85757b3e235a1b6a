import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { weftError } from "../errors.js";

/** A file served under a content-hashed URL, cached forever (`immutable`). */
export interface Asset {
  /** URL path, e.g. `/live/weft.3f9a1c2b04.js` */
  url: string;
  body: Buffer;
  /** Content-Type */
  type: string;
}

/** Names `body` by its content hash: `<prefix>/<stem>.<10 hex>.<ext>`. */
export function hashedAsset(prefix: string, fileName: string, body: Buffer, type: string): Asset {
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 10);
  const dot = fileName.lastIndexOf(".");
  return { url: `${prefix}/${fileName.slice(0, dot)}.${hash}${fileName.slice(dot)}`, body, type };
}

/**
 * The browser runtime built by `@weft/client` (dist/weft.js, IIFE) as a hashed asset.
 * @throws WeftError `WEFT_ERR_CLIENT_NOT_BUILT` when the client has not been built (`pnpm build`)
 */
export function clientAsset(prefix: string): Asset {
  const file = join(dirname(createRequire(import.meta.url).resolve("@weft/client/package.json")), "dist", "weft.js");
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch {
    throw weftError("WEFT_ERR_CLIENT_NOT_BUILT", `weft: the browser runtime is not built (${file} missing): run \`pnpm build\``);
  }
  return hashedAsset(prefix, "weft.js", body, "text/javascript; charset=utf-8");
}
