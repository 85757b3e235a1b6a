/**
 * The seeded demo database the peer, scale and workers benches share: seeded once into the
 * temp directory and kept between invocations (seeding takes ~30 s on the loaded machine).
 */
import { mkdirSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { ensureSeeded } from "@weft/admin-demo/dist/db/seed-cli.js";

/** Path of the seeded database (`$TMPDIR/weft-bench-peers/demo.db`), seeding it when missing. */
export function benchDatabase(): string {
  const dir = join(os.tmpdir(), "weft-bench-peers");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "demo.db");
  ensureSeeded(file, { quiet: true });
  return file;
}
