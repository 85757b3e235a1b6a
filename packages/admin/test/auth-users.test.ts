// Users, groups, permissions, API tokens and createsuperuser (the stores on SQLite and
// PostgreSQL; the CLI's --db file is SQLite's by nature).
import { PassThrough } from "node:stream";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiTokens, createSuperuser, hasPermission, UserStore, UserStoreError } from "../src/auth/index.js";
import { runCli } from "../src/cli/index.js";
import { adminTablesFor } from "../src/auth/tables.js";
import { qb } from "../src/query/dialect/index.js";
import { ENGINES, openEngine, type EngineDb } from "./support/engines.js";
import { tempAdminDbs } from "./support/temp-admin-db.js";

const openDb = tempAdminDbs();

describe("createsuperuser", () => {
  const io = (env: Record<string, string> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const sink = (into: string[]) => Object.assign(new PassThrough(), { write: (s: string) => (into.push(s), true) }) as unknown as NodeJS.WritableStream;
    return { io: { env, stdin: new PassThrough() as unknown as NodeJS.ReadableStream, stdout: sink(out), stderr: sink(err) }, out, err };
  };

  it("the command creates the tables and the user, with the password from a flag or WEFT_PASSWORD", async () => {
    const { sqlite, file } = openDb("cli.db");
    sqlite.close();
    const a = io();
    expect(await runCli(["createsuperuser", "--db", file, "--username", "u1", "--email", "e@x", "--password", "p1"], a.io)).toBe(0);
    expect(a.out.join("")).toContain('Superuser "u1" created');
    const b = io({ WEFT_PASSWORD: "p2" });
    expect(await runCli(["createsuperuser", "--db", file, "--username", "u2"], b.io)).toBe(0);
    const c = io({ WEFT_PASSWORD: "p3" });
    expect(await runCli(["createsuperuser", "--db", file, "--username", "u1"], c.io)).toBe(1);
    expect(c.err.join("")).toMatch(/taken/);
    const d = io();
    expect(await runCli(["createsuperuser", "--db", file, "--username", "u3"], d.io)).toBe(2);
    expect(d.err.join("")).toMatch(/no password/);
    expect(await runCli(["frobnicate"], io().io)).toBe(2);
    const check = new Database(file);
    const store = new UserStore(drizzle(check));
    expect(await store.authenticate("u1", "p1")).toMatchObject({ isSuperuser: true, email: "e@x" });
    expect(await store.authenticate("u2", "p2")).toMatchObject({ isSuperuser: true, isStaff: true });
    check.close();
  });
});

// On both engines: each describe block its own database (SQLite file or PostgreSQL database of
// its own, support/engines.ts).
const NO_TABLES = { sqlite: "", postgres: "" };
describe.each(ENGINES)("%s", (engine) => {
  let e: EngineDb;

  describe("users and permissions", () => {
    let users: UserStore;
    beforeAll(async () => {
      e = await openEngine(engine, NO_TABLES, "admin_auth");
      users = new UserStore(e.db);
    }, 60_000);
    afterAll(() => e?.close());

    it("creates users and authenticates them; wrong password, unknown and inactive users get null", async () => {
      const alice = await users.createUser({ username: "alice", password: "s3cret-pass", email: "a@example.com", isStaff: true });
      expect(alice).toMatchObject({ username: "alice", email: "a@example.com", isStaff: true, isSuperuser: false, isActive: true, lastLoginAt: null });
      expect(alice).not.toHaveProperty("passwordHash");
      expect(await users.authenticate("alice", "s3cret-pass")).toMatchObject({ id: alice.id });
      expect(await users.authenticate("alice", "wrong")).toBeNull();
      expect(await users.authenticate("nobody", "s3cret-pass")).toBeNull();
      expect(await users.authenticate("alice", undefined)).toBeNull();
      await users.update(alice.id, { isActive: false });
      expect(await users.authenticate("alice", "s3cret-pass")).toBeNull();
      await users.update(alice.id, { isActive: true });
      await users.setPassword(alice.id, "new-pass");
      expect(await users.authenticate("alice", "s3cret-pass")).toBeNull();
      expect(await users.authenticate("alice", "new-pass")).toMatchObject({ id: alice.id });
      await users.setPassword(alice.id, null);
      expect(await users.authenticate("alice", "new-pass")).toBeNull();
    });

    it("costs an unknown username about as much as a wrong password", async () => {
      await users.createUser({ username: "timing", password: "pw" });
      await users.authenticate("nobody-warmup", "x");
      const time = async (u: string) => {
        const t = performance.now();
        await users.authenticate(u, "wrong");
        return performance.now() - t;
      };
      // interleaved, and the fastest of each: a loaded machine slows single runs, not the fastest
      // (without the dummy hash an unknown name costs ~0.1 ms against argon2's tens of ms)
      const known: number[] = [], unknown: number[] = [];
      for (let i = 0; i < 5; i++) known.push(await time("timing")), unknown.push(await time("nobody"));
      expect(Math.min(...unknown)).toBeGreaterThan(Math.min(...known) * 0.4);
    });

    it("refuses invalid and taken usernames and malformed permissions", async () => {
      await expect(users.createUser({ username: "bad name", password: "x" })).rejects.toThrow(UserStoreError);
      await expect(users.createUser({ username: "", password: "x" })).rejects.toThrow(UserStoreError);
      await users.createUser({ username: "dup", password: "x" });
      await expect(users.createUser({ username: "dup", password: "y" })).rejects.toThrow(/taken/);
      const u = (await users.getUserByUsername("dup"))!;
      await expect(users.grant(u, "no-dot")).rejects.toThrow(UserStoreError);
    });

    it("unions permissions from the user and their groups, as Django's get_all_permissions", async () => {
      const bob = await users.createUser({ username: "bob", password: "pw", isStaff: true });
      const support = await users.createGroup("support");
      const finance = await users.createGroup("finance");
      expect(await users.createGroup("support")).toEqual(support);
      await users.grant(support, "orders.view_order");
      await users.grant(support, "orders.change_order");
      await users.grant(finance, "orders.refund_order");
      await users.grant(bob, "customers.view_customer");
      await users.grant(bob, "orders.view_order");
      await users.addToGroup(bob, support);
      await users.addToGroup(bob, support);
      expect([...(await users.permissions(bob.id))].sort()).toEqual(["customers.view_customer", "orders.change_order", "orders.view_order"]);
      expect(await users.hasPerm(bob, "orders.change_order")).toBe(true);
      expect(await users.hasPerm(bob, "orders.refund_order")).toBe(false);
      await users.addToGroup(bob.id, finance.id);
      expect(await users.hasPerm(bob, "orders.refund_order")).toBe(true);
      await users.removeFromGroup(bob, finance);
      await users.revoke(support, "orders.change_order");
      expect(await users.hasPerm(bob, "orders.change_order")).toBe(false);
      expect(await users.hasPerm(bob, "orders.refund_order")).toBe(false);
      // inactive users have no permissions
      await users.update(bob.id, { isActive: false });
      expect(await users.hasPerm(bob, "orders.view_order")).toBe(false);
      expect((await users.permissions(bob.id)).size).toBe(0);
      expect(await users.hasPerm(999_999, "orders.view_order")).toBe(false);
    });

    it("gives an active superuser every permission, granted or not", async () => {
      const root = await users.createUser({ username: "root", password: "pw", isStaff: true, isSuperuser: true });
      expect(await users.hasPerm(root, "anything.at_all")).toBe(true);
      expect(hasPermission({ isSuperuser: true, permissions: [] }, "x.y")).toBe(true);
      expect(hasPermission({ isSuperuser: true, isActive: false, permissions: [] }, "x.y")).toBe(false);
      expect(hasPermission({ isSuperuser: false, permissions: new Set(["x.y"]) }, "x.y")).toBe(true);
      expect(hasPermission(null, "x.y")).toBe(false);
      await users.update(root.id, { isActive: false });
      expect(await users.hasPerm(root, "anything.at_all")).toBe(false);
    });
  });

  describe("API tokens", () => {
    let users: UserStore;
    let tokens: ApiTokens;
    let staff: Awaited<ReturnType<UserStore["createUser"]>>;
    let token: string;

    beforeAll(async () => {
      e = await openEngine(engine, NO_TABLES, "admin_auth");
      users = new UserStore(e.db);
      tokens = new ApiTokens(e.db, { touchIntervalMs: 0 });
      staff = await users.createUser({ username: "api", password: null, isStaff: true });
      token = await tokens.createToken(staff.id, "dashboard");
    }, 60_000);
    afterAll(() => e?.close());

    it("stores only a hash and verifies a good bearer token, updating lastUsedAt", async () => {
      expect(token).toMatch(/^weft_[A-Za-z0-9_-]{43}$/);
      const rows = await qb(e.db).select().from(adminTablesFor(e.db).weftApiTokens);
      expect(JSON.stringify(rows)).not.toContain(token.slice(5));
      expect(rows[0].lastUsedAt).toBeNull();
      expect(await tokens.verifyBearer(`Bearer ${token}`)).toMatchObject({ id: staff.id, username: "api" });
      expect(await tokens.verifyBearer(`bearer ${token}`)).toMatchObject({ id: staff.id });
      expect((await tokens.listTokens(staff.id))[0]).toMatchObject({ name: "dashboard", lastUsedAt: expect.any(Date) });
    });

    it("refuses wrong, malformed and missing tokens", async () => {
      expect(await tokens.verifyBearer(undefined)).toBeNull();
      expect(await tokens.verifyBearer("")).toBeNull();
      expect(await tokens.verifyBearer(token)).toBeNull();
      expect(await tokens.verifyBearer(`Basic ${token}`)).toBeNull();
      const mutated = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
      expect(await tokens.verifyBearer(`Bearer ${mutated}`)).toBeNull();
      expect(await tokens.verifyBearer(`Bearer weft_${"x".repeat(43)}`)).toBeNull();
    });

    it("refuses a deactivated user's, a non-staff user's and a revoked token", async () => {
      await users.update(staff.id, { isActive: false });
      expect(await tokens.verifyBearer(`Bearer ${token}`)).toBeNull();
      await users.update(staff.id, { isActive: true, isStaff: false });
      expect(await tokens.verifyBearer(`Bearer ${token}`)).toBeNull();
      await users.update(staff.id, { isStaff: true });
      expect(await tokens.verifyBearer(`Bearer ${token}`)).not.toBeNull();
      const [info] = await tokens.listTokens(staff.id);
      expect(await tokens.revokeToken(info.id, staff.id + 1)).toBe(false);
      expect(await tokens.revokeToken(info.id, staff.id)).toBe(true);
      expect(await tokens.verifyBearer(`Bearer ${token}`)).toBeNull();
    });

    it("refuses a non-staff user's token", async () => {
      const plain = await users.createUser({ username: "plain", password: null });
      const t = await tokens.createToken(plain.id, "x");
      expect(await tokens.verifyBearer(`Bearer ${t}`)).toBeNull();
    });
  });

  describe("createSuperuser", () => {
    beforeAll(async () => {
      e = await openEngine(engine, NO_TABLES, "admin_auth");
    }, 60_000);
    afterAll(() => e?.close());

    it("createSuperuser makes an active staff superuser", async () => {
      const db = e.db;
      const u = await createSuperuser({ db, username: "boss", email: "b@example.com", password: "pw" });
      expect(u).toMatchObject({ username: "boss", isStaff: true, isSuperuser: true, isActive: true });
      expect(await new UserStore(db).authenticate("boss", "pw")).not.toBeNull();
      await expect(createSuperuser({ db, username: "boss2", password: "" })).rejects.toThrow(/empty/);
    });
  });
});
