// Makes sure the programs the tests start are installed, before scripts/test.mjs runs
// vitest, so the README's test command works on a fresh Debian machine:
//   /usr/bin/chromium          the e2e tests drive Debian's Chromium (playwright-core)
//   redis-server               the multi-worker and fault tests start their own Redis
//   initdb, pg_ctl             the PostgreSQL tests start their own server; only needed when
//                              no server answers on 127.0.0.1:5432 and neither PGHOST nor
//                              DATABASE_URL is set
// When something is missing: as root with apt-get, installs it (apt-get update once, then
// one apt-get install); otherwise stops with exit code 1 and the command to run.
// WEFT_NO_INSTALL=1 never installs: it reports what is missing and carries on.
//
// Also runnable alone: node scripts/ensure-tools.mjs
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
// the one copy of these, shared with @weft/admin/testing's private PostgreSQL cluster
import { answers, findPostgresBin, isExecutable, which } from "../packages/admin/tools/postgres-bin.mjs";

export { answers, findPostgresBin, which };

export const TOOLS = [
  { name: "chromium", pkg: "chromium", why: "the browser tests launch /usr/bin/chromium" },
  { name: "redis-server", pkg: "redis-server", why: "the multi-worker tests start redis-server" },
  { name: "postgresql", pkg: "postgresql", why: "the PostgreSQL tests start a server with initdb/pg_ctl" },
];

/**
 * What to do, from what was found. Pure, so it is unit-tested without apt-get.
 * @param {{ has: Record<string, boolean>, isRoot: boolean, hasApt: boolean, noInstall?: boolean }} s
 * @returns {{ action: "none" } |
 *           { action: "install", packages: string[], tools: typeof TOOLS } |
 *           { action: "report" | "stop", packages: string[], tools: typeof TOOLS, message: string }}
 */
export function plan({ has, isRoot, hasApt, noInstall = false }) {
  const tools = TOOLS.filter((t) => !has[t.name]);
  if (tools.length === 0) return { action: "none" };
  const packages = tools.map((t) => t.pkg);
  const command = `sudo apt-get install ${packages.join(" ")}`;
  const missing = tools.map((t) => `  ${t.name}: ${t.why}`).join("\n");
  if (noInstall) {
    return {
      action: "report",
      packages,
      tools,
      message:
        `ensure-tools: missing (WEFT_NO_INSTALL is set, so not installing; the tests that need them will fail):\n` +
        `${missing}\nTo install them: ${command}`,
    };
  }
  if (isRoot && hasApt) return { action: "install", packages, tools };
  const why = hasApt ? "not running as root" : "no apt-get on this machine";
  return {
    action: "stop",
    packages,
    tools,
    message:
      `ensure-tools: the tests need programs that are not installed (${why}, so not installing them):\n` +
      `${missing}\nInstall them, then run the tests again:\n  ${command}\n` +
      `(WEFT_NO_INSTALL=1 runs the tests without them; those that need them fail.)`,
  };
}

/**
 * What {@link probe} finds: each tool of {@link TOOLS} by name → found, and whether apt-get may run.
 * @typedef {{ has: Record<string, boolean>, isRoot: boolean, hasApt: boolean }} Found
 */

/**
 * Looks at this machine.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<Found>}
 */
export async function probe(env = process.env) {
  const pathVar = env.PATH ?? "";
  const postgresElsewhere = Boolean(env.PGHOST || env.DATABASE_URL) || (await answers("127.0.0.1", 5432));
  return {
    has: {
      chromium: isExecutable("/usr/bin/chromium"),
      "redis-server": which("redis-server", pathVar) !== null,
      postgresql: postgresElsewhere || findPostgresBin(pathVar) !== null,
    },
    isRoot: typeof process.getuid === "function" && process.getuid() === 0,
    hasApt: which("apt-get", pathVar) !== null,
  };
}

/** Runs a command with no stdin, capturing its output (printed only if it fails). */
export function runCommand(cmd, args, env) {
  const r = spawnSync(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  return { status: r.error ? -1 : r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}` };
}

function isSet(v) {
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/**
 * Checks, installs if it may, and says what it did. Returns the exit code: 0 to go on
 * with the tests, 1 to stop. probe/run/log/warn are parameters so tests can fake them.
 * @param {{
 *   env?: NodeJS.ProcessEnv,
 *   probe?(env: NodeJS.ProcessEnv): Promise<Found>,
 *   run?(cmd: string, args: string[], env: NodeJS.ProcessEnv): { status: number | null, output: string },
 *   log?(line: string): void,
 *   warn?(line: string): void,
 * }} [options]
 * @returns {Promise<0 | 1>}
 */
export async function ensureTools({
  env = process.env,
  probe: look = probe,
  run = runCommand,
  log = (line) => console.log(line),
  warn = (line) => console.error(line),
} = {}) {
  const found = await look(env);
  const p = plan({ ...found, noInstall: isSet(env.WEFT_NO_INSTALL) });
  if (p.action === "none") return 0;
  if (p.action === "report") {
    warn(p.message);
    return 0;
  }
  if (p.action === "stop") {
    warn(p.message);
    return 1;
  }

  for (const t of p.tools) log(`ensure-tools: installing ${t.pkg} with apt-get (${t.why})`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  const steps = [
    ["update", "-qq"],
    ["install", "-y", "-qq", "--no-install-recommends", ...p.packages],
  ];
  for (const args of steps) {
    const r = run("apt-get", args, aptEnv);
    if (r.status !== 0) {
      if (r.output.trim()) warn(r.output.trimEnd());
      warn(`ensure-tools: apt-get ${args.join(" ")} failed (exit ${r.status}); install by hand: sudo apt-get install ${p.packages.join(" ")}`);
      return 1;
    }
  }
  const after = await look(env);
  const still = p.tools.filter((t) => !after.has[t.name]);
  if (still.length > 0) {
    warn(`ensure-tools: apt-get installed ${p.packages.join(" ")} but still missing: ${still.map((t) => t.name).join(", ")}`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await ensureTools();
}
