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
 * A file built by `@weft/client` as a hashed asset: the browser runtime (dist/weft.js, IIFE)
 * or the upload chunk it imports on pages with an `lv-upload` input (dist/upload.js, ESM).
 * @param prefix - the URL prefix (default `/live`)
 * @param name - the file in @weft/client's dist/
 * @throws WeftError `WEFT_ERR_CLIENT_NOT_BUILT` when the client has not been built (`pnpm build`)
 */
export function clientAsset(prefix: string, name: "weft.js" | "upload.js" = "weft.js"): Asset {
  const file = join(dirname(createRequire(import.meta.url).resolve("@weft/client/package.json")), "dist", name);
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch {
    throw weftError("WEFT_ERR_CLIENT_NOT_BUILT", `weft: the browser runtime is not built (${file} missing): run \`pnpm build\``);
  }
  return hashedAsset(prefix, name, body, "text/javascript; charset=utf-8");
}
