// A vitest reporter used by scripts/test.mjs next to the JSON reporter. It writes what the
// JSON report leaves out, to the file named by WEFT_VITEST_ERRORS_FILE:
//   fileErrors: file path -> messages of errors on the file or on a describe block
//               (a describe-level beforeAll that throws leaves the JSON's message empty)
//   unhandledErrors: messages of the errors vitest caught outside any test
import { writeFileSync } from "node:fs";

function messageOf(error) {
  if (!error) return "";
  const name = error.name && error.name !== "Error" ? `${error.name}: ` : "";
  return `${name}${error.message ?? String(error)}`;
}

// errors on a file or describe block and on the describe blocks inside it; not on tests
// (a failed test is counted, with its message, from the JSON report)
function collect(suite, out) {
  for (const e of suite.result?.errors ?? []) out.push(messageOf(e));
  for (const t of suite.tasks ?? []) if (t.type === "suite") collect(t, out);
}

export default class WeftErrorsReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    const file = process.env.WEFT_VITEST_ERRORS_FILE;
    if (!file) return;
    const fileErrors = {};
    for (const m of testModules) {
      const out = [];
      collect(m.task, out);
      if (out.length) fileErrors[m.task.filepath] = out;
    }
    writeFileSync(file, JSON.stringify({ fileErrors, unhandledErrors: [...unhandledErrors].map(messageOf) }));
  }
}
