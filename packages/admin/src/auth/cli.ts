#!/usr/bin/env node
/**
 * `createsuperuser`, as Django's `manage.py createsuperuser`:
 *
 *     weft createsuperuser --db file.db --username u [--email e]
 *          [--password p | WEFT_PASSWORD=p | prompted twice on a terminal]
 *
 * The admin tables are created in the database file when missing.
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type Database from "better-sqlite3";
import type { Argon2Params } from "./passwords.js";
import { ensureAdminTables, type AdminDb } from "./schema.js";
import { UserStore, type AdminUser } from "./users.js";
import { adminError } from "../errors.js";

/** What {@link createSuperuser} takes. */
export interface CreateSuperuserInput {
  /** a drizzle handle on a database that has the `weft_*` tables */
  db: AdminDb;
  username: string;
  /** default "" */
  email?: string;
  password: string;
  /** argon2id parameters (default: passwords.ts's `DEFAULT_ARGON2`) */
  hashing?: Argon2Params;
}

/**
 * Creates an active staff superuser, as Django's `UserManager.create_superuser`.
 *
 * @param input - see {@link CreateSuperuserInput}
 * @returns the new user
 * @throws UserStoreError when the username is invalid or taken; WeftAdminError `WEFT_ADMIN_ERR_EMPTY_PASSWORD` when the password is empty
 */
export async function createSuperuser(input: CreateSuperuserInput): Promise<AdminUser> {
  if (!input.password) throw adminError("WEFT_ADMIN_ERR_EMPTY_PASSWORD", "the password must not be empty: pass --password, set WEFT_PASSWORD, or type one at the prompt");
  const users = new UserStore(input.db, input.hashing ? { hashing: input.hashing } : {});
  return users.createUser({ username: input.username, email: input.email ?? "", password: input.password, isStaff: true, isSuperuser: true });
}

/** The streams and environment the CLI uses (injectable for tests). */
export interface CliIO {
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `usage: weft createsuperuser --db FILE --username NAME [--email EMAIL] [--password PASSWORD]

The password comes from --password, else the WEFT_PASSWORD environment variable, else it is
asked twice on the terminal. (--password is visible to other local users and in shell history.)
`;

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
  stdout.write(prompt);
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
    stdin.setRawMode?.(true);
    stdin.setEncoding?.("utf8");
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.resume();
  });
}

/**
 * Runs the command line.
 *
 * @param argv - arguments after the script (e.g. `["createsuperuser", "--db", "x.db", …]`)
 * @param io - streams and environment (default: the process's)
 * @returns the exit code: 0 on success, 1 on a failure (message on stderr), 2 on bad usage
 */
export async function runCli(argv: string[], io: CliIO = { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        db: { type: "string" },
        username: { type: "string" },
        email: { type: "string" },
        password: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals[0] !== "createsuperuser" || positionals.length !== 1 || !values.db || !values.username) {
    io.stderr.write(USAGE);
    return 2;
  }
  let password = values.password ?? io.env.WEFT_PASSWORD;
  if (password === undefined) {
    if (!io.stdin.isTTY || !io.stdin.setRawMode) {
      io.stderr.write("no password: pass --password, set WEFT_PASSWORD, or run on a terminal to be asked\n");
      return 2;
    }
    try {
      password = await promptHidden("Password: ", io);
      const again = await promptHidden("Password (again): ", io);
      if (password !== again) {
        io.stderr.write("error: the two passwords differ\n");
        return 1;
      }
    } catch (err) {
      io.stderr.write(`error: ${(err as Error).message}\n`);
      return 1;
    }
  }
  if (!password) {
    io.stderr.write("error: the password must not be empty\n");
    return 1;
  }
  let sqlite: Database.Database | undefined;
  try {
    // loaded here so that importing this module (for createSuperuser) does not load the native driver
    const { default: Sqlite } = await import("better-sqlite3");
    const { drizzle } = await import("drizzle-orm/better-sqlite3");
    sqlite = new Sqlite(values.db);
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    ensureAdminTables(sqlite);
    const user = await createSuperuser({ db: drizzle(sqlite), username: values.username, email: values.email ?? "", password });
    io.stdout.write(`Superuser "${user.username}" created (id ${user.id}).\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  } finally {
    sqlite?.close();
  }
}

function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  process.exitCode = await runCli(process.argv.slice(2));
}
