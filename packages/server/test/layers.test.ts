// @weft/server reads top-down (docs/architecture.md): protocol (@weft/client) ← render/ ← live/ ←
// transport/, with pubsub/ and jobs/ beside them and testing/ on top. No folder imports a folder
// that imports it back, and no folder imports one it is not allowed to.
import { describeLayers } from "./support/folder-layers.js";

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

describeLayers("@weft/server import graph", {
  src: new URL("../src/", import.meta.url),
  // a file's folder below src/ ("(root)/<file>" for index.ts and errors.ts)
  node: (parts) => (parts.length > 1 ? parts[0]! : `(root)/${parts[0]}`),
  allowed: ALLOWED,
  minFiles: 20,
  rule: "every folder imports only the folders below it",
});
