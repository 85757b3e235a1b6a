// Migrated SQLite admin databases in temporary folders, for the auth test files.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { afterAll } from "vitest";
import { migrateAdminSqlite } from "../../src/migrate/index.js";

/**
 * Call once at a test file's top level: returns `openDb(name)`, which makes a migrated SQLite
 * admin database file in a folder of its own; every folder is removed after the file's tests.
 */
export function tempAdminDbs() {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return function openDb(name = "admin.db") {
    const dir = mkdtempSync(join(tmpdir(), "weft-auth-"));
    dirs.push(dir);
    const file = join(dir, name);
    const sqlite = new Database(file);
    const db = drizzle(sqlite);
    migrateAdminSqlite(db);
    return { sqlite, db, file };
  };
}
