// Finding PostgreSQL's programs and probing a port: plain JavaScript with no dependency, so
// that both the repository's scripts/ensure-tools.mjs (which runs before anything is built)
// and @weft/admin/testing (src/testing/postgres.ts, built) import the one copy.
// Types: postgres-bin.d.mts.
import { accessSync, constants, readdirSync } from "node:fs";
import { connect } from "node:net";
import { delimiter, join } from "node:path";

/** Whether `file` exists and this process may execute it. */
export function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH, or null. */
export function which(name, pathVar = process.env.PATH ?? "") {
  for (const dir of pathVar.split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** A directory holding both initdb and pg_ctl (on PATH, or Debian's /usr/lib/postgresql/<v>/bin), or null. */
export function findPostgresBin(pathVar = process.env.PATH ?? "", libDir = "/usr/lib/postgresql") {
  const initdb = which("initdb", pathVar);
  if (initdb && which("pg_ctl", pathVar)) return initdb.slice(0, -"/initdb".length);
  let versions = [];
  try {
    versions = readdirSync(libDir).sort((a, b) => Number(b) - Number(a) || b.localeCompare(a));
  } catch {
    return null;
  }
  for (const v of versions) {
    const bin = join(libDir, v, "bin");
    if (isExecutable(join(bin, "initdb")) && isExecutable(join(bin, "pg_ctl"))) return bin;
  }
  return null;
}

/** Whether something accepts TCP connections on host:port within timeoutMs. */
export function answers(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
