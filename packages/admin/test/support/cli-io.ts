/** The streams of an in-process `weft` command (`runCli(args, io)`), for tests. */
import { PassThrough } from "node:stream";
import type { CliIO } from "../../src/cli/index.js";

/**
 * `runCli`'s IO with `env`: stdin gets `input` and is closed (left open when no input is given),
 * stdout and stderr are collected; `text()` reads what they got so far.
 */
export function cliIO(env: Record<string, string | undefined> = {}, input?: string): { io: CliIO; text(): { stdout: string; stderr: string } } {
  const stdin = new PassThrough();
  if (input !== undefined) stdin.end(input);
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (c) => (stdout += String(c)));
  err.on("data", (c) => (stderr += String(c)));
  return { io: { env, stdin, stdout: out, stderr: err }, text: () => ({ stdout, stderr }) };
}
