/**
 * The `weft` command (run by `bin/weft.js`, the `bin` of `@weft/admin`), as Django's `manage.py`:
 *
 *     weft [--config FILE] COMMAND [OPTIONS]      weft COMMAND --help
 *
 * One file per subcommand in this folder. Exit codes: 0 success, 1 failure (message on
 * stderr), 2 bad usage (message and the subcommand's usage on stderr).
 */
import { parseArgs } from "node:util";
import { WeftAdminError } from "../errors.js";
import { changepasswordCommand } from "./changepassword.js";
import { checkCommand } from "./check.js";
import { COMMON_OPTIONS, type CliCommand } from "./command.js";
import { loadConfig } from "./config.js";
import { createsuperuserCommand } from "./createsuperuser.js";
import { processIO, usageError, type CliIO } from "./io.js";
import { migrateCommand } from "./migrate.js";
import { seedCommand } from "./seed.js";
import { tokensCommand } from "./tokens.js";
import { workerCommand } from "./worker.js";

/** Every subcommand, in the order `weft --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [migrateCommand, createsuperuserCommand, changepasswordCommand, tokensCommand, checkCommand, seedCommand, workerCommand];

const USAGE = `usage: weft [--config FILE] COMMAND [OPTIONS]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(18)}${c.summary}`).join("\n")}

Every command takes --help. The database is PostgreSQL when DATABASE_URL=postgres://… is
set, else the SQLite file of --db FILE, else the "db" of the config file (./weft.config.js,
$WEFT_CONFIG or --config FILE), which may also export site() for "weft check" and "weft
worker" and seed(argv) for "weft seed". Every command applies the admin's pending
migrations to its database; your tables' migrations are yours.

Exit codes: 0 success, 1 failure, 2 bad usage.
`;

/** Splits `--config X` / `--config=X` out of `args` (they may appear anywhere). */
function takeConfig(args: string[]): { config: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let config: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--config") {
      config = args[++i];
      if (config === undefined) throw usageError("--config needs a file");
    } else if (a.startsWith("--config=")) config = a.slice("--config=".length);
    else rest.push(a);
  }
  return { config, rest };
}

/**
 * Runs the `weft` command line.
 *
 * @param argv - the arguments after the script (e.g. `["tokens", "list", "--db", "x.db"]`)
 * @param io - streams and environment (default: the process's)
 * @param cwd - where `weft.config.js` is looked for (default: `process.cwd()`)
 * @returns the exit code: 0 on success, 1 on a failure (message on stderr), 2 on bad usage
 */
export async function runCli(argv: string[], io: CliIO = processIO(), cwd = process.cwd()): Promise<number> {
  let command: CliCommand | undefined;
  try {
    const { config: configFile, rest } = takeConfig(argv);
    const name = rest[0];
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      const topic = name === "help" ? COMMANDS.find((c) => c.name === rest[1]) : undefined;
      (name === undefined ? io.stderr : io.stdout).write(topic ? topic.usage : USAGE);
      return name === undefined ? 2 : 0;
    }
    command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      io.stderr.write(`weft: unknown command "${name}"\n${USAGE}`);
      return 2;
    }
    const args = rest.slice(1);
    const loaded = await loadConfig(configFile, io, cwd);
    if (command.passThrough) {
      if (args.includes("--help") || args.includes("-h")) {
        io.stdout.write(command.usage + (loaded.config.seedUsage ? `\n${loaded.config.seedUsage.trimEnd()}\n` : ""));
        return 0;
      }
      return await command.run({ io, values: {}, positionals: args, loaded, dbFile: loaded.config.db });
    }
    const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { ...COMMON_OPTIONS, ...command.options } });
    if (values.help) {
      io.stdout.write(command.usage);
      return 0;
    }
    const [min, max] = command.positionals;
    if (positionals.length < min || positionals.length > max) {
      throw usageError(max === 0 ? `weft ${command.name} takes no positional argument (got "${positionals.join(" ")}")` : `weft ${command.name} takes ${min === max ? min : `${min} to ${max}`} positional argument${max === 1 ? "" : "s"}, got ${positionals.length}`);
    }
    const dbFile = (values.db as string | undefined) ?? loaded.config.db;
    return await command.run({ io, values: values as Record<string, string | boolean | undefined>, positionals, loaded, dbFile });
  } catch (err) {
    const usage = (err instanceof WeftAdminError && err.code === "WEFT_ADMIN_ERR_CLI_USAGE") || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    io.stderr.write(`weft${command ? ` ${command.name}` : ""}: ${usage ? "" : "error: "}${(err as Error).message}\n`);
    if (usage) io.stderr.write(command ? command.usage : USAGE);
    return usage ? 2 : 1;
  }
}
