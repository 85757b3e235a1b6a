/**
 * The `weft` command as a user runs it: the real bin of @weft/admin (`bin/weft.js`, which runs `dist/cli/main.js`; from
 * package.json's "bin"; `pnpm build` first) spawned with node, on a real SQLite file: exit
 * codes, `--help` of every subcommand, createsuperuser then a real login, tokens
 * create / list / revoke (and the token against the API), changepassword, check and seed
 * through a config file, and each refusal.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { COMMANDS, redactUrl } from "../src/cli/index.js";
import { login, startAdmin, submitLogin, Jar } from "./support.js";
import { runProcess, type ProcessRun } from "../../server/test/support/run-process.js";

const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(pkgDir, (JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { bin: { weft: string } }).bin.weft);
// inside the package, so that a config file resolves drizzle-orm and better-sqlite3 as an app's would
const dir = mkdtempSync(join(pkgDir, ".cli-test-"));
const dbFile = join(dir, "shop.db");

/** Runs the bin with `args` in `dir` (stdin: `input`, then closed); resolves when it exits. */
function weft(args: string[], o: { input?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<ProcessRun> {
  const env: Record<string, string | undefined> = { ...process.env, ...o.env };
  if (!o.env?.WEFT_PASSWORD) delete env.WEFT_PASSWORD;
  if (!o.env?.WEFT_CONFIG) delete env.WEFT_CONFIG;
  // the SQLite file of --db / the config, even when the tests run with DATABASE_URL set (cli-pg.test.ts covers PostgreSQL)
  if (!o.env?.DATABASE_URL) delete env.DATABASE_URL;
  return runProcess(process.execPath, [BIN, ...args], { cwd: o.cwd ?? dir, env, input: o.input });
}

let app: FastifyInstance;
let base = "";
let sqlite: Database.Database;

beforeAll(async () => {
  const r = await weft(["createsuperuser", "--db", dbFile, "--username", "root", "--email", "root@example.com", "--password-stdin"], { input: "root-pass\n" });
  expect(r, r.stderr).toMatchObject({ code: 0 });
  expect(r.stdout).toMatch(/Superuser "root" created \(id \d+\)/);
  sqlite = new Database(dbFile);
  const site = new AdminSite({ db: drizzle(sqlite), sqlite, title: "CLI" });
  ({ app, base } = await startAdmin(site));
});
afterAll(async () => {
  await app?.close();
  sqlite?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("redactUrl", () => {
  it("hides a URL's password for messages, and says when the text is no URL", () => {
    expect(redactUrl("postgres://app:s3cret@db.example:5432/shop")).toBe("postgres://app:***@db.example:5432/shop");
    expect(redactUrl("redis://127.0.0.1:6379/0")).toBe("redis://127.0.0.1:6379/0");
    expect(redactUrl("not a url")).toBe("(unparsable URL)");
  });
});

describe("weft --help", () => {
  it("lists every subcommand, and each answers --help with its own usage and exit 0", async () => {
    const top = await weft(["--help"]);
    expect(top.code).toBe(0);
    for (const c of COMMANDS) expect(top.stdout).toContain(`  ${c.name} `);
    expect(COMMANDS.map((c) => c.name)).toEqual(["migrate", "createsuperuser", "changepassword", "tokens", "check", "seed", "worker"]);
    for (const c of COMMANDS) {
      const r = await weft([c.name, "--help"]);
      expect(r.code, c.name).toBe(0);
      expect(r.stdout, c.name).toContain(`usage: weft ${c.name}`);
      expect(await weft(["help", c.name])).toMatchObject({ code: 0, stdout: r.stdout });
    }
  });

  it("refuses bad usage with exit 2 and the usage on stderr", async () => {
    const none = await weft([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("usage: weft");
    const unknown = await weft(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const option = await weft(["createsuperuser", "--db", dbFile, "--username", "x", "--nope"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/--nope/);
    expect(option.stderr).toContain("usage: weft createsuperuser");
    const noUser = await weft(["createsuperuser", "--db", dbFile, "--password-stdin"], { input: "pw\n" });
    expect(noUser).toMatchObject({ code: 2 });
    expect(noUser.stderr).toContain("--username is required");
    const noDb = await weft(["tokens", "list"]);
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toContain("no database");
    const extra = await weft(["check", "extra"]);
    expect(extra.code).toBe(2);
    expect((await weft(["tokens", "delete", "--db", dbFile])).code).toBe(2);
    const badId = await weft(["tokens", "revoke", "x1", "--db", dbFile]);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain("needs a token id");
    expect((await weft(["tokens", "create", "--username", "root", "--db", dbFile])).stderr).toContain("--name LABEL");
    expect((await weft(["--config"])).code).toBe(2);
  });

  it("without a terminal and without --password-stdin, asks for a password source (exit 2) and creates nothing", async () => {
    const r = await weft(["createsuperuser", "--db", dbFile, "--username", "nopw"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--password-stdin");
    const empty = await weft(["createsuperuser", "--db", dbFile, "--username", "nopw", "--password-stdin"], { input: "\n" });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("must not be empty");
    expect(sqlite.prepare("select count(*) as n from weft_users where username = 'nopw'").get()).toEqual({ n: 0 });
  });
});

describe("createsuperuser and changepassword", () => {
  it("the created superuser logs in through the real login form; a wrong password does not", async () => {
    await login(base, "root", { password: "root-pass" });
    const wrong = await submitLogin(new Jar(base), "root", "not-it");
    expect(wrong.status).not.toBe(302);
  });

  it("refuses a taken or invalid username with exit 1", async () => {
    const taken = await weft(["createsuperuser", "--db", dbFile, "--username", "root", "--password-stdin"], { input: "x\n" });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/taken/);
    const bad = await weft(["createsuperuser", "--db", dbFile, "--username", "no spaces", "--password-stdin"], { input: "x\n" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid username/);
  });

  it("changepassword sets the password (WEFT_PASSWORD too); the old one stops working; an unknown user is exit 1", async () => {
    await weft(["createsuperuser", "--db", dbFile, "--username", "ops", "--password-stdin"], { input: "ops-old\n" });
    const r = await weft(["changepassword", "ops", "--db", dbFile, "--password-stdin"], { input: "ops-new\r\n" });
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('Password changed for "ops"');
    expect((await submitLogin(new Jar(base), "ops", "ops-old")).status).not.toBe(302);
    await login(base, "ops", { password: "ops-new" });
    expect((await weft(["changepassword", "ops", "--db", dbFile], { env: { WEFT_PASSWORD: "ops-env" } })).code).toBe(0);
    await login(base, "ops", { password: "ops-env" });
    const unknown = await weft(["changepassword", "ghost", "--db", dbFile, "--password-stdin"], { input: "x\n" });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no user "ghost"');
    expect((await weft(["changepassword", "--db", dbFile])).code).toBe(2);
    const missing = await weft(["changepassword", "ops", "--db", join(dir, "missing.db"), "--password-stdin"], { input: "x\n" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("does not exist");
  });
});

/**
 * Runs the bin on a pseudo-terminal (util-linux `script`), answering each prompt in `answers`
 * once it appears; resolves with everything the terminal showed and the exit code.
 */
function onTerminal(args: string[], answers: string[]): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.WEFT_PASSWORD;
    const child = spawn("script", ["-qec", cmd, "/dev/null"], { cwd: dir, env, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    let prompts = 0;
    child.stdout.on("data", (d: Buffer) => {
      screen += String(d);
      // answer a prompt only once it is on the screen (a condition, not a delay)
      const seen = screen.split("Password").length - 1;
      while (prompts < seen && prompts < answers.length) child.stdin.write(`${answers[prompts++]}\r`);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, screen }));
  });
}

describe("the password prompt on a terminal", () => {
  it.skipIf(!existsSync("/usr/bin/script"))("asks twice without echoing; different answers are exit 1 and create nothing", async () => {
    const ok = await onTerminal(["createsuperuser", "--db", dbFile, "--username", "tty"], ["tty-secret", "tty-secret"]);
    expect(ok.code, ok.screen).toBe(0);
    expect(ok.screen).toContain("Password (again): ");
    expect(ok.screen).toContain('Superuser "tty" created');
    expect(ok.screen).not.toContain("tty-secret");
    await login(base, "tty", { password: "tty-secret" });
    const differ = await onTerminal(["createsuperuser", "--db", dbFile, "--username", "tty2"], ["one", "two"]);
    expect(differ.code).toBe(1);
    expect(differ.screen).toContain("the two passwords differ");
    expect(sqlite.prepare("select count(*) as n from weft_users where username = 'tty2'").get()).toEqual({ n: 0 });
  });
});

describe("tokens", () => {
  const api = (token: string) => fetch(`${base}/admin/api/dashboard/widgets/`, { headers: { authorization: `Bearer ${token}` } });

  it("create prints the token once; it authenticates against the API; list shows it without the secret; revoke ends it", async () => {
    const created = await weft(["tokens", "create", "--username", "root", "--name", "ci", "--db", dbFile]);
    expect(created, created.stderr).toMatchObject({ code: 0 });
    const token = created.stdout.trim();
    expect(token).toMatch(/^weft_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain("shown once");
    expect((await api(token)).status).toBe(200);

    const list = await weft(["tokens", "list", "--db", dbFile]);
    expect(list.code).toBe(0);
    const line = list.stdout.split("\n").find((l) => l.includes("\tci\t"));
    expect(line).toMatch(/^\d+\troot\tci\t\d{4}-\d\d-\d\dT/);
    expect(list.stdout).not.toContain(token);
    const id = line!.split("\t")[0]!;
    expect((await weft(["tokens", "list", "--username", "ops", "--db", dbFile])).stdout).not.toContain("\tci\t");

    const wrongOwner = await weft(["tokens", "revoke", id, "--username", "ops", "--db", dbFile]);
    expect(wrongOwner.code).toBe(1);
    expect((await api(token)).status).toBe(200);
    const revoked = await weft(["tokens", "revoke", id, "--db", dbFile]);
    expect(revoked).toMatchObject({ code: 0, stdout: `Token ${id} revoked.\n` });
    expect((await api(token)).status).toBe(401);
    const again = await weft(["tokens", "revoke", id, "--db", dbFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no token ${id}`);
  });

  it("refuses an unknown user or an empty label with exit 1", async () => {
    const r = await weft(["tokens", "create", "--username", "ghost", "--name", "x", "--db", dbFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no user "ghost"');
    const empty = await weft(["tokens", "create", "--username", "root", "--name", " ", "--db", dbFile]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("1-100 characters");
  });
});

describe("a config file: db, check, seed", () => {
  const adminUrl = pathToFileURL(join(pkgDir, "dist/index.js")).href;
  const write = (name: string, widgets: string) =>
    writeFileSync(
      join(dir, name),
      `import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable } from "drizzle-orm/sqlite-core";
import { AdminSite } from ${JSON.stringify(adminUrl)};
const things = sqliteTable("things", { id: integer("id").primaryKey() });
export default {
  db: "shop.db",
  site() {
    const sqlite = new Database(":memory:");
    sqlite.exec("create table things (id integer primary key)");
    const site = new AdminSite({ db: drizzle(sqlite), sqlite });
    site.register(things, { app: "shop", changeListWidgets: ${widgets} });
    return site;
  },
  seed(argv, io) {
    io.stdout.write("seeded " + JSON.stringify(argv) + "\\n");
    return argv.includes("--fail") ? 1 : 0;
  },
  seedUsage: "seed options: --fail",
};
`,
    );

  it("weft.config.js in the working directory gives the database; --config another file", async () => {
    write("weft.config.js", "[]");
    const list = await weft(["tokens", "list"]);
    expect(list, list.stderr).toMatchObject({ code: 0 });
    expect(list.stdout).toMatch(/^id\tuser/);
    expect((await weft(["tokens", "list"], { cwd: join(dir, "..") })).code).toBe(2);
    expect((await weft(["--config", join(dir, "weft.config.js"), "tokens", "list"], { cwd: join(dir, "..") })).code).toBe(0);
    expect((await weft(["tokens", "list"], { cwd: join(dir, ".."), env: { WEFT_CONFIG: join(dir, "weft.config.js") } })).code).toBe(0);
    const missing = await weft(["--config", "nope.js", "tokens", "list"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("does not exist");
    writeFileSync(join(dir, "broken.config.js"), "export default 42;\n");
    const broken = await weft(["check", "--config", "broken.config.js"]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("must default-export an object");
  });

  it("check: exit 0 with no issues; exit 1 and the finding's id when the site has errors; --workers checked", async () => {
    write("weft.config.js", "[]");
    const ok = await weft(["check"]);
    expect(ok, ok.stderr).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain("System check identified no issues.");
    write("bad.config.js", "[42]");
    const bad = await weft(["check", "--config", "bad.config.js"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("(weft.E001)");
    expect((await weft(["check", "--workers", "0"])).code).toBe(2);
    const two = await weft(["check", "--workers", "2"]);
    expect(two.code).toBe(0);
    expect(two.stdout).toContain("(weft.W001)");
    const noSite = await weft(["check"], { cwd: join(dir, "..") });
    expect(noSite.code).toBe(1);
    expect(noSite.stderr).toContain("site()");
  });

  it("seed hands its arguments to the config's seed and returns its exit code; --help adds the seed's usage", async () => {
    write("weft.config.js", "[]");
    expect(await weft(["seed", "--fresh", "x.db"])).toMatchObject({ code: 0, stdout: 'seeded ["--fresh","x.db"]\n' });
    expect((await weft(["seed", "--fail"])).code).toBe(1);
    const help = await weft(["seed", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: weft seed");
    expect(help.stdout).toContain("seed options: --fail");
  });
});

describe("weft worker", () => {
  it("refuses without a config's site (exit 1) and a bad --concurrency (exit 2), starting nothing", async () => {
    const empty = mkdtempSync(join(dir, "no-config-")); // no weft.config.js here, whatever other tests left in dir
    const none = await weft(["worker", "--redis", "redis://127.0.0.1:1"], { cwd: empty });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/weft worker needs a config file whose default export has site\(\)/);
    const bad = await weft(["worker", "--concurrency", "0"], { cwd: empty });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--concurrency must be an integer >= 1 \(got "0"\)/);
  });
});
