// Bundles the browser runtime (src/index.ts + morphdom) into dist/weft.js (minified IIFE)
// and dist/weft.mjs (minified ESM), and prints each file's gzip -9 size.
// Budget: 5,120 bytes gzip -9 each, morphdom included.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const LIMIT = 5120;
const outputs = [
  ["iife", "dist/weft.js"],
  ["esm", "dist/weft.mjs"],
];

let over = false;
for (const [format, outfile] of outputs) {
  await build({
    absWorkingDir: dir,
    entryPoints: ["src/index.ts"],
    bundle: true,
    minify: true,
    format,
    target: "es2020",
    platform: "browser",
    legalComments: "none",
    outfile,
  });
  const size = gzipSync(readFileSync(`${dir}/${outfile}`), { level: 9 }).length;
  over ||= size > LIMIT;
  console.log(`${outfile}: ${size} B gzip -9${size > LIMIT ? ` (over the ${LIMIT} B budget)` : ""}`);
}
if (over) process.exitCode = 1;
