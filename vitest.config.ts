import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { version as vitestVersion } from "vitest/node";

/**
 * vitest 4.0.8's forks pool gives a new fork 5 s to start and 10 s to answer its first
 * message, has no setting for either, and a start that times out never frees its slot in the
 * pool. On a loaded machine (two CPU hogs beside this suite) one such timeout failed the run
 * with "[vitest-pool]: Timeout starting forks runner"; two hung it for good (both slots gone,
 * the remaining files never scheduled). vitest 4.0.9 raised the limits to 90 s and 60 s
 * (vitest-dev/vitest#9027). Until this repository takes vitest >= 4.0.9, the vitest process's
 * two timers get those limits here (the 10 s one also bounds a worker's stop: 60 s then).
 * Nothing else is touched; remove this with the upgrade.
 */
function raisePoolStartTimeouts(): void {
  const limits: Array<[text: string, fromMs: number, toMs: number]> = [
    ["Timeout starting", 5_000, 90_000],
    ["Timeout waiting for worker to respond", 10_000, 60_000],
  ];
  const original = globalThis.setTimeout;
  if ((original as { weftRaised?: true }).weftRaised) return;
  const raised = function (this: unknown, handler: unknown, ms?: number, ...args: unknown[]) {
    if (typeof handler === "function") {
      const hit = limits.find(([text, fromMs]) => ms === fromMs && String(handler).includes(text));
      if (hit) ms = hit[2];
    }
    return (original as (...a: unknown[]) => unknown).call(this, handler, ms, ...args);
  };
  globalThis.setTimeout = Object.assign(raised, original, { weftRaised: true }) as unknown as typeof setTimeout;
}
if (vitestVersion === "4.0.8") raisePoolStartTimeouts();

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // tests load the packages' sources, so a test and the code under test share one copy of
    // every class (instanceof, module state); processes a test spawns run the built dist/
    alias: [
      { find: /^@weft\/server$/, replacement: src("./packages/server/src/index.ts") },
      { find: /^@weft\/server\/(pubsub|jobs|render|transport|testing)$/, replacement: src("./packages/server/src/$1/index.ts") },
      { find: /^@weft\/admin$/, replacement: src("./packages/admin/src/index.ts") },
      { find: /^@weft\/admin\/(auth|audit|checks|dashboard|jobs|query)$/, replacement: src("./packages/admin/src/$1/index.ts") },
    ],
  },
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "e2e/**/*.test.ts",
      "scripts/test/**/*.test.ts",
    ],
    // bounds, not waits: under two CPU hogs the e2e tests took up to 50 s of the old 60 s
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
