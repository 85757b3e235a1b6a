/**
 * The `weft` command's config file: a JavaScript module (default `./weft.config.js`, or
 * `--config FILE`, or `$WEFT_CONFIG`) whose default export says where the admin's database is,
 * how to build the site for `weft check`, and what `weft seed` runs.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { CheckOptions } from "../checks/index.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { adminError } from "../errors.js";
import type { CliIO } from "./io.js";

/**
 * The default export of `weft.config.js`.
 *
 * @example
 * // weft.config.js
 * import { buildSite } from "./dist/admin.js";
 * export default { db: "shop.db", site: () => buildSite("shop.db"), seed: (argv) => seed(argv) };
 */
export interface WeftCliConfig {
  /** the SQLite file holding the `weft_*` tables (relative to the config file); `--db` wins over it */
  db?: string;
  /** builds the admin site, with every model registered (`weft check` needs it) */
  site?: () => AdminSiteLike | Promise<AdminSiteLike>;
  /** how `weft check` runs the checks: workers, channel layer, silenced ids (default: one worker, in-memory) */
  checks?: CheckOptions | (() => CheckOptions | Promise<CheckOptions>);
  /** `weft seed ARGS…`: fills the database with sample data; returns the exit code */
  seed?: (argv: string[], io: CliIO) => number | Promise<number>;
  /** printed by `weft seed --help` under weft's own usage (the seed's options) */
  seedUsage?: string;
}

/** A loaded config and the file it came from (null: no config file). */
export interface LoadedConfig {
  config: WeftCliConfig;
  file: string | null;
}

/** The config file's name looked for in the working directory. */
export const CONFIG_FILE = "weft.config.js";

/**
 * Loads the config: `explicit` (from `--config`), else `$WEFT_CONFIG`, else `./weft.config.js`
 * when it exists, else an empty config. `db` is resolved against the config file's folder.
 *
 * @param explicit - the `--config` value, if any
 * @param io - the environment (`WEFT_CONFIG`)
 * @param cwd - the working directory (default `process.cwd()`)
 * @throws WeftAdminError `WEFT_ADMIN_ERR_CLI_CONFIG` when a named file is missing, fails to
 *   import, or does not default-export an object
 */
export async function loadConfig(explicit: string | undefined, io: CliIO, cwd = process.cwd()): Promise<LoadedConfig> {
  const named = explicit ?? io.env.WEFT_CONFIG;
  const file = named ? resolve(cwd, named) : resolve(cwd, CONFIG_FILE);
  if (!existsSync(file)) {
    if (named) throw adminError("WEFT_ADMIN_ERR_CLI_CONFIG", `config file ${file} does not exist`);
    return { config: {}, file: null };
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (err) {
    throw adminError("WEFT_ADMIN_ERR_CLI_CONFIG", `config file ${file} failed to load: ${(err as Error).message}`, { cause: err });
  }
  const config = mod.default;
  if (!config || typeof config !== "object") throw adminError("WEFT_ADMIN_ERR_CLI_CONFIG", `config file ${file} must default-export an object ({ db, site, checks, seed })`);
  const c = config as WeftCliConfig;
  if (c.db !== undefined && typeof c.db !== "string") throw adminError("WEFT_ADMIN_ERR_CLI_CONFIG", `config file ${file}: db must be a file path`);
  return { config: { ...c, ...(c.db ? { db: resolve(file, "..", c.db) } : {}) }, file };
}
