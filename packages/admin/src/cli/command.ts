/**
 * The shape of one `weft` subcommand (one file each in `cli/`), and the context it runs in.
 */
import type { ParseArgsConfig } from "node:util";
import type { LoadedConfig } from "./config.js";
import type { CliIO } from "./io.js";

/** The options every subcommand takes besides its own. */
export const COMMON_OPTIONS = {
  db: { type: "string" },
  config: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

/** What a subcommand's `run` gets. */
export interface CliContext {
  io: CliIO;
  /** the parsed options (strings and booleans by name) */
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** the loaded config file (an empty config when there is none) */
  loaded: LoadedConfig;
  /** `--db`, else the config's `db` */
  dbFile: string | undefined;
}

/** One subcommand. */
export interface CliCommand {
  name: string;
  /** one line for `weft --help` */
  summary: string;
  /** the full `weft NAME --help` text */
  usage: string;
  /** its own options (besides {@link COMMON_OPTIONS}) */
  options: NonNullable<ParseArgsConfig["options"]>;
  /** how many positionals it takes: [min, max] */
  positionals: [number, number];
  /** pass the arguments through unparsed (`seed` hands them to the config's seed) */
  passThrough?: boolean;
  /**
   * @returns the exit code (0 ok, 1 failure)
   * @throws WeftAdminError `WEFT_ADMIN_ERR_CLI_USAGE` (exit 2) or any error (exit 1)
   */
  run(ctx: CliContext): Promise<number>;
}
