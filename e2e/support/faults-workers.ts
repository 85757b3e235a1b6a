// Demo worker processes for the fault tests: `node examples/admin-demo/dist/main.js` on free
// ports, all on one SQLite file and one Redis (the fault tests and the multi-worker jobs test).
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "@weft/server/testing";
import { MAIN, STOP_GRACE_MS } from "./demo.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Worker {
  name: string;
  url: string;
  proc: ChildProcess;
  output(): string;
  /** resolves when the process has exited */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** true while the process runs */
  alive(): boolean;
}

const procs = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of procs) p.kill("SIGKILL");
});

/**
 * Starts a demo worker; resolves once it printed its "Weft demo:" line.
 * @param cwd - its working directory (default the repository; a machine of its own: an empty temp dir)
 * @param args - main.js's arguments (e.g. `--workers 2 --job-workers 2`: a cluster, whose primary prints the line once its web workers listen)
 */
export async function startWorker(name: string, dbFile: string, redisUrl: string, env: Record<string, string> = {}, cwd = ROOT, args: string[] = []): Promise<Worker> {
  const port = await freePort();
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: "", // SQLite (DEMO_DB) unless `env` says otherwise, even when the tests run with DATABASE_URL set
    PORT: String(port),
    HOST: "127.0.0.1",
    DEMO_DB: dbFile,
    REDIS_URL: redisUrl,
    SIMULATE_MS: "0",
    LOG_LEVEL: "warn",
    STOP_GRACE_MS: "60000", // a bound for a loaded machine, not a wait
    ...env,
  };
  delete e.WEFT_SECRET; // every worker reads <DEMO_DB>.secret: the first one writes it
  delete e.WORKERS;
  const proc = spawn(process.execPath, [MAIN, ...args], { cwd, env: e, stdio: ["ignore", "pipe", "pipe"] });
  procs.add(proc);
  let out = "";
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => {
      running = false;
      procs.delete(proc);
      resolve({ code, signal });
    }),
  );
  proc.stdout!.on("data", (d: Buffer) => void (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => void (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error("no \"Weft demo:\" line within 60 s")), 60_000);
    const poll = setInterval(() => {
      if (out.includes("Weft demo:")) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      }
    }, 20);
    const fail = (err: Error) => {
      clearTimeout(timer);
      clearInterval(poll);
      proc.kill("SIGKILL");
      reject(new Error(`${name}: ${err.message}\n--- output ---\n${out}`));
    };
    void exited.then(({ code, signal }) => running || fail(new Error(`exited (code ${code}, signal ${signal}) before listening`)));
  });
  return { name, url: `http://127.0.0.1:${port}`, proc, output: () => out, exited, alive: () => running };
}

/** SIGTERM (SIGKILL after {@link STOP_GRACE_MS}, a bound); no-op when it already exited. */
export async function stopWorker(w: Worker | undefined): Promise<void> {
  if (!w || !w.alive()) return;
  w.proc.kill("SIGTERM");
  const timer = setTimeout(() => w.proc.kill("SIGKILL"), STOP_GRACE_MS);
  await w.exited;
  clearTimeout(timer);
}
