// Runs every test (vitest: unit, integration, real-Chromium e2e) and ends with the
// plain closing line "tests: N passed, M failed" that CI reads.
//   1. scripts/ensure-tools.mjs: Chromium, redis-server, PostgreSQL's server binaries
//      (installs them as root with apt-get, or stops with the command to run)
//   2. the tests' types: `tsc -b tsconfig.tests.json` (vitest only transpiles them); its
//      errors count as one failure, and the tests still run. Incremental: a folder whose
//      files did not change is not checked again
//   3. vitest, from this checkout's node_modules (so `node scripts/test.mjs` works outside pnpm)
//   4. scripts/vitest-count.mjs: counts failed tests, failed files and unhandled errors
// Arguments are passed to vitest (e.g. `node scripts/test.mjs packages/client`).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureTools } from "./ensure-tools.mjs";
import { countResults, summaryLines } from "./vitest-count.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

const toolsExit = await ensureTools();
if (toolsExit !== 0) {
  console.log("tests: 0 passed, 1 failed");
  process.exit(toolsExit);
}

const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const typecheck = spawnSync(process.execPath, [tsc, "-b", join(root, "tsconfig.tests.json")], { cwd: root, stdio: "inherit" });
const typesOk = typecheck.status === 0;

const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
if (!existsSync(vitest)) {
  console.error(`test: ${vitest} is missing; run \`pnpm install\` first`);
  console.log("tests: 0 passed, 1 failed");
  process.exit(1);
}

const out = join(root, ".vitest-results.json");
rmSync(out, { force: true });
const scratch = mkdtempSync(join(tmpdir(), "weft-test-"));
const errorsFile = join(scratch, "errors.json");
const args = [
  vitest,
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${out}`,
  `--reporter=${join(root, "scripts", "vitest-errors-reporter.mjs")}`,
  ...process.argv.slice(2),
];
const run = spawnSync(process.execPath, args, {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, WEFT_VITEST_ERRORS_FILE: errorsFile },
});

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}
const result = countResults(readJson(out), {
  exitCode: run.error ? -1 : run.status,
  signal: run.signal ?? undefined,
  errors: readJson(errorsFile),
  root,
});
rmSync(scratch, { recursive: true, force: true });
if (!typesOk) {
  result.failed += 1;
  result.failures.unshift({ file: "tsconfig.tests.json", reason: "the tests do not type-check (tsc -b tsconfig.tests.json: its errors are printed above the tests)" });
}

console.log("");
for (const line of summaryLines(result)) console.log(line);
process.exit(typesOk && run.status === 0 && result.failed === 0 && result.passed > 0 ? 0 : 1);
