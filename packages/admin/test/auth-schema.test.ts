// The admin's tables: the migrated SQLite schema's agreement with drizzle (sqlite_master, PRAGMA
// table_info, EXPLAIN QUERY PLAN; PostgreSQL's schema: migrate.test.ts), and every table's round
// trip through drizzle on SQLite and PostgreSQL.
import { eq } from "drizzle-orm";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminSchema } from "../src/auth/index.js";
import { migrateAdminSqlite } from "../src/migrate/index.js";
import { adminTablesFor } from "../src/auth/tables.js";
import { qb } from "../src/query/dialect/index.js";
import { ENGINES, openEngine, type EngineDb } from "./support/engines.js";
import { tempAdminDbs } from "./support/temp-admin-db.js";

const openDb = tempAdminDbs();

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

// On both engines: each describe block its own database (SQLite file or PostgreSQL database of
// its own, support/engines.ts).
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
});
