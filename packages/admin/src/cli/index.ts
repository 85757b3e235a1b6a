/**
 * The `weft` command as a library: {@link runCli} runs it in-process (the `bin` calls it), and
 * {@link WeftCliConfig} types a `weft.config.js`.
 */
export { runCli, COMMANDS } from "./main.js";
export { loadConfig, CONFIG_FILE, type WeftCliConfig, type LoadedConfig } from "./config.js";
export { promptHidden, readPassword, type CliIO, type PasswordSources } from "./io.js";
export type { CliCommand, CliContext } from "./command.js";
export { redactUrl } from "./db.js";
