// Turns vitest's JSON report (plus what scripts/vitest-errors-reporter.mjs saw) into the
// numbers of the closing line "tests: N passed, M failed" and the list of what failed.
//
// vitest's own numFailedTests misses whole files: when a beforeAll throws (say Chromium
// does not launch) the file's tests are "skipped", numFailedTests stays 0, and the file is
// only marked "failed". Unhandled errors are not in the JSON report at all. So:
//   failed = failed tests
//          + files that failed (status "failed" or a message) without any failed test
//          + unhandled errors
//   and at least 1 whenever vitest exited non-zero or wrote no usable report.
import { relative } from "node:path";

/** First non-empty line of an error message, trimmed. */
export function firstLine(message) {
  const line = String(message ?? "")
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "");
  return line ?? "";
}

/**
 * @param {any} report  parsed vitest JSON report, or null when none was written/parsable
 * @param {object} [opts]
 * @param {number|null} [opts.exitCode]  vitest's exit code (null: killed by a signal)
 * @param {string} [opts.signal]  the signal, when killed
 * @param {{ fileErrors?: Record<string, string[]>, unhandledErrors?: string[] } | null} [opts.errors]
 *        what scripts/vitest-errors-reporter.mjs wrote (optional; gives reasons the JSON lacks)
 * @param {string} [opts.root]  paths are printed relative to this
 * @returns {{ passed: number, failed: number, failures: { file: string, reason: string }[] }}
 */
export function countResults(report, { exitCode = 0, signal, errors = null, root } = {}) {
  const rel = (p) => (root && p ? relative(root, p) || p : p);
  const failures = [];
  let passed = 0;
  let failed = 0;

  const files = Array.isArray(report?.testResults) ? report.testResults : null;
  if (!files) {
    failed += 1;
    failures.push({ file: "(vitest)", reason: "wrote no usable JSON report" });
  } else {
    for (const file of files) {
      const tests = Array.isArray(file.assertionResults) ? file.assertionResults : [];
      const failedTests = tests.filter((t) => t.status === "failed");
      passed += tests.filter((t) => t.status === "passed").length;
      const fileMessage = firstLine(file.message) || firstLine(file.failureMessage);
      const reported = errors?.fileErrors?.[file.name] ?? [];
      if (failedTests.length > 0) {
        failed += failedTests.length;
        const first = failedTests[0];
        const more = failedTests.length > 1 ? ` (+${failedTests.length - 1} more)` : "";
        failures.push({
          file: rel(file.name),
          reason: `${first.fullName || first.title}: ${firstLine(first.failureMessages?.[0]) || "failed"}${more}`,
        });
      } else if (file.status === "failed" || fileMessage) {
        failed += 1;
        const reason = fileMessage || firstLine(reported[0]) || "failed without a message (see vitest's output above)";
        const skipped = tests.length > 0 ? ` (${tests.length} test${tests.length === 1 ? "" : "s"} did not run)` : "";
        failures.push({ file: rel(file.name), reason: reason + skipped });
      }
    }
  }

  for (const message of errors?.unhandledErrors ?? []) {
    failed += 1;
    failures.push({ file: "(unhandled error)", reason: firstLine(message) || "unhandled error" });
  }

  if (exitCode !== 0 && failed === 0) {
    failed = 1;
    const how = exitCode === null ? `was killed${signal ? ` by ${signal}` : ""}` : `exited with code ${exitCode}`;
    failures.push({ file: "(vitest)", reason: `${how} (unhandled error or a setup problem; see its output above)` });
  }
  return { passed, failed, failures };
}

/** The lines printed above the closing line: one per failed file, and the closing line. */
export function summaryLines({ passed, failed, failures }) {
  const lines = failures.map((f) => `FAILED ${f.file}: ${f.reason}`);
  lines.push(`tests: ${passed} passed, ${failed} failed`);
  return lines;
}
