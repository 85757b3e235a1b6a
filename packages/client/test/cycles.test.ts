// The browser runtime is layered one way (socket ← views ← hooks ← morph ← frames, see
// src/index.ts): no file of src/ imports, even for types only, a file that imports it back.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findCycles, importsOf } from "../../../scripts/import-graph.mjs";

const src = fileURLToPath(new URL("../src/", import.meta.url));

/** `./x.js` → the `x.ts` next to the importing file; packages (morphdom) are not nodes. */
const resolveTs = (from: string, spec: string) => (spec.startsWith(".") ? join(dirname(from), spec.replace(/\.js$/, ".ts")) : undefined);

describe("client import graph", () => {
  it("has no file-level import cycle in packages/client/src", () => {
    const files = readdirSync(src).filter((f) => f.endsWith(".ts")).map((f) => join(src, f));
    expect(files.length).toBeGreaterThan(5);
    const cycles = findCycles(files, resolveTs).map((c) => c.map((f) => f.slice(src.length)).join(" → "));
    expect(cycles, `import cycles:\n${cycles.join("\n")}`).toEqual([]);
  });

  it("reads static, type-only, re-export, multi-line and dynamic imports, not comments", () => {
    const text = [
      `import morphdom from "morphdom";`,
      `import {`,
      `  a,`,
      `  type B,`,
      `} from "./a.js";`,
      `import type { C } from './c.js';`,
      `export type { D } from "./d.js";`,
      `export * from "./e.js";`,
      `import "./side.js";`,
      ` * import x from "./comment.js"`,
      `// not a statement: import y from "./comment2.js"`,
      `const m = await import("./lazy.js");`,
      `export const s = "./string.js";`,
    ].join("\n");
    expect(importsOf(text)).toEqual(["morphdom", "./a.js", "./c.js", "./d.js", "./e.js", "./side.js", "./lazy.js"]);
  });

  it("finds every cycle once, with type-only edges, and between folders with `group`", () => {
    const files: Record<string, string> = {
      "/p/a.ts": `import { b } from "./b.js";\nimport "./c.js";`,
      "/p/b.ts": `import type { A } from "./a.js";`,
      "/p/c.ts": `import { d } from "./d.js";`,
      "/p/d.ts": `export { c } from "./c.js";\nimport x from "pkg";`,
      "/p/e.ts": `import { a } from "./a.js";`,
    };
    const read = (f: string) => files[f]!;
    const names = Object.keys(files);
    expect(findCycles(names, resolveTs, { read })).toEqual([
      ["/p/a.ts", "/p/b.ts", "/p/a.ts"],
      ["/p/c.ts", "/p/d.ts", "/p/c.ts"],
    ]);
    expect(findCycles(names.filter((f) => f !== "/p/b.ts" && f !== "/p/d.ts"), resolveTs, { read })).toEqual([]);

    // folders: x/ imports y/ and y/ imports x/, though no file is in a cycle
    const tree: Record<string, string> = {
      "/s/x/one.ts": `import { two } from "../y/two.js";`,
      "/s/y/two.ts": `export const two = 2;`,
      "/s/y/three.ts": `import { four } from "../x/four.js";`,
      "/s/x/four.ts": `import { one } from "./one.js";`,
    };
    const paths = Object.keys(tree);
    const opts = { read: (f: string) => tree[f]!, group: (f: string) => dirname(f).slice(3) };
    expect(findCycles(paths, resolveTs, { read: opts.read })).toEqual([]);
    expect(findCycles(paths, resolveTs, opts)).toEqual([["x", "y", "x"]]);
  });
});
