/**
 * The `weft` command on PostgreSQL (`DATABASE_URL=postgres://…`, a database of its own from
 * createTestDatabase): createsuperuser on an empty database (which creates the admin's tables),
 * then a real login on an AdminSite over the same database, changepassword, tokens create /
 * list / revoke (the token against the widgets API), check through a config whose site() opens
 * DATABASE_URL (the real bin), and each refusal: --db with DATABASE_URL, a DATABASE_URL that is
 * not PostgreSQL, an unreachable server, an unknown user. Commands run in-process (`runCli`)
 * except `check`, spawned as a user runs it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import type { FastifyInstance } from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { runCli } from "../src/cli/index.js";
import { Jar, login, startAdmin, submitLogin } from "./support.js";
import { runProcess } from "../../server/test/support/run-process.js";
import { usePgPool } from "./support/pg-pool.js";
import { cliIO } from "./support/cli-io.js";

const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(pkgDir, (JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { bin: { weft: string } }).bin.weft);
// inside the package, so that a config file resolves drizzle-orm and pg as an app's would
const dir = mkdtempSync(join(pkgDir, ".cli-pg-test-"));

const testPg = usePgPool("cli_pg", 3);
let app: FastifyInstance | undefined;
let base = "";

/** Runs `weft ARGS` in-process with DATABASE_URL (unless `env` says otherwise) and `input` on stdin. */
async function weft(args: string[], o: { input?: string; env?: Record<string, string | undefined> } = {}) {
  const run = cliIO({ DATABASE_URL: testPg.url, ...o.env }, o.input ?? "");
  const code = await runCli(args, run.io, dir);
  return { code, ...run.text() };
}

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("weft on PostgreSQL (DATABASE_URL)", () => {
  it("createsuperuser creates the admin's tables and the user, who logs in on a site over the same database", async () => {
    const created = await weft(["createsuperuser", "--username", "root", "--email", "root@example.com", "--password-stdin"], { input: "root-pass\n" });
    expect(created, created.stderr).toMatchObject({ code: 0 });
    expect(created.stdout).toMatch(/Superuser "root" created \(id \d+\)/);
    const { rows } = await testPg.pool.query("select username, is_superuser, is_staff from weft_users");
    expect(rows).toEqual([{ username: "root", is_superuser: true, is_staff: true }]);
    const taken = await weft(["createsuperuser", "--username", "root", "--password-stdin"], { input: "x\n" });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/taken/);

    const site = await AdminSite.create({ db: drizzle({ client: testPg.pool }), title: "CLI on PostgreSQL" });
    ({ app, base } = await startAdmin(site));
    await login(base, "root", { password: "root-pass" });
  });

  it("changepassword sets the password in PostgreSQL: the old one stops working; an unknown user is exit 1", async () => {
    const r = await weft(["changepassword", "root", "--password-stdin"], { input: "new-root-pass\n" });
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'Password changed for "root".\n' });
    expect((await submitLogin(new Jar(base), "root", "root-pass")).status).not.toBe(302);
    await login(base, "root", { password: "new-root-pass" });
    const ghost = await weft(["changepassword", "ghost", "--password-stdin"], { input: "x\n" });
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toContain('no user "ghost"');
  });

  it("tokens create / list / revoke: the token authenticates against the API until revoked", async () => {
    const api = (token: string) => fetch(`${base}/admin/api/dashboard/widgets/`, { headers: { authorization: `Bearer ${token}` } });
    const created = await weft(["tokens", "create", "--username", "root", "--name", "ci"]);
    expect(created, created.stderr).toMatchObject({ code: 0 });
    const token = created.stdout.trim();
    expect(token).toMatch(/^weft_[A-Za-z0-9_-]{43}$/);
    expect((await api(token)).status).toBe(200);
    const list = await weft(["tokens", "list", "--username", "root"]);
    expect(list.code).toBe(0);
    const line = list.stdout.split("\n").find((l) => l.includes("\tci\t"));
    expect(line).toMatch(/^\d+\troot\tci\t\d{4}-\d\d-\d\dT[^\t]+\t\d{4}-\d\d-\d\dT/); // used once: last used is set
    expect(list.stdout).not.toContain(token);
    const id = line!.split("\t")[0]!;
    expect(await weft(["tokens", "revoke", id])).toMatchObject({ code: 0, stdout: `Token ${id} revoked.\n` });
    expect((await api(token)).status).toBe(401);
    const again = await weft(["tokens", "revoke", id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no token ${id}`);
    expect((await weft(["tokens", "create", "--username", "ghost", "--name", "x"])).code).toBe(1);
  });

  it("refuses --db with a PostgreSQL DATABASE_URL, a DATABASE_URL that is not PostgreSQL (exit 2), and an unreachable server (exit 1)", async () => {
    const both = await weft(["tokens", "list", "--db", join(dir, "x.db")]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("not both");
    const mysql = await weft(["createsuperuser", "--username", "x", "--password-stdin"], { input: "pw\n", env: { DATABASE_URL: "mysql://x@localhost/db" } });
    expect(mysql.code).toBe(2);
    expect(mysql.stderr).toContain("must be a postgres:// URL");
    const down = await weft(["changepassword", "root", "--password-stdin"], { input: "pw\n", env: { DATABASE_URL: "postgres://postgres:s3cret@127.0.0.1:1/none" } });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/weft changepassword: error: .*ECONNREFUSED/);
    expect(down.stderr).not.toContain("s3cret");
    // nothing was written by the refusals
    expect((await testPg.pool.query("select count(*)::int n from weft_users")).rows[0].n).toBe(1);
  });

  it("check builds the config's site on DATABASE_URL (the real bin): exit 0 with no issues", async () => {
    const adminUrl = pathToFileURL(join(pkgDir, "dist/index.js")).href;
    writeFileSync(
      join(dir, "weft.config.js"),
      `import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { integer, pgTable } from "drizzle-orm/pg-core";
import { AdminSite } from ${JSON.stringify(adminUrl)};
const things = pgTable("things", { id: integer("id").primaryKey() });
export default {
  async site() {
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1, allowExitOnIdle: true });
    await pool.query("create table if not exists things (id integer primary key)");
    const site = await AdminSite.create({ db: drizzle({ client: pool }) });
    site.register(things, { app: "shop" });
    return site;
  },
};
`,
    );
    const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: testPg.url };
    delete env.WEFT_CONFIG;
    const r = await runProcess(process.execPath, [BIN, "check"], { cwd: dir, env });
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toContain("System check identified no issues");
    expect((await testPg.pool.query("select to_regclass('public.things') is not null as made")).rows[0].made).toBe(true);
  });
});
