// The closing line "tests: N passed, M failed" must count files that fail outside a test
// (a beforeAll that throws), unhandled errors and a vitest that exits non-zero.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { countResults, firstLine, summaryLines } from "../vitest-count.mjs";

const beforeAllFailed = JSON.parse(
  readFileSync(new URL("./fixtures/vitest-report-beforeall-failed.json", import.meta.url), "utf8"),
);

describe("countResults", () => {
  it("counts a file whose beforeAll throws as failed, though vitest's numFailedTests is 0", () => {
    expect(beforeAllFailed.numFailedTests).toBe(0);
    const r = countResults(beforeAllFailed, { exitCode: 1, root: "/repo" });
    expect(r.passed).toBe(2);
    expect(r.failed).toBe(2); // browser.test.ts (file-level beforeAll), suite-hook.test.ts (describe-level)
    expect(r.failures.map((f) => f.file)).toEqual(["e2e/browser.test.ts", "e2e/suite-hook.test.ts"]);
    expect(r.failures[0].reason).toBe(
      "browserType.launch: Failed to launch chromium because executable doesn't exist at /usr/bin/chromium (1 test did not run)",
    );
    expect(summaryLines(r).at(-1)).toBe("tests: 2 passed, 2 failed");
  });

  it("takes the reason the JSON lacks (describe-level beforeAll) from the errors reporter", () => {
    const errors = { fileErrors: { "/repo/e2e/suite-hook.test.ts": ["cannot launch /usr/bin/chromium\nmore"] } };
    const r = countResults(beforeAllFailed, { exitCode: 1, root: "/repo", errors });
    expect(r.failures[1]).toEqual({
      file: "e2e/suite-hook.test.ts",
      reason: "cannot launch /usr/bin/chromium (2 tests did not run)",
    });
    expect(r.failed).toBe(2);
  });

  it("counts a file with a failureMessage but no failed test, and failed tests once each", () => {
    const report = {
      testResults: [
        { name: "/repo/a.test.ts", status: "passed", failureMessage: "Error: import failed", assertionResults: [] },
        {
          name: "/repo/b.test.ts",
          status: "failed",
          message: "",
          assertionResults: [
            { fullName: "b one", status: "failed", failureMessages: ["AssertionError: x\n    at b.test.ts:1"] },
            { fullName: "b two", status: "failed", failureMessages: ["AssertionError: y"] },
            { fullName: "b three", status: "passed", failureMessages: [] },
          ],
        },
      ],
    };
    const r = countResults(report, { exitCode: 1, root: "/repo" });
    expect(r).toEqual({
      passed: 1,
      failed: 3,
      failures: [
        { file: "a.test.ts", reason: "Error: import failed" },
        { file: "b.test.ts", reason: "b one: AssertionError: x (+1 more)" },
      ],
    });
  });

  it("adds unhandled errors", () => {
    const report = { testResults: [{ name: "/repo/a.test.ts", status: "passed", message: "", assertionResults: [{ status: "passed" }] }] };
    const r = countResults(report, { exitCode: 1, errors: { fileErrors: {}, unhandledErrors: ["Error: boom\n at x"] } });
    expect(r.passed).toBe(1);
    expect(r.failed).toBe(1);
    expect(r.failures).toEqual([{ file: "(unhandled error)", reason: "Error: boom" }]);
  });

  it("fails when vitest exits non-zero with nothing failed, is killed, or writes no report", () => {
    const clean = { testResults: [{ name: "/repo/a.test.ts", status: "passed", message: "", assertionResults: [{ status: "passed" }] }] };
    expect(countResults(clean, { exitCode: 0 })).toEqual({ passed: 1, failed: 0, failures: [] });
    expect(countResults(clean, { exitCode: 1 }).failed).toBe(1);
    expect(countResults(clean, { exitCode: null, signal: "SIGKILL" }).failures[0].reason).toMatch(/killed by SIGKILL/);
    expect(countResults(null, { exitCode: 1 })).toMatchObject({ passed: 0, failed: 1 });
    expect(countResults({ garbage: true }, { exitCode: 0 }).failed).toBe(1);
  });
});

describe("firstLine", () => {
  it("is the first non-empty line, trimmed", () => {
    expect(firstLine("\n  Error: a  \nb")).toBe("Error: a");
    expect(firstLine(undefined)).toBe("");
  });
});
