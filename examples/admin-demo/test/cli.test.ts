/**
 * The demo's command lines as a user runs them (built dist/, `pnpm build` first): `main.js
 * --help` answers instead of refusing, and `weft` in the demo's folder picks up its
 * weft.config.js (seed, check, createsuperuser, tokens) on the file `DEMO_DB` names.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { runProcess, type ProcessRun } from "../../../packages/server/test/support/run-process.js";

const DEMO = fileURLToPath(new URL("..", import.meta.url));
const MAIN = join(DEMO, "dist/main.js");
const WEFT = join(DEMO, "node_modules/.bin/weft");
const dir = mkdtempSync(join(tmpdir(), "weft-demo-cli-"));
const dbFile = join(dir, "demo.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[], input = ""): Promise<ProcessRun> {
  const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: "", DEMO_DB: dbFile };
  delete env.WEFT_CONFIG;
  delete env.WEFT_PASSWORD;
  return runProcess(cmd, args, { cwd: DEMO, env, input });
}

describe("the demo's commands", () => {
  it("main.js --help prints the usage and exits 0; an unknown option is still exit 2", async () => {
    const help = await run(process.execPath, [MAIN, "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: main.js [serve|check] [--workers N]");
    expect(help.stdout).toContain("pnpm weft --help");
    const bad = await run(process.execPath, [MAIN, "--nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("usage: main.js");
  });

  it("weft seed, check, createsuperuser and tokens work on DEMO_DB through weft.config.js", async () => {
    const help = await run(WEFT, ["seed", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--customers N");
    const seeded = await run(WEFT, ["seed", "--customers", "3", "--products", "3", "--orders", "5", "--tickets", "1"]);
    expect(seeded, seeded.stderr).toMatchObject({ code: 0 });
    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.prepare("select count(*) as n from orders").get()).toEqual({ n: 5 });
    } finally {
      db.close();
    }
    // before `weft migrate` the ModelAdmins' trigram search indexes are missing: check says so
    const early = await run(WEFT, ["check"]);
    expect(early.code).not.toBe(0);
    expect(early.stderr + early.stdout).toContain("weft.E004");
    const migrated = await run(WEFT, ["migrate"]);
    expect(migrated, migrated.stderr).toMatchObject({ code: 0 });
    const check = await run(WEFT, ["check"]);
    expect(check, check.stderr).toMatchObject({ code: 0 });
    expect(check.stdout).toContain("System check identified no issues.");
    // several workers on the in-memory layer: the demo's progress actions are errors (weft.E003)
    const two = await run(WEFT, ["check", "--workers", "2"]);
    expect(two.code).toBe(1);
    expect(two.stderr).toContain("(weft.E003)");
    expect((await run(WEFT, ["createsuperuser", "--username", "ops", "--password-stdin"], "ops-pass\n")).code).toBe(0);
    const token = await run(WEFT, ["tokens", "create", "--username", "ops", "--name", "ci"]);
    expect(token.stdout).toMatch(/^weft_\S{43}\n$/);
    expect((await run(WEFT, ["tokens", "list"])).stdout).toMatch(/\n\d+\tops\tci\t/);
  });
});
