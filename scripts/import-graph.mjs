// The import graph of a set of source files, and the cycles in it. No dependency: imports
// are read with a regular expression, which is enough for the code of this repository
// (ESM, one `import … from "…"` / `export … from "…"` / `import "…"` statement per line
// start; type-only imports count, they are edges too).
//
// Used by packages/client/test/cycles.test.ts (file level: the browser runtime has no import
// cycle). `group` turns it into a check between folders (every file of a folder is one node).
import { readFileSync } from "node:fs";

const IMPORT = /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w*${}\s,]*?\s*from\s*)?["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/**
 * The module specifiers a source text imports or re-exports (static, type-only and
 * `import("…")` with a literal), in order of appearance, duplicates kept.
 *
 * @param {string} text - the source of one module
 * @returns {string[]} the specifiers, e.g. `["./protocol.js", "morphdom"]`
 */
export function importsOf(text) {
  const found = [];
  for (const re of [IMPORT, DYNAMIC]) for (const m of text.matchAll(re)) found.push([m.index, m[1]]);
  return found.sort((a, b) => a[0] - b[0]).map(([, spec]) => spec);
}

/**
 * Builds the import graph of `files`: node → the nodes it imports.
 *
 * @param {string[]} files - paths of the source files (the graph's files; imports of anything else are left out)
 * @param {(from: string, specifier: string) => string | undefined | null} resolve - the file a specifier of `from`
 *   names, or nothing for imports to leave out (packages, files outside the set)
 * @param {{ read?: (file: string) => string, group?: (file: string) => string }} [options] - `read` returns a
 *   file's text (default: read it from disk as UTF-8); `group` maps a file to its node (default: the file
 *   itself; e.g. its folder for folder-level cycles). Edges inside one node are left out.
 * @returns {Map<string, Set<string>>} every node (also those importing nothing) and its edges
 * @throws whatever `read` throws (a file that cannot be read)
 */
export function importGraph(files, resolve, { read = (f) => readFileSync(f, "utf8"), group = (f) => f } = {}) {
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const from = group(file);
    if (!graph.has(from)) graph.set(from, new Set());
    for (const spec of importsOf(read(file))) {
      const target = resolve(file, spec);
      if (!target || !known.has(target)) continue;
      const to = group(target);
      if (to !== from) graph.get(from).add(to);
    }
  }
  return graph;
}

/**
 * The import cycles among `files`: at least one cycle through every group of nodes that
 * import each other (a strongly connected component), none when the graph is acyclic.
 *
 * @param {string[]} files - paths of the source files to check
 * @param {(from: string, specifier: string) => string | undefined | null} resolve - see {@link importGraph}
 * @param {{ read?: (file: string) => string, group?: (file: string) => string }} [options] - see {@link importGraph}
 * @returns {string[][]} each cycle as its nodes in import order, the first repeated at the end
 *   (`["a.ts", "b.ts", "a.ts"]`: a imports b, b imports a); sorted, no rotation of one cycle twice
 * @throws whatever `read` throws
 */
export function findCycles(files, resolve, options) {
  const graph = importGraph(files, resolve, options);
  const state = new Map(); // node → 1 on the DFS stack, 2 done
  const stack = [];
  const seen = new Set();
  const cycles = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of [...graph.get(node)].sort()) {
      if (state.get(next) === 1) {
        const cycle = stack.slice(stack.indexOf(next));
        // one key per cycle, whichever node it was entered by
        const start = cycle.indexOf([...cycle].sort()[0]);
        const key = [...cycle.slice(start), ...cycle.slice(0, start)].join("\0");
        if (!seen.has(key)) seen.add(key), cycles.push([...cycle, next]);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}
