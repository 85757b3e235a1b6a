// Users, groups, permissions, passwords, API tokens and createsuperuser. The stores and the
// tables' round trip run on SQLite and PostgreSQL (the describe.each at the end); the migrated
// schema's agreement with drizzle (sqlite_master, PRAGMA table_info, EXPLAIN QUERY PLAN) and the
// CLI's --db file are SQLite's by nature (PostgreSQL's schema: migrate.test.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import Database from "better-sqlite3";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminSchema,
  ApiTokens,
  createSuperuser,
  hasPermission,
  hashPassword,
  hashScrypt,
  needsRehash,
  unusablePassword,
  UserStore,
  UserStoreError,
  verifyPassword,
  weftApiTokens,
  weftAuditLog,
  weftGroupPermissions,
  weftGroups,
  weftSessions,
  weftUserGroups,
  weftUserPermissions,
  weftUsers,
} from "../src/auth/index.js";
import { runCli } from "../src/cli/index.js";
import { migrateAdminSqlite } from "../src/migrate/index.js";
import { adminTablesFor } from "../src/auth/tables.js";
import { qb } from "../src/query/dialect/index.js";
import { ENGINES, openEngine, type EngineDb } from "./support/engines.js";

const dirs: string[] = [];
function openDb(name = "admin.db") {
  const dir = mkdtempSync(join(tmpdir(), "weft-auth-"));
  dirs.push(dir);
  const file = join(dir, name);
  const sqlite = new Database(file);
  const db = drizzle(sqlite);
  migrateAdminSqlite(db);
  return { sqlite, db, file };
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("schema", () => {
  const { sqlite, db } = openDb();
  const tables = Object.values(adminSchema) as SQLiteTable[];

  it("the migrations are idempotent and create exactly the drizzle tables", () => {
    expect(migrateAdminSqlite(db).applied).toEqual([]);
    const inDb = (sqlite.prepare("select name from sqlite_master where type = 'table' and name like 'weft_%' order by name").all() as { name: string }[]).map((r) => r.name);
    expect(inDb).toEqual(tables.map((t) => getTableConfig(t).name).sort());
  });

  it.each(tables.map((t) => [getTableConfig(t).name, t] as const))("%s: the migrated table agrees with the drizzle table (db:generate is up to date)", (name, table) => {
    const cfg = getTableConfig(table);
    const info = sqlite.prepare(`pragma table_info(${name})`).all() as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[];
    expect(info.map((c) => c.name)).toEqual(cfg.columns.map((c) => c.name));
    const compositePk = cfg.primaryKeys[0]?.columns.map((c) => c.name) ?? [];
    for (const col of cfg.columns) {
      const c = info.find((i) => i.name === col.name)!;
      expect(c.type.toLowerCase(), `${name}.${col.name} type`).toBe(col.getSQLType());
      expect(c.notnull === 1 || (c.pk > 0 && col.primary), `${name}.${col.name} not null`).toBe(col.notNull);
      const expectedPk = col.primary ? 1 : compositePk.indexOf(col.name) + 1;
      expect(c.pk, `${name}.${col.name} pk`).toBe(expectedPk);
      const d = col.default;
      const expectedDefault = d === undefined ? null : typeof d === "boolean" ? String(d) : typeof d === "number" ? String(d) : `'${String(d)}'`;
      expect(c.dflt_value, `${name}.${col.name} default`).toBe(expectedDefault);
    }
    // indexes: drizzle's named indexes and unique columns, against sqlite's (ignoring autoindexes of PKs)
    const idx = (sqlite.prepare(`pragma index_list(${name})`).all() as { name: string; unique: number; origin: string }[])
      .filter((i) => i.origin === "c")
      .map((i) => ({ name: i.name, unique: i.unique === 1, cols: (sqlite.prepare(`pragma index_info(${i.name})`).all() as { name: string }[]).map((x) => x.name) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const expected = [
      ...cfg.indexes.map((i) => ({ name: i.config.name, unique: !!i.config.unique, cols: i.config.columns.map((c) => (c as { name: string }).name) })),
      ...cfg.columns.filter((c) => c.isUnique).map((c) => ({ name: c.uniqueName!, unique: true, cols: [c.name] })),
    ].sort((a, b) => a.name.localeCompare(b.name));
    expect(idx).toEqual(expected);
    // foreign keys
    const fks = (sqlite.prepare(`pragma foreign_key_list(${name})`).all() as { table: string; from: string; to: string; on_delete: string }[])
      .map((f) => `${f.from}->${f.table}.${f.to} ${f.on_delete.toLowerCase()}`)
      .sort();
    const expectedFks = cfg.foreignKeys
      .map((fk) => {
        const r = fk.reference();
        return `${r.columns[0].name}->${getTableConfig(r.foreignTable).name}.${r.foreignColumns[0].name} ${fk.onDelete ?? "no action"}`;
      })
      .sort();
    expect(fks).toEqual(expectedFks);
  });

  it("audit log lookups by object and by user use their indexes", () => {
    const plan = (q: string) => (sqlite.prepare(`explain query plan ${q}`).all() as { detail: string }[]).map((r) => r.detail).join("; ");
    expect(plan("select * from weft_audit_log where model = 'a' and object_id = '1'")).toContain("weft_audit_log_object");
    expect(plan("select * from weft_audit_log where user_id = 1 order by at desc")).toContain("weft_audit_log_user_at");
  });
});

describe("passwords", () => {
  it("hashes with argon2id (OWASP's minimum: 19 MiB, t=2, p=1) in PHC format and verifies", async () => {
    const h = await hashPassword("correct horse");
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword("correct horse", h)).toBe(true);
    expect(await verifyPassword("correct horsE", h)).toBe(false);
    expect(await verifyPassword("", h)).toBe(false);
  });

  it("salts every hash", async () => {
    const [a, b] = await Promise.all([hashPassword("same"), hashPassword("same")]);
    expect(a).not.toBe(b);
  });

  it("refuses weak parameters, malformed and unusable hashes", async () => {
    await expect(hashPassword("x", { memoryCost: 4096, timeCost: 2, parallelism: 1 })).rejects.toThrow(/memoryCost/);
    await expect(hashPassword("x", { memoryCost: 19456, timeCost: 1, parallelism: 1 })).rejects.toThrow(/timeCost/);
    await expect(hashPassword("x", { memoryCost: 1 << 22, timeCost: 2, parallelism: 1 })).rejects.toThrow(RangeError);
    await expect(hashScrypt("x", { N: 1024, r: 8, p: 1 })).rejects.toThrow(RangeError);
    // a stored argon2 hash asking for 4 GiB or 1,000 passes is refused unread, as a corrupt row
    const good = await hashPassword("x");
    expect(await verifyPassword("x", good.replace("m=19456", "m=4194304"))).toBe(false);
    expect(await verifyPassword("x", good.replace("t=2", "t=999"))).toBe(false);
    expect(await verifyPassword("x", good.slice(0, -3))).toBe(false);
    expect(await verifyPassword("x", good.replace("argon2id", "argon2d"))).toBe(false);
    await expect(hashPassword("x".repeat(5000))).rejects.toThrow(RangeError);
    expect(await verifyPassword("x", "garbage")).toBe(false);
    expect(await verifyPassword("x", "scrypt$33554432$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).toBe(false);
    expect(await verifyPassword("x", unusablePassword())).toBe(false);
  });

  it("flags scrypt hashes and argon2id hashes with weaker parameters for rehashing", async () => {
    const old = await hashScrypt("p", { N: 16384, r: 8, p: 1 });
    expect(old).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword("p", old)).toBe(true);
    expect(await verifyPassword("q", old)).toBe(false);
    expect(needsRehash(old)).toBe(true);
    const current = await hashPassword("p");
    expect(needsRehash(current)).toBe(false);
    expect(needsRehash(current, { memoryCost: 65_536, timeCost: 2, parallelism: 1 })).toBe(true);
  });

});

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

// The stores and tables on both engines: each describe block its own database (SQLite file or
// PostgreSQL database of its own, support/engines.ts).
const NO_TABLES = { sqlite: "", postgres: "" };
describe.each(ENGINES)("%s", (engine) => {
  let e: EngineDb;

  describe("tables", () => {
    beforeAll(async () => {
      e = await openEngine(engine, NO_TABLES, "admin_auth");
    }, 60_000);
    afterAll(() => e?.close());

    it("round-trips every table through drizzle", async () => {
      const { weftUsers, weftGroups, weftUserGroups, weftGroupPermissions, weftUserPermissions, weftSessions, weftApiTokens, weftAuditLog } = adminTablesFor(e.db);
      const db = qb(e.db);
      const now = new Date(1_700_000_000_123);
      const [u] = await db.insert(weftUsers).values({ username: "rt", passwordHash: "x", createdAt: now }).returning();
      expect(u).toMatchObject({ email: "", isActive: true, isStaff: false, isSuperuser: false, lastLoginAt: null, createdAt: now });
      const [g] = await db.insert(weftGroups).values({ name: "rt-group" }).returning();
      await db.insert(weftUserGroups).values({ userId: u.id, groupId: g.id });
      await db.insert(weftGroupPermissions).values({ groupId: g.id, permission: "orders.view_order" });
      await db.insert(weftUserPermissions).values({ userId: u.id, permission: "orders.change_order" });
      await db.insert(weftSessions).values({ id: "a".repeat(64), userId: u.id, createdAt: now, expiresAt: now, lastSeenAt: now });
      await db.insert(weftApiTokens).values({ userId: u.id, name: "ci", tokenHash: "b".repeat(64), createdAt: now });
      await db.insert(weftAuditLog).values({ userId: u.id, action: "change", model: "orders.order", objectId: "7", objectRepr: "ORD-7", changes: JSON.stringify({ status: ["new", "paid"] }), at: now });
      expect((await db.select().from(weftSessions))[0]).toEqual({ id: "a".repeat(64), userId: u.id, createdAt: now, expiresAt: now, lastSeenAt: now });
      expect((await db.select().from(weftApiTokens))[0]).toMatchObject({ name: "ci", lastUsedAt: null, createdAt: now });
      expect((await db.select().from(weftAuditLog))[0]).toMatchObject({ action: "change", objectId: "7", at: now });
      // the engine's own words: SQLite's "UNIQUE constraint failed", PostgreSQL's "duplicate key value violates unique constraint"
      // (drizzle wraps pg's error as the cause of its "Failed query")
      const dup = await db.insert(weftUsers).values({ username: "rt", passwordHash: "x", createdAt: now }).then(
        () => undefined,
        (err: Error & { cause?: Error }) => `${err.message} ${err.cause?.message ?? ""}`,
      );
      expect(dup).toMatch(engine === "sqlite" ? /UNIQUE/ : /duplicate key value violates unique constraint/);
      // deleting the user cascades to its rows and keeps the audit entry with a null user
      await db.delete(weftUsers).where(eq(weftUsers.id, u.id));
      expect((await db.select().from(weftSessions))).toEqual([]);
      expect((await db.select().from(weftApiTokens))).toEqual([]);
      expect((await db.select().from(weftUserGroups))).toEqual([]);
      expect((await db.select().from(weftUserPermissions))).toEqual([]);
      expect((await db.select().from(weftAuditLog))[0]?.userId).toBeNull();
    });
  });

  describe("password upgrade", () => {
    beforeAll(async () => {
      e = await openEngine(engine, NO_TABLES, "admin_auth");
    }, 60_000);
    afterAll(() => e?.close());

    it("upgrades a user's scrypt hash to argon2id on the next successful login, not on a failed one", async () => {
      const users = new UserStore(e.db);
      const { weftUsers } = adminTablesFor(e.db);
      const db = qb(e.db);
      const u = await users.createUser({ username: "legacy", password: "old-pass", isStaff: true });
      const stored = async () => (await db.select({ h: weftUsers.passwordHash }).from(weftUsers).where(eq(weftUsers.id, u.id)))[0]!.h;
      expect((await stored())).toMatch(/^\$argon2id\$/);
      // as a database written before argon2id: the same password, hashed with scrypt
      const legacy = await hashScrypt("old-pass", { N: 1 << 15, r: 8, p: 1 });
      await db.update(weftUsers).set({ passwordHash: legacy }).where(eq(weftUsers.id, u.id));
      expect(await users.authenticate("legacy", "wrong")).toBeNull();
      expect((await stored())).toBe(legacy);
      expect(await users.authenticate("legacy", "old-pass")).toMatchObject({ id: u.id });
      const upgraded = (await stored());
      expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(await verifyPassword("old-pass", upgraded)).toBe(true);
      // the next login uses the new hash and leaves it as it is
      expect(await users.authenticate("legacy", "old-pass")).toMatchObject({ id: u.id });
      expect((await stored())).toBe(upgraded);
    });
  });

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
