import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // tests load the packages' sources, so a test and the code under test share one copy of
    // every class (instanceof, module state); processes a test spawns run the built dist/
    alias: [
      { find: /^@weft\/server$/, replacement: src("./packages/server/src/index.ts") },
      { find: /^@weft\/server\/(pubsub|jobs|render|transport|testing)$/, replacement: src("./packages/server/src/$1/index.ts") },
      { find: /^@weft\/admin$/, replacement: src("./packages/admin/src/index.ts") },
      { find: /^@weft\/admin\/(auth|audit|checks|dashboard|jobs|migrate|query|testing)$/, replacement: src("./packages/admin/src/$1/index.ts") },
    ],
  },
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "e2e/**/*.test.ts",
      "scripts/test/**/*.test.ts",
      "bench/test/**/*.test.ts",
    ],
    // bounds, not waits: under two CPU hogs the e2e tests took up to 50 s of the old 60 s
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
