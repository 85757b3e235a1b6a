// @weft/admin: one folder per feature, and no two folders import each other (files at the root
// of src/ — the site, the plugin, model-admin — are one node).
import { readdirSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findCycles } from "../../../scripts/import-graph.mjs";

const src = fileURLToPath(new URL("../src/", import.meta.url));
const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => join(src, f));
const resolveTs = (from: string, spec: string) => (spec.startsWith(".") ? join(dirname(from), spec.replace(/\.js$/, ".ts")) : undefined);
const folder = (f: string) => relative(src, f).split(sep)[0]!.replace(/\.ts$/, "");

describe("@weft/admin import graph", () => {
  it("has no import cycle between folders", () => {
    const cycles = findCycles(files, resolveTs, { group: folder }).map((c) => c.join(" → "));
    expect(cycles, `folder cycles:\n${cycles.join("\n")}`).toEqual([]);
  });
});
