/** Runs a command to its end in a test, as a user runs it in a shell. */
import { spawn } from "node:child_process";

/** What {@link runProcess} saw. */
export interface ProcessRun {
  /** the exit code (null when a signal ended it) */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cmd args` in `o.cwd` with exactly the environment `o.env` (the caller spreads
 * `process.env` and deletes what must not leak in), writes `o.input` (default nothing) to its
 * stdin and closes it; resolves when it has exited and its output is read.
 * @throws rejects when the command cannot be started (e.g. ENOENT)
 */
export function runProcess(cmd: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += String(d)));
    child.stderr.on("data", (d: Buffer) => (stderr += String(d)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(o.input ?? "");
  });
}
