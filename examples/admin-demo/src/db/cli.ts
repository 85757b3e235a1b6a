/**
 * What the demo's database commands (`seed-cli`, `query-report`) share: which file they work on,
 * and whether their module is the script node runs.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The demo database file used when none is given: `examples/admin-demo/demo.db`. */
export const DEFAULT_DATABASE_FILE = fileURLToPath(new URL("../../demo.db", import.meta.url));

/** The database a command works on: its `file` argument, else `$DEMO_DB`, else {@link DEFAULT_DATABASE_FILE}. */
export function databaseFile(arg: string | undefined): string {
  return arg ?? process.env.DEMO_DB ?? DEFAULT_DATABASE_FILE;
}

/**
 * True when the module at `moduleUrl` (pass its `import.meta.url`) is the script node was
 * started with, through any symlink; false when it is imported.
 */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
