/**
 * Figure 1 — client size: the browser runtime as shipped (`packages/client/dist/weft.js`, the
 * IIFE served to pages, and `weft.mjs`, the ESM build), morphdom included, compressed with
 * gzip level 9 with Node's zlib (`zlib.gzipSync(file, { level: 9 })`: the deflate stream plus
 * the 18-byte gzip header/trailer, no file name stored), the same measure the client's
 * `build.mjs` prints. GNU `gzip -9` differs by a few bytes (its own deflate implementation,
 * plus the file name it stores unless `-n`).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";

export interface ClientSize {
  file: string;
  raw: number;
  gzip9: number;
}

/** Sizes of the two bundles. Run `pnpm --filter @weft/client run bundle` first (`pnpm bench` does). */
export function clientSize(): ClientSize[] {
  const dir = join(dirname(createRequire(import.meta.url).resolve("@weft/client/package.json")), "dist");
  return ["weft.js", "weft.mjs"].map((name) => {
    const buf = readFileSync(join(dir, name));
    return { file: `packages/client/dist/${name}`, raw: buf.length, gzip9: gzipSync(buf, { level: 9 }).length };
  });
}
