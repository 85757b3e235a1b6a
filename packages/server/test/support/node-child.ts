/** Spawns test/support/child-main.ts in a separate Node process (TypeScript run through ts-register.mjs). */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { waitFor } from "./wait.js";

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

export interface Child {
  proc: ChildProcess;
  /** JSON lines printed by the child so far. */
  messages: Array<Record<string, unknown>>;
  /** Waits (bounded) for a printed message matching `pred`. */
  next(pred: (m: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends `signal` and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * The JSON lines `proc` prints on its stdout, parsed as they arrive (the array fills as they
 * come); a line that is not JSON goes to our stderr prefixed with `[label]`.
 */
export function jsonLines(proc: ChildProcess, label: string): Array<Record<string, unknown>> {
  const messages: Array<Record<string, unknown>> = [];
  let buf = "";
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        messages.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        process.stderr.write(`[${label}] ${line}\n`);
      }
    }
  });
  return messages;
}

/** Starts `child-main.ts <role> <json config>`; its stderr goes to ours. */
export function spawnChild(role: string, config: Record<string, unknown>): Child {
  const proc = spawn(
    process.execPath,
    ["--import", pathToFileURL(here("./ts-register.mjs")).href, here("./child-main.ts"), role, JSON.stringify(config)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const messages = jsonLines(proc, `child ${role}`);
  const onExit = () => proc.kill("SIGKILL");
  process.on("exit", onExit);
  proc.once("exit", () => process.off("exit", onExit));
  return {
    proc,
    messages,
    next: (pred, what, timeoutMs = 30_000) => waitFor(() => messages.find(pred), `child ${role}: ${what}`, timeoutMs),
    kill: (signal = "SIGTERM") =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill(signal);
      }),
  };
}
