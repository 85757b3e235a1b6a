// The public surface of a workspace package: for every entry of its package.json `exports`
// (a `./dist/x.js` target read from its `./src/x.ts` source), the names that entry exports,
// types included, as the TypeScript compiler sees them. Used by the export-list tests.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

/**
 * @param {string} pkgDir - the package's folder (holds package.json, src/)
 * @returns {Record<string, string[]>} subpath (".", "./jobs", …) → its exported names, sorted
 * @throws Error when an export target has no source file under src/
 */
export function publicApi(pkgDir) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const entries = Object.entries(pkg.exports)
    .filter(([, t]) => typeof t === "object")
    .map(([sub, t]) => [sub, join(pkgDir, t.default.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"))]);
  const program = ts.createProgram(
    entries.map(([, f]) => f),
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, noEmit: true },
  );
  const checker = program.getTypeChecker();
  const out = {};
  for (const [sub, file] of entries) {
    const sf = program.getSourceFile(file);
    if (!sf) throw new Error(`public-api: no source ${file} for export "${sub}"`);
    out[sub] = checker.getExportsOfModule(checker.getSymbolAtLocation(sf)).map((s) => s.name).sort();
  }
  return out;
}

/**
 * The surface as text, one line per subpath: `"./jobs": a b c`, for a file snapshot whose diff
 * shows every change to the public API.
 * @param {Record<string, string[]>} api - from {@link publicApi}
 * @returns {string}
 */
export function formatApi(api) {
  return Object.entries(api).map(([sub, names]) => `${sub} (${names.length})\n${names.map((n) => `  ${n}`).join("\n")}\n`).join("\n");
}
