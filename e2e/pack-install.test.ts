/**
 * The three packages as a stranger installs them (issue 9): `pnpm pack` @weft/client,
 * @weft/server and @weft/admin (built first: `pnpm test` runs `pnpm build`), `npm install` the
 * tarballs into a fresh npm project beside today's fastify, drizzle-orm, zod, better-sqlite3 12,
 * typescript and @types/node 20, then:
 *
 * - the packed package.json files name no `workspace:` range, and README.md and LICENSE are in;
 * - node_modules holds exactly one copy of fastify, drizzle-orm, zod, better-sqlite3 and
 *   @weft/server (the peers resolve to the app's own copies);
 * - a small app (a LiveView counter with an Eta template on `app.live`, an AdminSite with one
 *   sqliteTable registered through `adminPlugin`) type-checks with tsc (strict, NodeNext);
 * - started with node on port 0, it serves the live page (view root with `lv-view` and
 *   `lv-token`) and the runtime script, the counter counts over a real WebSocket, the admin's
 *   login form logs a superuser in, and its change list and change form show the table's row;
 * - the admin's `weft` bin creates a superuser.
 *
 * Needs the npm registry (npm's cache is enough with --prefer-offline once warm).
 * `WEFT_SKIP_PACK_INSTALL=1` skips it. better-sqlite3's prebuilt binaries are downloaded from
 * GitHub by its install script, and compiling it instead takes ~5 min on 2 cores, so the app
 * installs the workspace's better-sqlite3 version with `--ignore-scripts` and gets the binary the
 * workspace install built (same version, same Node).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, getPage } from "../packages/server/test/helpers.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PACKAGES = ["client", "server", "admin"] as const;
const SHARED = ["fastify", "drizzle-orm", "zod", "better-sqlite3", "@weft/server", "@weft/client"];

/** better-sqlite3 as the workspace installed it (its version and its built binary). */
const sqliteDir = dirname(createRequire(join(ROOT, "packages/admin/package.json")).resolve("better-sqlite3/package.json"));
const sqliteVersion = (JSON.parse(readFileSync(join(sqliteDir, "package.json"), "utf8")) as { version: string }).version;

/** The environment for npm: without the variables pnpm sets for the script running this test. */
function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(npm_(package|lifecycle|command|config_user_agent|config_verify)|pnpm_)/i.test(k)) delete env[k];
  return env;
}

/** pnpm: the one running `pnpm test` when there is one, else the one on PATH. */
function pnpm(args: string[], cwd: string) {
  const self = process.env.npm_execpath;
  return self && /pnpm\.c?js$/.test(self) ? run(process.execPath, [self, ...args], { cwd }) : run("pnpm", args, { cwd });
}

/** Every installed copy of the `names` packages under `nodeModules`, nested ones included. */
function copiesOf(nodeModules: string, names: string[], found: Record<string, string[]> = {}): Record<string, string[]> {
  if (!existsSync(nodeModules)) return found;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith(".")) continue;
    const dirs = entry.startsWith("@") ? readdirSync(join(nodeModules, entry)).map((e) => join(entry, e)) : [entry];
    for (const name of dirs) {
      const dir = join(nodeModules, name);
      if (names.includes(name)) (found[name] ??= []).push(dir);
      copiesOf(join(dir, "node_modules"), names, found);
    }
  }
  return found;
}

const APP = `import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import Fastify from "fastify";
import { z } from "zod";
import { LiveView, on, weft } from "@weft/server";
import { AdminSite, adminPlugin } from "@weft/admin";

class Counter extends LiveView<{ count: number }> {
  static template = "counter.eta";
  mount() { return { count: 0 }; }
  events = { inc: on(z.object({ by: z.coerce.number().default(1) }), ({ by }) => this.assign({ count: this.assigns.count + by })) };
}

const notes = sqliteTable("notes", { id: integer("id").primaryKey({ autoIncrement: true }), title: text("title").notNull() });
const sqlite = new Database(":memory:");
sqlite.exec("create table notes (id integer primary key autoincrement, title text not null)");
const site = new AdminSite({ db: drizzle(sqlite), sqlite });
site.register(notes, { app: "notes", listDisplay: ["id", "title"], searchFields: ["title"] });
sqlite.exec("insert into notes (title) values ('first note')");
await site.users.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });

const app = Fastify();
await app.register(weft, { secret: "pack-install-secret-0123456789-abcdef", views: new URL("../views", import.meta.url).pathname, sessions: site.sessions });
await app.register(adminPlugin, { site });
app.live("/counter", Counter);
await app.listen({ port: 0, host: "127.0.0.1" });
const address = app.server.address();
console.log(\`listening on port \${typeof address === "object" && address ? address.port : 0}\`);
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    // drizzle-orm's own declarations do not compile without it (its docs ask for it)
    skipLibCheck: true,
    noEmitOnError: true,
    rootDir: "src",
    outDir: "dist",
    types: ["node"],
  },
  include: ["src"],
};

describe.skipIf(process.env.WEFT_SKIP_PACK_INSTALL === "1")("the packed packages in a fresh npm project", () => {
  let dir = "";
  let tarballs = "";
  let project = "";
  const timings: Record<string, number> = {};
  let server: ChildProcess | undefined;
  let base = "";
  let output = "";

  async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings[what] = Date.now() - t0;
    }
  }

  beforeAll(async () => {
    for (const p of PACKAGES) {
      if (!existsSync(join(ROOT, "packages", p, "dist"))) throw new Error(`packages/${p}/dist is missing: run \`pnpm build\` first`);
    }
    dir = mkdtempSync(join(tmpdir(), "weft-pack-"));
    tarballs = join(dir, "tarballs");
    project = join(dir, "app");
    mkdirSync(tarballs);
    mkdirSync(join(project, "src"), { recursive: true });
    mkdirSync(join(project, "views"));
    await timed("pack", () => Promise.all(PACKAGES.map((p) => pnpm(["pack", "--pack-destination", tarballs], join(ROOT, "packages", p)))));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "weft-pack-install", version: "1.0.0", private: true, type: "module" }, null, 2));
    const specs = [
      ...readdirSync(tarballs).map((f) => join(tarballs, f)),
      "fastify",
      "drizzle-orm",
      "zod",
      `better-sqlite3@${sqliteVersion}`,
      "typescript",
      "@types/node@20",
      "@types/better-sqlite3",
    ];
    await timed("npm install", () =>
      run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", "--loglevel=error", ...specs], {
        cwd: project,
        env: npmEnv(),
        maxBuffer: 16 << 20,
      }),
    );
    const release = join(project, "node_modules", "better-sqlite3", "build", "Release");
    mkdirSync(release, { recursive: true });
    copyFileSync(join(sqliteDir, "build", "Release", "better_sqlite3.node"), join(release, "better_sqlite3.node"));
  }, 300_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill();
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`pack-install timings (ms): ${JSON.stringify(timings)}`);
  });

  it("packs real version ranges, a README and a LICENSE into every package", () => {
    for (const p of PACKAGES) {
      const installed = join(project, "node_modules", "@weft", p);
      const manifest = readFileSync(join(installed, "package.json"), "utf8");
      expect(manifest, `@weft/${p}`).not.toContain("workspace:");
      expect(existsSync(join(installed, "README.md")), `@weft/${p} README.md`).toBe(true);
      expect(existsSync(join(installed, "LICENSE")), `@weft/${p} LICENSE`).toBe(true);
    }
    const admin = JSON.parse(readFileSync(join(project, "node_modules/@weft/admin/package.json"), "utf8")) as { peerDependencies: Record<string, string> };
    expect(Object.keys(admin.peerDependencies).sort()).toEqual(["@weft/server", "better-sqlite3", "drizzle-orm", "fastify", "pg", "zod"]);
    // one database driver is enough: SQLite (better-sqlite3) or PostgreSQL (pg)
    const meta = (admin as { peerDependenciesMeta?: Record<string, { optional?: boolean }> }).peerDependenciesMeta ?? {};
    expect([meta["better-sqlite3"]?.optional, meta.pg?.optional]).toEqual([true, true]);
  });

  it("installs one copy of each framework the app shares with weft", () => {
    const copies = copiesOf(join(project, "node_modules"), SHARED);
    for (const name of SHARED) expect(copies[name]?.map((d) => d.slice(project.length)), name).toEqual([join("/node_modules", name)]);
  });

  it("type-checks an app using the packages (strict, NodeNext)", async () => {
    writeFileSync(join(project, "src", "app.ts"), APP);
    writeFileSync(join(project, "views", "counter.eta"), '<p id="count"><%= it.count %></p>\n<button lv-click="inc">+</button>\n');
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
    const tsc = join(project, "node_modules", "typescript", "bin", "tsc");
    const result = await timed("tsc", () => run(process.execPath, [tsc, "-p", "."], { cwd: project }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? String(err) })));
    expect(result.stdout).toBe("");
    expect(existsSync(join(project, "dist", "app.js"))).toBe(true);
  }, 120_000);

  it("creates a superuser with the admin's `weft` bin", async () => {
    const bin = join(project, "node_modules", ".bin", "weft");
    const { stdout } = await run(bin, ["createsuperuser", "--db", join(dir, "cli.db"), "--username", "root", "--password", "root-pass"], { cwd: project });
    expect(stdout).toMatch(/Superuser "root" created/);
  });

  it("serves the live page, counts over the WebSocket, and serves the admin over the app's table", async () => {
    expect(existsSync(join(project, "dist", "app.js")), "the type-check emitted dist/app.js").toBe(true);
    const started = Date.now();
    server = spawn(process.execPath, [join(project, "dist", "app.js")], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
    server.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    server.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = /listening on port (\d+)/.exec(output);
        if (m) return resolve(m[1]);
        if (server!.exitCode !== null) return reject(new Error(`the app exited (${server!.exitCode}):\n${output}`));
        if (Date.now() - started > 30_000) return reject(new Error(`the app did not start in 30 s:\n${output}`));
        setTimeout(check, 50);
      };
      check();
    });
    base = `http://127.0.0.1:${port}`;

    const page = await getPage(base, "/counter");
    expect(page.res.status).toBe(200);
    expect(page.html).toMatch(/lv-view="[^"]+"/);
    expect(page.html).toContain("lv-token=");
    expect(page.roots).toHaveLength(1);

    // the runtime comes from the installed @weft/client tarball
    const script = /<script defer src="([^"]+)"/.exec(page.html)?.[1];
    expect(script).toBeTruthy();
    const js = await fetch(base + script);
    expect(js.status).toBe(200);
    expect((await js.text()).length).toBeGreaterThan(1000);

    const client = await Client.open(base, page.cookie);
    try {
      client.join(1, page.roots[0].token, base + "/counter");
      await client.until(() => client.html.get(1)?.includes('<p id="count">0</p>'), "the joined render");
      await client.reply(client.event(1, "inc", { by: "2" }));
      await client.until(() => client.html.get(1)?.includes('<p id="count">2</p>'), "the counter at 2");
    } finally {
      client.close();
    }

    // the admin: its login form, then (logged in) drizzle queries on the app's table
    const jar = new Map<string, string>();
    const keep = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(";");
        jar.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
      }
      return res;
    };
    const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const form = keep(await fetch(base + "/admin/login/"));
    expect(form.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    expect(csrf, "the login form's CSRF token").toBeTruthy();
    const login = keep(
      await fetch(base + "/admin/login/", {
        method: "POST",
        redirect: "manual",
        headers: { cookie: cookie(), origin: base, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrf!, username: "admin", password: "admin-pass" }),
      }),
    );
    expect(login.status).toBe(302);
    for (const path of ["/admin/notes/note/", "/admin/notes/note/1/change/"]) {
      const res = await fetch(base + path, { headers: { cookie: cookie() } });
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toContain("first note");
    }
  }, 60_000);
});
