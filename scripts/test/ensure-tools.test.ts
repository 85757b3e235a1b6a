// The decisions of scripts/ensure-tools.mjs, and its install sequence with a fake apt-get
// (nothing here runs apt-get).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { answers, ensureTools, findPostgresBin, plan, which } from "../ensure-tools.mjs";

const all = { chromium: true, "redis-server": true, postgresql: true };

type Plan = ReturnType<typeof plan>;
/** `expect(p.action).toBe(action)`, which also narrows `p` to that plan's shape. */
function expectAction<A extends Plan["action"]>(p: Plan, action: A): asserts p is Plan & { action: A } {
  expect(p.action).toBe(action);
}

describe("plan", () => {
  it("does nothing when everything is there", () => {
    expect(plan({ has: all, isRoot: false, hasApt: false })).toEqual({ action: "none" });
  });

  it("installs the missing packages as root with apt-get", () => {
    const p = plan({ has: { ...all, chromium: false, postgresql: false }, isRoot: true, hasApt: true });
    expectAction(p, "install");
    expect(p.packages).toEqual(["chromium", "postgresql"]);
  });

  it("stops with the command to run when not root", () => {
    const p = plan({ has: { chromium: false, "redis-server": false, postgresql: false }, isRoot: false, hasApt: true });
    expectAction(p, "stop");
    expect(p.message).toContain("\n  sudo apt-get install chromium redis-server postgresql\n");
    expect(p.message).toContain("not running as root");
  });

  it("names only what is missing", () => {
    const p = plan({ has: { ...all, "redis-server": false }, isRoot: false, hasApt: true });
    expectAction(p, "stop");
    expect(p.message).toContain("sudo apt-get install redis-server\n");
  });

  it("stops as root when there is no apt-get", () => {
    const p = plan({ has: { ...all, chromium: false }, isRoot: true, hasApt: false });
    expectAction(p, "stop");
    expect(p.message).toContain("no apt-get");
  });

  it("only reports with WEFT_NO_INSTALL, even as root", () => {
    const p = plan({ has: { ...all, chromium: false }, isRoot: true, hasApt: true, noInstall: true });
    expectAction(p, "report");
    expect(p.message).toContain("sudo apt-get install chromium");
  });
});

describe("ensureTools", () => {
  function fake(hasBefore: Record<string, boolean>, hasAfter = all, who = { isRoot: true, hasApt: true }) {
    const runs: { cmd: string; args: string[]; frontend: string | undefined }[] = [];
    const lines: string[] = [];
    const errors: string[] = [];
    let probes = 0;
    const opts = {
      env: { PATH: "/nowhere" } as Record<string, string>,
      probe: async () => ({ has: probes++ === 0 ? hasBefore : hasAfter, ...who }),
      run: (cmd: string, args: string[], env: Record<string, string>) => {
        runs.push({ cmd, args, frontend: env.DEBIAN_FRONTEND });
        return { status: 0, output: "" };
      },
      log: (l: string) => lines.push(l),
      warn: (l: string) => errors.push(l),
    };
    return { opts, runs, lines, errors };
  }

  it("runs apt-get update once and one install, noninteractive, and prints a line per tool", async () => {
    const f = fake({ ...all, chromium: false, "redis-server": false });
    expect(await ensureTools(f.opts)).toBe(0);
    expect(f.runs).toEqual([
      { cmd: "apt-get", args: ["update", "-qq"], frontend: "noninteractive" },
      {
        cmd: "apt-get",
        args: ["install", "-y", "-qq", "--no-install-recommends", "chromium", "redis-server"],
        frontend: "noninteractive",
      },
    ]);
    expect(f.lines).toHaveLength(2);
    expect(f.lines[0]).toMatch(/^ensure-tools: installing chromium /);
    expect(f.lines[1]).toMatch(/^ensure-tools: installing redis-server /);
    expect(f.errors).toEqual([]);
  });

  it("is silent and runs nothing when all is there", async () => {
    const f = fake(all);
    expect(await ensureTools(f.opts)).toBe(0);
    expect(f.runs).toEqual([]);
    expect([...f.lines, ...f.errors]).toEqual([]);
  });

  it("exits 1 without running anything when not root", async () => {
    const f = fake({ ...all, chromium: false }, all, { isRoot: false, hasApt: true });
    expect(await ensureTools(f.opts)).toBe(1);
    expect(f.runs).toEqual([]);
    expect(f.errors.join("\n")).toContain("sudo apt-get install chromium");
  });

  it("goes on without installing when WEFT_NO_INSTALL=1", async () => {
    const f = fake({ ...all, chromium: false });
    f.opts.env.WEFT_NO_INSTALL = "1";
    expect(await ensureTools(f.opts)).toBe(0);
    expect(f.runs).toEqual([]);
    expect(f.errors.join("\n")).toContain("WEFT_NO_INSTALL");
  });

  it("exits 1 when apt-get fails or the tool is still missing afterwards", async () => {
    const f = fake({ ...all, chromium: false });
    f.opts.run = () => ({ status: 100, output: "E: Unable to locate package chromium" });
    expect(await ensureTools(f.opts)).toBe(1);
    expect(f.errors.join("\n")).toContain("E: Unable to locate package chromium");

    const g = fake({ ...all, chromium: false }, { ...all, chromium: false });
    expect(await ensureTools(g.opts)).toBe(1);
    expect(g.errors.join("\n")).toContain("still missing: chromium");
  });
});

describe("finding programs", () => {
  const dir = mkdtempSync(join(tmpdir(), "ensure-tools-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const exe = (p: string) => {
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, "#!/bin/sh\n", { mode: 0o755 });
  };

  it("which looks only at PATH", () => {
    exe(join(dir, "bin", "redis-server"));
    expect(which("redis-server", join(dir, "bin"))).toBe(join(dir, "bin", "redis-server"));
    expect(which("redis-server", join(dir, "empty"))).toBeNull();
  });

  it("finds initdb and pg_ctl under /usr/lib/postgresql/<version>/bin, newest first", () => {
    const lib = join(dir, "postgresql");
    expect(findPostgresBin("", lib)).toBeNull();
    exe(join(lib, "13", "bin", "initdb"));
    expect(findPostgresBin("", lib)).toBeNull(); // no pg_ctl
    exe(join(lib, "13", "bin", "pg_ctl"));
    exe(join(lib, "15", "bin", "initdb"));
    exe(join(lib, "15", "bin", "pg_ctl"));
    expect(findPostgresBin("", lib)).toBe(join(lib, "15", "bin"));
  });

  it("answers tells whether something listens on a port", async () => {
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const { port } = server.address() as { port: number };
    expect(await answers("127.0.0.1", port)).toBe(true);
    await new Promise((r) => server.close(r));
    expect(await answers("127.0.0.1", port)).toBe(false);
  });
});
