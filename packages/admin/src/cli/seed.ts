/** `weft seed ARGS…`: runs the config file's `seed` (the demo's fills a shop with sample data). */
import { adminError } from "../errors.js";
import type { CliCommand } from "./command.js";

export const seedCommand: CliCommand = {
  name: "seed",
  summary: "fill the database with sample data (the config's seed)",
  usage: `usage: weft seed [ARGS…] [--config FILE]

Runs the seed function of the config file (weft.config.js, or --config FILE) with ARGS.
`,
  options: {},
  positionals: [0, Infinity],
  passThrough: true,
  async run({ io, positionals, loaded }) {
    const { config, file } = loaded;
    if (!config.seed) throw adminError("WEFT_ADMIN_ERR_CLI_CONFIG", `weft seed needs a config file whose default export has seed(argv) (${file ? `${file} has none` : "no weft.config.js here; pass --config FILE"})`);
    return config.seed(positionals, io);
  },
};
