/**
 * A package's layering test (packages/server/test/layers.test.ts, packages/admin/test/layers.test.ts):
 * every `.ts` file below `src` belongs to a folder (or root file) node; no two nodes import each
 * other round a cycle, and each node imports only the nodes its row of the layer table allows.
 */
import { readdirSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findCycles, importGraph } from "../../../../scripts/import-graph.mjs";

/** What {@link describeLayers} checks. */
export interface LayerTable {
  /** the package's `src/` folder, as a file URL */
  src: URL;
  /** the node of a file, from its path below `src` split into parts (e.g. `["query", "sql.ts"]`) */
  node(parts: string[]): string;
  /** what each node may import, besides itself and packages */
  allowed: Record<string, string[]>;
  /** at least this many files are read (a guard against a wrong `src`) */
  minFiles: number;
  /** the second test's name: how the table orders the nodes */
  rule: string;
}

/** Registers `describe(name)` with the two tests: no cycle between nodes, and no import the table does not allow. */
export function describeLayers(name: string, t: LayerTable): void {
  const src = fileURLToPath(t.src);
  const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => join(src, f));
  const resolveTs = (from: string, spec: string) => (spec.startsWith(".") ? join(dirname(from), spec.replace(/\.js$/, ".ts")) : undefined);
  const folder = (f: string) => t.node(relative(src, f).split(sep));

  describe(name, () => {
    it("has no import cycle between folders", () => {
      expect(files.length).toBeGreaterThan(t.minFiles);
      const cycles = findCycles(files, resolveTs, { group: folder }).map((c) => c.join(" → "));
      expect(cycles, `folder cycles:\n${cycles.join("\n")}`).toEqual([]);
    });

    it(`imports only downwards: ${t.rule}`, () => {
      const graph = importGraph(files, resolveTs, { group: folder });
      const wrong: string[] = [];
      for (const [from, tos] of graph) {
        const allowed = t.allowed[from];
        expect(allowed, `folder ${from} is not in the layer table of this test`).toBeDefined();
        for (const to of tos) if (!allowed!.includes(to)) wrong.push(`${from} → ${to}`);
      }
      expect(wrong).toEqual([]);
    });
  });
}
