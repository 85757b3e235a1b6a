/**
 * What every `weft` subcommand shares: its streams, the usage error (exit code 2), the hidden
 * password prompt and where a password comes from.
 */
import { adminError, type WeftAdminError } from "../errors.js";

/** The streams and environment the CLI uses (injectable for tests). */
export interface CliIO {
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The process's own streams and environment. */
export function processIO(): CliIO {
  return { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/**
 * A usage error: `WEFT_ADMIN_ERR_CLI_USAGE`; the command prints it with the subcommand's usage
 * and exits with 2.
 */
export function usageError(message: string): WeftAdminError {
  return adminError("WEFT_ADMIN_ERR_CLI_USAGE", message);
}

/**
 * Reads a line from a terminal without echoing it.
 *
 * @param prompt - text shown before reading
 * @param io - the streams (stdin must be a TTY with `setRawMode`)
 * @returns the line typed, without the newline
 * @throws Error when the user presses Ctrl-C or Ctrl-D on an empty line, or the input ends
 */
export function promptHidden(prompt: string, io: Pick<CliIO, "stdin" | "stdout">): Promise<string> {
  const { stdin, stdout } = io;
  return new Promise((resolve, reject) => {
    let line = "";
    const done = (err: Error | null) => {
      stdin.removeListener("data", onData);
      stdin.removeListener("end", onEnd);
      stdin.setRawMode?.(false);
      stdin.pause();
      stdout.write("\n");
      if (err) reject(err);
      else resolve(line);
    };
    const onEnd = () => done(new Error("input ended"));
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ch === "\r" || ch === "\n") return done(null);
        if (ch === "\u0003") return done(new Error("interrupted"));
        if (ch === "\u0004") {
          if (!line) return done(new Error("input ended"));
          continue;
        }
        if (ch === "\u007f" || ch === "\b") line = line.slice(0, -1);
        else if (ch >= " ") line += ch;
      }
    };
    // raw (no echo) before the prompt shows: what is typed as soon as it appears is never echoed
    stdin.setRawMode?.(true);
    stdin.setEncoding?.("utf8");
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.resume();
    stdout.write(prompt);
  });
}

/** Reads all of stdin and returns its first line (without `\r\n`), as `docker login --password-stdin`. */
async function firstLineOfStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return text.split(/\r?\n/)[0] ?? "";
}

/** Where {@link readPassword} looks. */
export interface PasswordSources {
  /** `--password-stdin`: the first line of stdin */
  passwordStdin?: boolean | undefined;
  /** `--password` (visible in `ps` and shell history; kept for old scripts) */
  password?: string | undefined;
}

/**
 * The new password of `createsuperuser` / `changepassword`: the first line of stdin with
 * `--password-stdin`, else `--password`, else `$WEFT_PASSWORD`, else asked twice on the terminal
 * without echo (as Django's `getpass`).
 *
 * @returns a non-empty password
 * @throws WeftAdminError `WEFT_ADMIN_ERR_CLI_USAGE` when there is no source (not a terminal);
 *   Error when the two typed passwords differ, the password is empty or the prompt is interrupted
 */
export async function readPassword(src: PasswordSources, io: CliIO): Promise<string> {
  let password: string | undefined;
  if (src.passwordStdin) password = await firstLineOfStdin(io.stdin);
  else password = src.password ?? io.env.WEFT_PASSWORD;
  if (password === undefined) {
    if (!io.stdin.isTTY || !io.stdin.setRawMode) throw usageError("no password: pass --password-stdin (and pipe it in), set WEFT_PASSWORD, or run on a terminal to be asked");
    password = await promptHidden("Password: ", io);
    const again = await promptHidden("Password (again): ", io);
    if (password !== again) throw new Error("the two passwords differ");
  }
  if (!password) throw new Error("the password must not be empty");
  return password;
}
