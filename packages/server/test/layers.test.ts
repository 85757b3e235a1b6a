// @weft/server reads top-down (docs/architecture.md): protocol (@weft/client) ← render/ ← live/ ←
// transport/, with pubsub/ and jobs/ beside them and testing/ on top. No folder imports a folder
// that imports it back, and no folder imports one it is not allowed to.
import { readdirSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findCycles, importGraph } from "../../../scripts/import-graph.mjs";

const src = fileURLToPath(new URL("../src/", import.meta.url));
const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => join(src, f));
const resolveTs = (from: string, spec: string) => (spec.startsWith(".") ? join(dirname(from), spec.replace(/\.js$/, ".ts")) : undefined);
/** a file's folder below src/ ("(root)" for index.ts and errors.ts) */
const folder = (f: string) => {
  const rel = relative(src, f).split(sep);
  return rel.length > 1 ? rel[0]! : `(root)/${rel[0]}`;
};

/** What each folder may import (besides itself, @weft/client and packages). */
const ALLOWED: Record<string, string[]> = {
  render: ["(root)/errors.ts"],
  pubsub: ["(root)/errors.ts"],
  jobs: ["pubsub", "(root)/errors.ts"],
  live: ["render", "pubsub", "(root)/errors.ts"],
  transport: ["live", "render", "pubsub", "(root)/errors.ts"],
  testing: ["live", "render", "pubsub", "transport", "(root)/errors.ts"],
  "(root)/errors.ts": [],
  "(root)/index.ts": ["live", "transport", "pubsub", "(root)/errors.ts"],
};

describe("@weft/server import graph", () => {
  it("has no import cycle between folders", () => {
    expect(files.length).toBeGreaterThan(20);
    const cycles = findCycles(files, resolveTs, { group: folder }).map((c) => c.join(" → "));
    expect(cycles, `folder cycles:\n${cycles.join("\n")}`).toEqual([]);
  });

  it("imports only downwards: every folder imports only the folders below it", () => {
    const graph = importGraph(files, resolveTs, { group: folder });
    const wrong: string[] = [];
    for (const [from, tos] of graph) {
      const allowed = ALLOWED[from];
      expect(allowed, `folder ${from} is not in the layer table of this test`).toBeDefined();
      for (const to of tos) if (!allowed!.includes(to)) wrong.push(`${from} → ${to}`);
    }
    expect(wrong).toEqual([]);
  });
});
